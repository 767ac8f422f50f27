import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY } from '../../core/deployment/policy.js';
import type { CircuitBreakerPolicy, LimitsPolicy } from '../../core/deployment/policy.js';
import { MooringError, fail } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import { VersionGuard, countsAsModelFailure } from './version-guard.js';
import type { CircuitPhase, GuardSettings } from './version-guard.js';

/*
 * Time: every test runs on node:test's fake clock (`setTimeout` and `Date`). cockatiel reads `Date.now()` for the
 * breaker windows (WindowedBreaker reads Date.now by default) and the half-open delay, and the guard's deadline is a `setTimeout`, so `tick(ms)` moves
 * all of them. `performance.now()` is NOT mocked by Node 20's MockTimers (checked: it keeps running in real time), so
 * deadlines are computed as `performance.now() + budget`: the guard turns that into `setTimeout(..., remaining)` with
 * `remaining` at most `budget` (real time only moves forward, by microseconds here), so `tick(budget)` is what makes
 * the deadline fire, and a tick well short of it never does.
 */

/** A start time far from 0, so nothing depends on the epoch. */
const T0 = 1_700_000_000_000;

function fakeClock(t: TestContext): (ms: number) => void {
  t.mock.timers.enable({ apis: ['setTimeout', 'Date'], now: T0 });
  return (ms) => t.mock.timers.tick(ms);
}

/** Guard settings: the defaults with the given parts replaced. */
function settings(
  over: { breaker?: Partial<CircuitBreakerPolicy>; limits?: Partial<LimitsPolicy>; budgetMs?: number } = {},
): GuardSettings {
  return {
    circuitBreaker: { ...DEFAULT_POLICY.circuitBreaker, ...over.breaker },
    limits: { ...DEFAULT_POLICY.limits, ...over.limits },
    latencyBudgetMs: over.budgetMs ?? 0,
  };
}

/** The breaker every breaker test uses: 10 s window (10 one-second buckets), opens at > 50% of at least 4. */
const BREAKER: Partial<CircuitBreakerPolicy> = { errorRatio: 0.5, minRequests: 4, windowMs: 10_000, halfOpenAfterMs: 1_000 };

interface Recorder {
  readonly circuit: [CircuitPhase, string | null][];
  shed: number;
}

function guarded(s: GuardSettings): { guard: VersionGuard; events: Recorder } {
  const events: Recorder = { circuit: [], shed: 0 };
  const guard = new VersionGuard(s, 'churn version 3', {
    onCircuit: (phase, cause) => void events.circuit.push([phase, cause]),
    onShed: () => void events.shed++,
  });
  return { guard, events };
}

/** Lets every pending promise callback run (setImmediate is not mocked). */
async function flush(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((r) => setImmediate(r));
}

/** A promise resolved or rejected by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A work function that counts its calls and answers as `outcome` says. */
function work(outcome: 'ok' | ErrorCode | Error = 'ok'): { calls: number; fn: () => Promise<string> } {
  const w = {
    calls: 0,
    fn: async (): Promise<string> => {
      w.calls++;
      if (outcome === 'ok') return 'answer';
      if (outcome instanceof Error) throw outcome;
      throw fail(outcome, `the model said ${outcome}`);
    },
  };
  return w;
}

/** The MooringError code `p` rejects with (fails the test if it resolves or rejects with something else). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MooringError, `expected a MooringError, got ${String(e)}`);
    return e.code;
  }
  assert.fail('expected a rejection');
}

/** Runs `n` requests one after the other with no deadline, each answered as `outcome` says; returns their codes. */
async function runMany(guard: VersionGuard, n: number, outcome: 'ok' | ErrorCode | Error): Promise<string[]> {
  const codes: string[] = [];
  for (let i = 0; i < n; i++) {
    const w = work(outcome);
    if (outcome === 'ok') {
      assert.equal(await guard.run(Infinity, w.fn), 'answer');
      codes.push('ok');
    } else {
      codes.push(await codeOf(guard.run(Infinity, w.fn)).catch(() => 'not a MooringError'));
    }
  }
  return codes;
}

describe('countsAsModelFailure', () => {
  test('model failures, timeouts, shedding and non-Mooring errors count; client and shutdown errors do not', () => {
    for (const code of ['INFERENCE_FAILED', 'NON_FINITE_OUTPUT', 'DEADLINE_EXCEEDED', 'OVERLOADED', 'INTERNAL'] as const) {
      assert.equal(countsAsModelFailure(fail(code, 'x')), true, code);
    }
    for (const code of ['VALIDATION_FAILED', 'SHUTTING_DOWN', 'CIRCUIT_OPEN', 'INVALID_REQUEST', 'MODEL_NOT_READY'] as const) {
      assert.equal(countsAsModelFailure(fail(code, 'x')), false, code);
    }
    assert.equal(countsAsModelFailure(new Error('onnxruntime exploded')), true);
    assert.equal(countsAsModelFailure('a string thrown'), true);
  });
});

describe('VersionGuard circuit breaker', () => {
  test('stays closed below minRequests even when every request fails, and opens at minRequests', async (t) => {
    fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: BREAKER }));
    assert.deepEqual(await runMany(guard, 3, 'INFERENCE_FAILED'), ['INFERENCE_FAILED', 'INFERENCE_FAILED', 'INFERENCE_FAILED']);
    assert.equal(guard.circuit, 'closed');
    assert.deepEqual(events.circuit, []);
    // The 4th request still reaches the model; its failure makes 4 of 4 and opens the circuit.
    const fourth = work('INFERENCE_FAILED');
    assert.equal(await codeOf(guard.run(Infinity, fourth.fn)), 'INFERENCE_FAILED');
    assert.equal(fourth.calls, 1);
    assert.equal(guard.circuit, 'open');
    assert.deepEqual(events.circuit, [['open', 'INFERENCE_FAILED']]);
  });

  test('opens once the error ratio in the window exceeds errorRatio (not when it equals it)', async (t) => {
    fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: BREAKER }));
    await runMany(guard, 2, 'ok');
    await runMany(guard, 2, 'NON_FINITE_OUTPUT');
    assert.equal(guard.circuit, 'closed', '2 failures of 4 is 50%, not above it');
    await runMany(guard, 1, 'NON_FINITE_OUTPUT');
    assert.equal(guard.circuit, 'open', '3 failures of 5 is 60%');
    assert.deepEqual(events.circuit, [['open', 'NON_FINITE_OUTPUT']]);
  });

  test('failures spread over the window count together; successes keep the ratio down', async (t) => {
    const tick = fakeClock(t);
    const { guard } = guarded(settings({ breaker: BREAKER }));
    // 6 successes then 5 failures, one per second: 5 of 11 in the window (45%), below the ratio.
    await runMany(guard, 6, 'ok');
    for (let i = 0; i < 5; i++) {
      tick(900);
      await runMany(guard, 1, 'INFERENCE_FAILED');
    }
    assert.equal(guard.circuit, 'closed');
    // One more failure: 6 of 12 (50%) is not above; a 7th makes 7 of 13.
    await runMany(guard, 1, 'INFERENCE_FAILED');
    assert.equal(guard.circuit, 'closed');
    await runMany(guard, 1, 'INFERENCE_FAILED');
    assert.equal(guard.circuit, 'open');
  });

  test(
    'failures older than windowMs are forgotten',
    async (t) => {
      const tick = fakeClock(t);
      const { guard } = guarded(settings({ breaker: BREAKER }));
      await runMany(guard, 3, 'INFERENCE_FAILED');
      tick(60_000);
      await runMany(guard, 1, 'INFERENCE_FAILED');
      assert.equal(guard.circuit, 'closed', 'only 1 request in the last 10 s, below minRequests 4');
    },
  );

  test(
    'opens at exactly minRequests whatever the window length',
    async (t) => {
      fakeClock(t);
      for (const [minRequests, windowMs] of [
        [21, 10_000],
        [20, 7_500],
      ] as const) {
        const { guard } = guarded(settings({ breaker: { ...BREAKER, minRequests, windowMs } }));
        await runMany(guard, minRequests - 1, 'INFERENCE_FAILED');
        assert.equal(guard.circuit, 'closed');
        await runMany(guard, 1, 'INFERENCE_FAILED');
        assert.equal(guard.circuit, 'open', `${minRequests} failures in ${windowMs} ms`);
      }
    },
  );

  test('while open, run throws CIRCUIT_OPEN without calling the work', async (t) => {
    fakeClock(t);
    const { guard } = guarded(settings({ breaker: BREAKER }));
    await runMany(guard, 4, 'INFERENCE_FAILED');
    assert.equal(guard.circuit, 'open');
    const w = work('ok');
    for (let i = 0; i < 5; i++) {
      await assert.rejects(guard.run(Infinity, w.fn), (e: unknown) => {
        assert.ok(e instanceof MooringError);
        assert.equal(e.code, 'CIRCUIT_OPEN');
        assert.equal(e.message, 'churn version 3 is failing: its circuit breaker is open, so the model is not called');
        assert.deepEqual(e.details, { circuit: 'open' });
        return true;
      });
    }
    // With a deadline too (the deadline path wraps the same breaker).
    assert.equal(await codeOf(guard.run(performance.now() + 60_000, w.fn)), 'CIRCUIT_OPEN');
    assert.equal(w.calls, 0);
  });

  test('after halfOpenAfterMs one request tries the model; its success closes the circuit', async (t) => {
    const tick = fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: BREAKER }));
    await runMany(guard, 4, 'INFERENCE_FAILED');
    tick(999);
    const early = work('ok');
    assert.equal(await codeOf(guard.run(Infinity, early.fn)), 'CIRCUIT_OPEN');
    assert.equal(early.calls, 0);
    tick(1);
    // The probe: held open by hand so the half-open state can be seen, and a second request waits for its outcome.
    const gate = deferred<string>();
    let probeCalls = 0;
    const probe = guard.run(Infinity, () => {
      probeCalls++;
      return gate.promise;
    });
    await flush();
    assert.equal(probeCalls, 1);
    assert.equal(guard.circuit, 'half_open');
    const behind = work('ok');
    const second = guard.run(Infinity, behind.fn);
    await flush();
    assert.equal(behind.calls, 0, 'only one request tries the model while half open');
    gate.resolve('probe answer');
    assert.equal(await probe, 'probe answer');
    assert.equal(guard.circuit, 'closed');
    assert.equal(await second, 'answer');
    assert.equal(behind.calls, 1);
    assert.deepEqual(events.circuit, [
      ['open', 'INFERENCE_FAILED'],
      ['half_open', null],
      ['closed', null],
    ]);
    // Closing starts the window afresh (the 4 old failures are gone): the probe and the request behind it are its
    // only successes, so 2 failures make 2 of 4 (50%, not above) and a 3rd makes 3 of 5.
    await runMany(guard, 2, 'INFERENCE_FAILED');
    assert.equal(guard.circuit, 'closed');
    await runMany(guard, 1, 'INFERENCE_FAILED');
    assert.equal(guard.circuit, 'open');
  });

  test("the half-open probe's failure re-opens the circuit for another halfOpenAfterMs", async (t) => {
    const tick = fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: BREAKER }));
    await runMany(guard, 4, 'INFERENCE_FAILED');
    tick(1_000);
    const probe = work('NON_FINITE_OUTPUT');
    assert.equal(await codeOf(guard.run(Infinity, probe.fn)), 'NON_FINITE_OUTPUT');
    assert.equal(probe.calls, 1);
    assert.equal(guard.circuit, 'open');
    tick(999);
    const w = work('ok');
    assert.equal(await codeOf(guard.run(Infinity, w.fn)), 'CIRCUIT_OPEN');
    assert.equal(w.calls, 0);
    tick(1);
    assert.equal(await guard.run(Infinity, w.fn), 'answer');
    assert.equal(guard.circuit, 'closed');
    assert.deepEqual(events.circuit, [
      ['open', 'INFERENCE_FAILED'],
      ['half_open', null],
      ['open', 'NON_FINITE_OUTPUT'],
      ['half_open', null],
      ['closed', null],
    ]);
  });

  test('the opening cause is the last failure: a thrown non-Mooring error is INTERNAL', async (t) => {
    fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: BREAKER }));
    await runMany(guard, 3, 'NON_FINITE_OUTPUT');
    const boom = new Error('segfault in the runtime');
    await assert.rejects(guard.run(Infinity, work(boom).fn), (e: unknown) => e === boom);
    assert.deepEqual(events.circuit, [['open', 'INTERNAL']]);
  });

  test('errors that are not model failures do not count, and are rethrown as they are', async (t) => {
    fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: BREAKER }));
    for (const code of ['VALIDATION_FAILED', 'SHUTTING_DOWN'] as const) {
      const err = fail(code, 'not the model');
      for (let i = 0; i < 10; i++) await assert.rejects(guard.run(Infinity, work(err).fn), (e: unknown) => e === err);
    }
    assert.equal(guard.circuit, 'closed');
    assert.deepEqual(events.circuit, []);
    // Nor do they count as successes: 4 model failures still make 100% of the counted requests.
    await runMany(guard, 4, 'INFERENCE_FAILED');
    assert.equal(guard.circuit, 'open');
  });

  test('enabled: false never opens, and every request reaches the model', async (t) => {
    fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: { ...BREAKER, enabled: false } }));
    const w = work('INFERENCE_FAILED');
    for (let i = 0; i < 50; i++) assert.equal(await codeOf(guard.run(Infinity, w.fn)), 'INFERENCE_FAILED');
    assert.equal(w.calls, 50);
    assert.equal(guard.circuit, 'closed');
    assert.deepEqual(events.circuit, []);
  });
});

describe('VersionGuard load shedding', () => {
  test('with 1 running and 1 queued a third request is OVERLOADED; the queued one runs when the first ends', async (t) => {
    fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: { ...BREAKER, enabled: false }, limits: { maxConcurrent: 1, maxQueued: 1, retryAfterSeconds: 7 } }));
    assert.deepEqual(guard.load, { running: 0, queued: 0 });
    const first = deferred<string>();
    const firstRun = guard.run(Infinity, () => first.promise);
    const queued = work('ok');
    const queuedRun = guard.run(Infinity, queued.fn);
    await flush();
    assert.deepEqual(guard.load, { running: 1, queued: 1 });
    assert.equal(queued.calls, 0);

    const third = work('ok');
    await assert.rejects(guard.run(Infinity, third.fn), (e: unknown) => {
      assert.ok(e instanceof MooringError);
      assert.equal(e.code, 'OVERLOADED');
      assert.equal(e.message, 'churn version 3 has 1 requests running and 1 waiting: retry later');
      assert.deepEqual(e.details, { retry_after_seconds: 7 });
      return true;
    });
    assert.equal(third.calls, 0);
    assert.equal(events.shed, 1);
    await assert.rejects(guard.run(performance.now() + 60_000, third.fn), (e: unknown) => e instanceof MooringError && e.code === 'OVERLOADED');
    assert.equal(events.shed, 2);

    first.resolve('first');
    assert.equal(await firstRun, 'first');
    assert.equal(await queuedRun, 'answer');
    assert.equal(queued.calls, 1);
    assert.deepEqual(guard.load, { running: 0, queued: 0 });
    assert.equal(guard.circuit, 'closed');
    assert.deepEqual(events.circuit, []);
  });

  test('load counts running and queued requests as they come and go', async (t) => {
    fakeClock(t);
    const { guard } = guarded(settings({ limits: { maxConcurrent: 2, maxQueued: 3 } }));
    const gates = [deferred<number>(), deferred<number>(), deferred<number>(), deferred<number>()];
    const runs = gates.map((g) => guard.run(Infinity, () => g.promise));
    await flush();
    assert.deepEqual(guard.load, { running: 2, queued: 2 });
    gates[0]!.resolve(0);
    await flush();
    assert.deepEqual(guard.load, { running: 2, queued: 1 });
    gates[1]!.resolve(1);
    gates[2]!.resolve(2);
    await flush();
    assert.deepEqual(guard.load, { running: 1, queued: 0 });
    gates[3]!.resolve(3);
    assert.deepEqual(await Promise.all(runs), [0, 1, 2, 3]);
    assert.deepEqual(guard.load, { running: 0, queued: 0 });
  });
});

describe('VersionGuard deadline', () => {
  test('a work that never answers is DEADLINE_EXCEEDED when the budget passes, and counts against the circuit', async (t) => {
    const tick = fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: { ...BREAKER, minRequests: 2 }, budgetMs: 50 }));
    assert.equal(guard.budgetMs, 50);
    const hang = () => new Promise<string>(() => undefined);
    let settled = false;
    const first = guard.run(performance.now() + 50, hang);
    first.catch(() => undefined).finally(() => (settled = true));
    tick(40);
    await flush();
    assert.equal(settled, false, 'not before the budget');
    tick(10);
    await assert.rejects(first, (e: unknown) => {
      assert.ok(e instanceof MooringError);
      assert.equal(e.code, 'DEADLINE_EXCEEDED');
      assert.equal(e.message, 'churn version 3 did not answer within the latency budget of 50 ms');
      assert.deepEqual(e.details, { latency_budget_ms: 50 });
      return true;
    });
    assert.equal(guard.circuit, 'closed', 'one failure is below minRequests 2');
    const second = guard.run(performance.now() + 50, hang);
    tick(50);
    assert.equal(await codeOf(second), 'DEADLINE_EXCEEDED');
    assert.equal(guard.circuit, 'open');
    assert.deepEqual(events.circuit, [['open', 'DEADLINE_EXCEEDED']]);
  });

  test(
    'a model call that hangs past its deadline keeps its admission slot until it settles',
    async (t) => {
      const tick = fakeClock(t);
      const { guard } = guarded(settings({ breaker: { ...BREAKER, enabled: false }, limits: { maxConcurrent: 1, maxQueued: 0 }, budgetMs: 50 }));
      const hanging = deferred<string>();
      const first = guard.run(performance.now() + 50, () => hanging.promise);
      tick(50);
      assert.equal(await codeOf(first), 'DEADLINE_EXCEEDED');
      assert.deepEqual(guard.load, { running: 1, queued: 0 });
      const next = work('ok');
      assert.equal(await codeOf(guard.run(Infinity, next.fn)), 'OVERLOADED');
      assert.equal(next.calls, 0);
      hanging.resolve('late');
      await flush();
      assert.deepEqual(guard.load, { running: 0, queued: 0 });
      assert.equal(await guard.run(Infinity, next.fn), 'answer');
    },
  );

  test('a work that answers in time is answered, and its timer does not fire later', async (t) => {
    const tick = fakeClock(t);
    const { guard, events } = guarded(settings({ breaker: { ...BREAKER, minRequests: 1 }, budgetMs: 50 }));
    assert.equal(await guard.run(performance.now() + 50, work('ok').fn), 'answer');
    tick(1_000);
    await flush();
    assert.equal(guard.circuit, 'closed');
    assert.deepEqual(events.circuit, []);
  });

  test('a queued request whose deadline passes leaves: its work never runs, it counts as a failure, and the queue moves on', async (t) => {
    const tick = fakeClock(t);
    // minRequests 3: the one timeout is counted, but three requests are needed before the circuit may open.
    const { guard, events } = guarded(
      settings({ breaker: { ...BREAKER, minRequests: 3, errorRatio: 0.1 }, limits: { maxConcurrent: 1, maxQueued: 5 }, budgetMs: 50 }),
    );
    const first = deferred<string>();
    const firstRun = guard.run(Infinity, () => first.promise);
    const late = work('ok');
    const lateRun = guard.run(performance.now() + 50, late.fn);
    const behind = work('ok');
    const behindRun = guard.run(Infinity, behind.fn);
    await flush();
    assert.deepEqual(guard.load, { running: 1, queued: 2 });

    tick(50);
    assert.equal(await codeOf(lateRun), 'DEADLINE_EXCEEDED');

    first.resolve('first');
    assert.equal(await firstRun, 'first');
    assert.equal(await behindRun, 'answer', 'the request behind the one that left still runs');
    assert.equal(late.calls, 0, 'the work of a request that left is never called');
    assert.equal(behind.calls, 1);
    assert.deepEqual(guard.load, { running: 0, queued: 0 });
    assert.equal(guard.circuit, 'closed');
    assert.deepEqual(events.circuit, []);
    // A third request that fails makes 2 failures of 3 (the timeout counted): the circuit opens.
    assert.equal(await codeOf(guard.run(Infinity, work('INFERENCE_FAILED').fn)), 'INFERENCE_FAILED');
    assert.equal(guard.circuit, 'open');
  });

  test('a version whose calls hang opens its circuit: its slots fill, then timeouts and refusals are counted', async (t) => {
    const tick = fakeClock(t);
    const { guard, events } = guarded(
      settings({ breaker: { ...BREAKER, minRequests: 4, errorRatio: 0.5 }, limits: { maxConcurrent: 2, maxQueued: 1 }, budgetMs: 50 }),
    );
    const hang = (): Promise<string> => new Promise<string>(() => undefined);
    const firstTwo = [guard.run(performance.now() + 50, hang), guard.run(performance.now() + 50, hang)];
    tick(50);
    assert.deepEqual(await Promise.all(firstTwo.map(codeOf)), ['DEADLINE_EXCEEDED', 'DEADLINE_EXCEEDED']);
    assert.deepEqual(guard.load, { running: 2, queued: 0 }, 'the hung calls keep their slots');
    const queued = guard.run(performance.now() + 50, hang);
    const shed = guard.run(performance.now() + 50, hang);
    assert.equal(await codeOf(shed), 'OVERLOADED');
    tick(50);
    assert.equal(await codeOf(queued), 'DEADLINE_EXCEEDED');
    assert.equal(guard.circuit, 'open');
    assert.equal(events.circuit[0]?.[0], 'open');
    // While open nothing reaches admission; a half-open trial that is refused for load re-opens it.
    assert.equal(await codeOf(guard.run(performance.now() + 50, hang)), 'CIRCUIT_OPEN');
    tick(BREAKER.halfOpenAfterMs!);
    assert.equal(await codeOf(guard.run(performance.now() + 50, hang)), 'OVERLOADED');
    assert.equal(guard.circuit, 'open');
  });

  test('a deadline already past rejects at once without calling the work', async (t) => {
    fakeClock(t);
    const { guard } = guarded(settings({ budgetMs: 50 }));
    const w = work('ok');
    assert.equal(await codeOf(guard.run(performance.now() - 1, w.fn)), 'DEADLINE_EXCEEDED');
    assert.equal(await codeOf(guard.run(0, w.fn)), 'DEADLINE_EXCEEDED');
    assert.equal(w.calls, 0);
    assert.deepEqual(guard.load, { running: 0, queued: 0 });
  });
});

describe('VersionGuard.sameSettings', () => {
  test('true for equal settings (another object), false when any one field differs', () => {
    const base = settings({ breaker: BREAKER, limits: { maxConcurrent: 4, maxQueued: 8 }, budgetMs: 250 });
    const guard = new VersionGuard(base, 'churn version 3');
    assert.equal(guard.sameSettings(structuredClone(base)), true);
    assert.equal(guard.sameSettings(base), true);
    const changed: GuardSettings[] = [
      { ...base, latencyBudgetMs: 251 },
      { ...base, circuitBreaker: { ...base.circuitBreaker, enabled: false } },
      { ...base, circuitBreaker: { ...base.circuitBreaker, errorRatio: 0.6 } },
      { ...base, circuitBreaker: { ...base.circuitBreaker, minRequests: 5 } },
      { ...base, circuitBreaker: { ...base.circuitBreaker, windowMs: 20_000 } },
      { ...base, circuitBreaker: { ...base.circuitBreaker, halfOpenAfterMs: 2_000 } },
      { ...base, limits: { ...base.limits, maxConcurrent: 5 } },
      { ...base, limits: { ...base.limits, maxQueued: 9 } },
      { ...base, limits: { ...base.limits, retryAfterSeconds: 2 } },
    ];
    for (const s of changed) assert.equal(guard.sameSettings(s), false, JSON.stringify(s));
  });
});
