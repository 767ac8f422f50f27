import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMooringError } from '../errors.js';
import { DEFAULT_REPEAT_INTERVAL_MS, DEFAULT_WINDOW_MS, formatDuration, parseAlertRule, ruleCondition } from './alert-rule.js';

function refusal(input: unknown): { code: string; message: string; field: unknown } {
  try {
    parseAlertRule(input);
  } catch (e) {
    assert.ok(isMooringError(e), String(e));
    return { code: e.code, message: e.message, field: e.details?.['field'] };
  }
  assert.fail('expected a refusal');
}

const base = { name: 'churn-errors', model: 'churn', signal: 'error_rate', op: '>', threshold: 0.05 };

describe('alert rules', () => {
  it('fill in the defaults a Prometheus user expects', () => {
    const r = parseAlertRule(base);
    assert.deepEqual(r, {
      ...base,
      version: null,
      metric: null,
      column: null,
      windowMs: DEFAULT_WINDOW_MS,
      forMs: 0,
      repeatIntervalMs: DEFAULT_REPEAT_INTERVAL_MS,
      baseline: null,
      severity: 'warning',
      description: null,
      notify: [{ type: 'log' }],
      enabled: true,
    });
    assert.equal(DEFAULT_WINDOW_MS, 600_000);
    assert.deepEqual(parseAlertRule({ ...base, notify: [] }).notify, [], 'an empty list means: keep state, notify nobody');
    const hook = parseAlertRule({ ...base, notify: [{ type: 'webhook', url: 'https://hooks.example/x' }] }).notify[0];
    assert.deepEqual(hook, { type: 'webhook', url: 'https://hooks.example/x', headers: {} });
  });

  it('refuse what does not make sense, naming the field as the wire spells it', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...base, name: 'has space' }, /^invalid alert rule: name:/],
      [{ ...base, model: '../etc' }, /model: is not a valid model name/],
      [{ ...base, signal: 'vibes' }, /signal:/],
      [{ ...base, op: '==' }, /op:/],
      [{ ...base, threshold: undefined }, /threshold: is required/],
      [{ ...base, windowMs: 10 }, /window_ms:/],
      [{ ...base, forMs: -1 }, /for_ms:/],
      [{ ...base, signal: 'accuracy' }, /metric: is required for signal accuracy/],
      [{ ...base, metric: 'auc' }, /metric: is only for signal accuracy/],
      [{ ...base, signal: 'column_drift' }, /column: is required for signal column_drift/],
      [{ ...base, baseline: { maxDrop: 0.1 } }, /baseline: is only for signal accuracy/],
      [{ ...base, signal: 'accuracy', metric: 'auc', baseline: { maxDrop: 0.1 } }, /op: must be absent with baseline/],
      [{ ...base, notify: [{ type: 'webhook', url: 'ftp://x' }] }, /notify\[0\]\.url: must be an absolute http/],
      [{ ...base, notify: [{ type: 'webhook', url: 'https://x', headers: { 'bad name': 'v' } }] }, /notify\[0\]\.headers/],
      [{ ...base, notify: [{ type: 'webhook', url: 'https://x', headers: { X: 'a\r\nInjected: 1' } }] }, /must be one line/],
      [{ ...base, notify: [{ type: 'pager' }] }, /notify\[0\]/],
      [{ ...base, severity: 'meh' }, /severity:/],
      [{ ...base, threshold: Number.POSITIVE_INFINITY }, /threshold:/],
    ];
    for (const [input, message] of cases) {
      const r = refusal(input);
      assert.equal(r.code, 'INVALID_REQUEST', JSON.stringify(input));
      assert.match(r.message, message, JSON.stringify(input));
    }
    const unknown = refusal({ ...base, windw_ms: 5 });
    assert.deepEqual([unknown.message, unknown.field], ['invalid alert rule: windw_ms is not a rule field', 'windw_ms']);
    assert.match(refusal([base]).message, /must be an object/);
  });

  it('baseline rules compare live accuracy with the registered metric, in the direction the metric gets worse', () => {
    const auc = parseAlertRule({ name: 'auc-drop', model: 'churn', signal: 'accuracy', metric: 'auc', baseline: { metricFromVersion: 'val_auc', maxDrop: 0.05 } });
    assert.deepEqual(ruleCondition(auc, 0.9), { op: '<', threshold: 0.9 - 0.05 });
    assert.equal(ruleCondition(auc, null), null, 'no registered metric: no condition (no data)');
    const mae = parseAlertRule({ name: 'mae-rise', model: 'price', signal: 'accuracy', metric: 'mae', baseline: { maxDrop: 2 } });
    assert.deepEqual(ruleCondition(mae, 10), { op: '>', threshold: 12 });
    assert.equal(mae.baseline?.metricFromVersion, null);
    assert.deepEqual(ruleCondition(parseAlertRule(base), 123), { op: '>', threshold: 0.05 }, 'other rules ignore the baseline');
  });

  it('durations read like the CLI writes them', () => {
    assert.deepEqual([0, 250, 90_000, 600_000, 5_400_000, 86_400_000].map(formatDuration), ['0s', '250ms', '1m30s', '10m', '1h30m', '1d']);
  });
});
