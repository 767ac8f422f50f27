import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMooringError } from './errors.js';
import { isDuration, parseDuration, parseTime, parseTimeOrAgo } from './time.js';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return isMooringError(e) ? e.code : 'not a MooringError';
  }
  return 'no error';
}

describe('parseTime', () => {
  it('reads ISO-8601 and epoch milliseconds', () => {
    assert.equal(parseTime('2026-01-02T03:04:05.678Z'), Date.UTC(2026, 0, 2, 3, 4, 5, 678));
    assert.equal(parseTime('1700000000000'), 1_700_000_000_000);
    assert.equal(parseTime(5), 5);
    assert.equal(code(() => parseTime('yesterday')), 'INVALID_TIME');
  });
});

describe('parseDuration', () => {
  it('reads a whole number and a unit', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('7d'), 604_800_000);
    assert.equal(parseDuration('2w'), 1_209_600_000);
    assert.equal(parseDuration(' 1h '), 3_600_000);
  });

  it('refuses zero, fractions, signs, missing units and unknown units with INVALID_TIME', () => {
    for (const bad of ['0h', '1.5h', '-1h', '+1h', '10', 'h', '1y', '1 h', '', '1H', '999999999999w']) {
      assert.equal(code(() => parseDuration(bad, '--window')), 'INVALID_TIME', bad);
    }
  });

  it('names the field', () => {
    assert.throws(() => parseDuration('x', '--window'), /--window "x"/);
  });

  it('isDuration tells durations from times', () => {
    assert.equal(isDuration('1h'), true);
    assert.equal(isDuration('1700000000000'), false);
    assert.equal(isDuration('2026-01-01'), false);
  });
});

describe('parseTimeOrAgo', () => {
  const now = Date.UTC(2026, 5, 1, 12);
  it('reads a duration as that long before now', () => {
    assert.equal(parseTimeOrAgo('1h', now), now - 3_600_000);
    assert.equal(parseTimeOrAgo('7d', now), now - 7 * 86_400_000);
  });
  it('reads absolute times as parseTime does', () => {
    assert.equal(parseTimeOrAgo('2026-06-01T00:00:00Z', now), Date.UTC(2026, 5, 1));
    assert.equal(parseTimeOrAgo('1000', now), 1000);
    assert.equal(parseTimeOrAgo(1000, now), 1000);
  });
  it('never goes before the epoch', () => {
    assert.equal(parseTimeOrAgo('1w', 1000), 0);
  });
  it('refuses anything else with INVALID_TIME', () => {
    assert.equal(code(() => parseTimeOrAgo('an hour ago', now, '--since')), 'INVALID_TIME');
  });
});
