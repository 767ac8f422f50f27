import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DegradationTracker } from './degradation.js';

/** A clock moved by hand; starts on a whole second so bucket boundaries are easy to name. */
function handClock(start = 1_700_000_000_000): { clock: () => number; set: (t: number) => void; advance: (ms: number) => void; now: () => number } {
  let now = start;
  return {
    clock: () => now,
    set: (t) => void (now = t),
    advance: (ms) => void (now += ms),
    now: () => now,
  };
}

describe('DegradationTracker', () => {
  test('recent is null for a model nothing happened to', () => {
    const time = handClock();
    const tracker = new DegradationTracker(time.clock);
    assert.equal(tracker.recent('churn'), null);
    tracker.served('iris', 'cache', 'timeout');
    assert.equal(tracker.recent('churn'), null, 'another model’s events are not churn’s');
  });

  test('counts fallbacks by kind and reasons by reason, exhausted requests, and the time of the last event', () => {
    const time = handClock();
    const t0 = time.now();
    const tracker = new DegradationTracker(time.clock);
    tracker.served('churn', 'cache', 'timeout');
    time.advance(250);
    tracker.served('churn', 'cache', 'error');
    time.advance(1_500); // another bucket
    tracker.served('churn', 'previous', 'circuit_open');
    tracker.exhausted('churn', 'timeout');
    time.advance(3_000);
    tracker.exhausted('churn', 'overloaded');
    tracker.served('iris', 'rules', 'non_finite');
    assert.deepEqual(tracker.recent('churn'), {
      fallbacks: { cache: 2, previous: 1 },
      reasons: { timeout: 2, error: 1, circuit_open: 1, overloaded: 1 },
      exhausted: 2,
      lastAt: t0 + 4_750,
    });
    assert.deepEqual(tracker.recent('iris'), { fallbacks: { rules: 1 }, reasons: { non_finite: 1 }, exhausted: 0, lastAt: t0 + 4_750 });
  });

  test('a model with only exhausted requests has no fallbacks and its exhausted count', () => {
    const time = handClock();
    const tracker = new DegradationTracker(time.clock);
    tracker.exhausted('churn', 'unavailable');
    tracker.exhausted('churn', 'unavailable');
    assert.deepEqual(tracker.recent('churn'), { fallbacks: {}, reasons: { unavailable: 2 }, exhausted: 2, lastAt: time.now() });
  });

  test('the window drops events older than windowMs (per whole second) and keeps the rest', () => {
    const time = handClock();
    const t0 = time.now();
    const tracker = new DegradationTracker(time.clock, 10_000);
    tracker.served('churn', 'cache', 'timeout'); // at t0, the start of its second
    time.set(t0 + 4_000);
    tracker.served('churn', 'rules', 'error');

    time.set(t0 + 9_999);
    assert.deepEqual(tracker.recent('churn')?.fallbacks, { cache: 1, rules: 1 }, 'both within 10 s');
    time.set(t0 + 10_000);
    assert.deepEqual(tracker.recent('churn'), { fallbacks: { rules: 1 }, reasons: { error: 1 }, exhausted: 0, lastAt: t0 + 4_000 });
    time.set(t0 + 13_999);
    assert.equal(tracker.recent('churn')?.fallbacks['rules'], 1);
    time.set(t0 + 14_000);
    assert.equal(tracker.recent('churn'), null, 'everything aged out');

    // New events after the window emptied start counting from zero.
    tracker.exhausted('churn', 'timeout');
    assert.deepEqual(tracker.recent('churn'), { fallbacks: {}, reasons: { timeout: 1 }, exhausted: 1, lastAt: t0 + 14_000 });
  });

  test('an event later in its second leaves with its whole second (never later than windowMs)', () => {
    const time = handClock();
    const t0 = time.now();
    const tracker = new DegradationTracker(time.clock, 10_000);
    time.set(t0 + 700);
    tracker.served('churn', 'cache', 'timeout');
    time.set(t0 + 9_999);
    assert.notEqual(tracker.recent('churn'), null);
    time.set(t0 + 10_000); // 9.3 s after the event, but its second (t0..t0+999) is now out of the window
    assert.equal(tracker.recent('churn'), null);
  });

  test('the default window is one minute', () => {
    const time = handClock();
    const tracker = new DegradationTracker(time.clock);
    tracker.served('churn', 'cache', 'timeout');
    time.advance(59_999);
    assert.notEqual(tracker.recent('churn'), null);
    time.advance(1);
    assert.equal(tracker.recent('churn'), null);
  });

  test('circuitOf is the last circuit move of each version, with its cause and time', () => {
    const time = handClock();
    const t0 = time.now();
    const tracker = new DegradationTracker(time.clock);
    assert.equal(tracker.circuitOf('churn', 3), undefined);
    tracker.circuit('churn', 3, 'open', 'NON_FINITE_OUTPUT');
    assert.deepEqual(tracker.circuitOf('churn', 3), { phase: 'open', cause: 'NON_FINITE_OUTPUT', at: t0 });
    time.advance(5_000);
    tracker.circuit('churn', 3, 'half_open', null);
    tracker.circuit('churn', 4, 'open', 'DEADLINE_EXCEEDED');
    assert.deepEqual(tracker.circuitOf('churn', 3), { phase: 'half_open', cause: null, at: t0 + 5_000 });
    assert.deepEqual(tracker.circuitOf('churn', 4), { phase: 'open', cause: 'DEADLINE_EXCEEDED', at: t0 + 5_000 });
    assert.equal(tracker.circuitOf('churn', 2), undefined);
    assert.equal(tracker.circuitOf('iris', 3), undefined);
    // Circuit notes are not part of the fallback window.
    assert.equal(tracker.recent('churn'), null);
  });
});
