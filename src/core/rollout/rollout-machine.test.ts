import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Rollout, RolloutCheck } from '../deployment/policy.js';
import { MooringError } from '../errors.js';
import {
  abortRollout,
  applyCheck,
  checkDue,
  completePromotion,
  describeChecks,
  isActive,
  nextCheckAt,
  pauseRollout,
  promoteRollout,
  requireRollout,
  resumeRollout,
  rolloutWeight,
  sameRolloutState,
  startRollout,
} from './rollout-machine.js';
import type { CheckResult, RolloutSettings } from './rollout-machine.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

function start(settings: Partial<RolloutSettings> = {}, current: Rollout | null = null): Rollout {
  return startRollout('churn', current, { version: 2, baselineVersion: 1, settings: { steps: [5, 25, 100], intervalMs: MIN, ...settings } }, T0).rollout;
}

const ok: RolloutCheck = { name: 'error_rate', value: 0, baseline: 0, limit: 0.01, passed: true };
const bad: RolloutCheck = { name: 'error_rate', value: 0.5, baseline: 0, limit: 0.01, passed: false };

function pass(at: number): CheckResult {
  return { at, passed: true, checks: [ok] };
}
function failed(at: number): CheckResult {
  return { at, passed: false, checks: [bad] };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MooringError, String(e));
    return e.code;
  }
  assert.fail('expected a MooringError');
}

describe('start', () => {
  it('begins progressing at the first step, with the defaults of every limit', () => {
    const t = startRollout('churn', null, { version: 2, baselineVersion: 1, settings: { steps: [5, 25, 100], intervalMs: MIN } }, T0);
    assert.equal(t.event, 'start');
    assert.deepEqual(t.canary, { version: 2, weight: 5 });
    assert.equal(t.production, null);
    assert.deepEqual(t.rollout, {
      version: 2,
      steps: [5, 25, 100],
      intervalMs: MIN,
      maxErrorRate: 0.01,
      maxLatencyRatio: 1.5,
      maxDrift: 0.2,
      maxAccuracyDrop: 0.05,
      minRequests: 100,
      maxFailedChecks: 1,
      weightedRollback: false,
      phase: 'progressing',
      step: 0,
      failedChecks: 0,
      startedAt: T0,
      stepStartedAt: T0,
      baselineVersion: 1,
      lastCheck: null,
    });
    assert.match(t.reason, /version 2 started over version 1: canary at 5% \(step 1 of 3\)/);
    assert.equal(nextCheckAt(t.rollout), T0 + MIN);
    assert.equal(checkDue(t.rollout, T0 + MIN - 1), false);
    assert.equal(checkDue(t.rollout, T0 + MIN), true);
    assert.equal(rolloutWeight(t.rollout), 5);
  });

  it('refuses bad settings naming the field as the wire names it', () => {
    const refuse = (settings: Partial<RolloutSettings>, field: string): void => {
      try {
        start(settings);
        assert.fail('expected a refusal');
      } catch (e) {
        assert.ok(e instanceof MooringError);
        assert.equal(e.code, 'INVALID_REQUEST');
        assert.equal(e.details?.['field'], field, e.message);
      }
    };
    refuse({ steps: [5, 50] }, 'steps');
    refuse({ steps: [50, 25, 100] }, 'steps');
    refuse({ intervalMs: 10 }, 'interval_ms');
    refuse({ maxErrorRate: 2 }, 'max_error_rate');
    refuse({ maxLatencyRatio: 0.5 }, 'max_latency_ratio');
    refuse({ minRequests: 0 }, 'min_requests');
  });

  it('refuses while another rollout runs, and the production version itself', () => {
    const running = start();
    assert.equal(code(() => start({}, running)), 'ROLLOUT_CONFLICT');
    assert.equal(code(() => start({}, pauseRollout('churn', running, T0).rollout)), 'ROLLOUT_CONFLICT');
    assert.equal(
      code(() => startRollout('churn', null, { version: 1, baselineVersion: 1, settings: { steps: [100], intervalMs: MIN } }, T0)),
      'ROLLOUT_CONFLICT',
    );
  });

  it('starts again over a finished rollout', () => {
    const aborted = abortRollout('churn', start(), T0 + 5).rollout;
    const again = startRollout('churn', aborted, { version: 3, baselineVersion: 1, settings: { steps: [50, 100], intervalMs: MIN } }, T0 + 10);
    assert.equal(again.rollout.version, 3);
    assert.equal(again.rollout.phase, 'progressing');
    assert.equal(again.rollout.startedAt, T0 + 10);
  });
});

describe('checks', () => {
  it('waits on a check with too few requests: no transition', () => {
    assert.equal(applyCheck('churn', start(), { at: T0 + MIN, passed: null, checks: [] }), null);
  });

  it('steps up on a pass, and promotes when the last step (100%) passes', () => {
    const s0 = start();
    const t1 = applyCheck('churn', s0, pass(T0 + MIN))!;
    assert.equal(t1.event, 'step_up');
    assert.deepEqual(t1.canary, { version: 2, weight: 25 });
    assert.equal(t1.rollout.step, 1);
    assert.equal(t1.rollout.stepStartedAt, T0 + MIN);
    assert.deepEqual(t1.rollout.lastCheck, { at: T0 + MIN, passed: true, checks: [ok] });
    const t2 = applyCheck('churn', t1.rollout, pass(T0 + 2 * MIN))!;
    assert.deepEqual(t2.canary, { version: 2, weight: 100 });
    const t3 = applyCheck('churn', t2.rollout, pass(T0 + 3 * MIN))!;
    assert.equal(t3.event, 'promote');
    assert.equal(t3.production, 2);
    assert.equal(t3.canary, null);
    assert.equal(t3.rollout.phase, 'promoted');
    assert.equal(t3.rollout.step, 2);
    assert.equal(isActive(t3.rollout), false);
    assert.equal(rolloutWeight(t3.rollout), 0);
    assert.match(t3.reason, /version 2 promoted to production \(version 1 stays loaded as the rollback target\)/);
  });

  it('rolls back at the first failed check by default: no canary, step -1', () => {
    const t = applyCheck('churn', start(), failed(T0 + MIN))!;
    assert.equal(t.event, 'roll_back');
    assert.equal(t.canary, null);
    assert.equal(t.production, null);
    assert.equal(t.rollout.phase, 'rolled_back');
    assert.equal(t.rollout.step, -1);
    assert.equal(t.rollout.failedChecks, 1);
    assert.equal(t.rollout.stepStartedAt, T0 + MIN, 'a finished rollout records when it finished');
    assert.match(t.reason, /error_rate 0\.5 failed \(limit 0\.01\)/);
  });

  it('holds the step until max_failed_checks failed checks in a row; a pass resets the count', () => {
    const s0 = start({ maxFailedChecks: 3 });
    const h1 = applyCheck('churn', s0, failed(T0 + MIN))!;
    assert.equal(h1.event, 'hold');
    assert.deepEqual(h1.canary, { version: 2, weight: 5 });
    assert.equal(h1.rollout.failedChecks, 1);
    assert.equal(h1.rollout.stepStartedAt, T0 + MIN, 'the step is watched anew');
    const h2 = applyCheck('churn', h1.rollout, failed(T0 + 2 * MIN))!;
    assert.equal(h2.rollout.failedChecks, 2);
    const up = applyCheck('churn', h2.rollout, pass(T0 + 3 * MIN))!;
    assert.equal(up.rollout.failedChecks, 0);
    assert.equal(up.rollout.step, 1);
    let r = up.rollout;
    for (let i = 0; i < 2; i++) r = applyCheck('churn', r, failed(T0 + (4 + i) * MIN))!.rollout;
    const back = applyCheck('churn', r, failed(T0 + 6 * MIN))!;
    assert.equal(back.event, 'roll_back');
    assert.equal(back.rollout.failedChecks, 3);
  });

  it('with weighted rollback steps down one step per max_failed_checks, rolling back only below step 0', () => {
    let r = start({ weightedRollback: true });
    r = applyCheck('churn', r, pass(T0 + MIN))!.rollout;
    r = applyCheck('churn', r, pass(T0 + 2 * MIN))!.rollout;
    assert.equal(rolloutWeight(r), 100);
    const d1 = applyCheck('churn', r, failed(T0 + 3 * MIN))!;
    assert.equal(d1.event, 'step_down');
    assert.deepEqual(d1.canary, { version: 2, weight: 25 });
    assert.equal(d1.rollout.failedChecks, 0);
    assert.equal(d1.rollout.phase, 'progressing');
    const d2 = applyCheck('churn', d1.rollout, failed(T0 + 4 * MIN))!;
    assert.deepEqual(d2.canary, { version: 2, weight: 5 });
    const back = applyCheck('churn', d2.rollout, failed(T0 + 5 * MIN))!;
    assert.equal(back.event, 'roll_back');
    assert.equal(back.canary, null);
    assert.equal(back.rollout.step, -1);

    const twice = start({ weightedRollback: true, maxFailedChecks: 2 });
    const up = applyCheck('churn', twice, pass(T0 + MIN))!.rollout;
    const hold = applyCheck('churn', up, failed(T0 + 2 * MIN))!;
    assert.equal(hold.event, 'hold');
    assert.equal(applyCheck('churn', hold.rollout, failed(T0 + 3 * MIN))!.event, 'step_down');
  });

  it('takes checks only while progressing', () => {
    const paused = pauseRollout('churn', start(), T0).rollout;
    assert.equal(code(() => applyCheck('churn', paused, pass(T0 + MIN))), 'ROLLOUT_CONFLICT');
    assert.equal(checkDue(paused, T0 + 10 * MIN), false);
    assert.equal(nextCheckAt(paused), null);
  });
});

describe('manual transitions', () => {
  it('pauses keeping the weight and resumes watching the step anew', () => {
    const s1 = applyCheck('churn', start(), pass(T0 + MIN))!.rollout;
    const p = pauseRollout('churn', s1, T0 + MIN + 5);
    assert.equal(p.event, 'pause');
    assert.equal(p.rollout.phase, 'paused');
    assert.deepEqual(p.canary, { version: 2, weight: 25 });
    assert.equal(rolloutWeight(p.rollout), 25);
    const r = resumeRollout('churn', p.rollout, T0 + 10 * MIN);
    assert.equal(r.rollout.phase, 'progressing');
    assert.equal(r.rollout.stepStartedAt, T0 + 10 * MIN);
    assert.deepEqual(r.canary, { version: 2, weight: 25 });
  });

  it('promotes from progressing or paused at any step', () => {
    const t = promoteRollout('churn', start(), T0 + 5);
    assert.equal(t.event, 'promote');
    assert.equal(t.production, 2);
    assert.equal(t.canary, null);
    assert.equal(t.rollout.phase, 'promoted');
    const fromPaused = promoteRollout('churn', pauseRollout('churn', start(), T0).rollout, T0 + 5);
    assert.equal(fromPaused.rollout.phase, 'promoted');
  });

  it('aborts from progressing or paused: no canary, step -1', () => {
    const t = abortRollout('churn', pauseRollout('churn', start(), T0).rollout, T0 + 5);
    assert.equal(t.event, 'abort');
    assert.equal(t.rollout.phase, 'aborted');
    assert.equal(t.rollout.step, -1);
    assert.equal(t.canary, null);
    assert.equal(t.production, null);
  });

  it('completes an interrupted promotion without moving production again', () => {
    const t = completePromotion('churn', start(), T0 + 5);
    assert.equal(t.rollout.phase, 'promoted');
    assert.equal(t.production, null);
    assert.equal(t.canary, null);
  });

  it('refuses transitions the phase does not allow, and a missing rollout', () => {
    const s = start();
    const promoted = promoteRollout('churn', s, T0).rollout;
    const aborted = abortRollout('churn', s, T0).rollout;
    const rolledBack = applyCheck('churn', s, failed(T0 + MIN))!.rollout;
    assert.equal(code(() => resumeRollout('churn', s, T0)), 'ROLLOUT_CONFLICT');
    assert.equal(code(() => pauseRollout('churn', pauseRollout('churn', s, T0).rollout, T0)), 'ROLLOUT_CONFLICT');
    for (const done of [promoted, aborted, rolledBack]) {
      for (const act of [pauseRollout, resumeRollout, promoteRollout, abortRollout]) {
        assert.equal(code(() => act('churn', done, T0)), 'ROLLOUT_CONFLICT', `${act.name} when ${done.phase}`);
      }
      assert.equal(code(() => completePromotion('churn', done, T0)), 'ROLLOUT_CONFLICT');
    }
    for (const act of [pauseRollout, resumeRollout, promoteRollout, abortRollout]) assert.equal(code(() => act('churn', null, T0)), 'ROLLOUT_NOT_FOUND');
    assert.equal(code(() => requireRollout('churn', null)), 'ROLLOUT_NOT_FOUND');
  });
});

describe('helpers', () => {
  it('compares rollout states by run and position, not by their last check', () => {
    const s = start();
    assert.equal(sameRolloutState(s, { ...s, lastCheck: { at: 1, passed: true, checks: [] } }), true);
    assert.equal(sameRolloutState(s, { ...s, step: 1 }), false);
    assert.equal(sameRolloutState(s, { ...s, phase: 'paused' }), false);
    assert.equal(sameRolloutState(s, { ...s, startedAt: T0 + 1 }), false);
    assert.equal(sameRolloutState(null, null), true);
    assert.equal(sameRolloutState(s, null), false);
  });

  it('describes checks for people', () => {
    const checks: RolloutCheck[] = [
      { name: 'requests', value: 120, baseline: 2000, limit: 100, passed: true },
      { name: 'latency_ratio', value: 3.14159, baseline: 10, limit: 1.5, passed: false },
      { name: 'drift', value: null, baseline: null, limit: 0.2, passed: true },
      { name: 'accuracy', value: 0.8, baseline: 0.9, limit: 0.05, passed: false },
    ];
    assert.equal(
      describeChecks(checks),
      'requests 120 ok, latency_ratio 3.142 failed (limit 1.5), drift skipped, accuracy 0.8 failed (production 0.9, max drop 0.05)',
    );
  });
});
