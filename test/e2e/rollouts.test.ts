/**
 * The rollout controller on an in-process app with a hand-driven clock and hand-written prediction-log records: a
 * healthy canary promoted through 5, 25, 100 (production moved, the old version kept loaded, one audited policy
 * revision per transition), a failing and a slow canary rolled back (with the rollback alert firing), the manual
 * transitions and their refusals, restart safety (a new controller continues from the stored phase), the
 * compare-and-set (a step computed while the rollout was paused is dropped) and the lease (of two controllers on one
 * store only one acts).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { RolloutSettings } from '../../src/core/rollout/rollout-machine.js';
import type { MooringContext } from '../../src/compose.js';
import { RolloutAnalysis } from '../../src/services/rollout/rollout-analysis.js';
import { RolloutController } from '../../src/services/rollout/rollout-controller.js';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { MooringError } from '../../src/core/errors.js';
import { openTestApp } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;
const SETTINGS: RolloutSettings = { steps: [5, 25, 100], intervalMs: MIN, minRequests: 10 };
const alice = { actor: 'alice' };

let now = T0;
const clock = (): number => now;

/** A v2 answer of the linear model with score `y`, as the server logs it. */
function answer(version: number, y: number): unknown {
  return { model_name: 'lin', model_version: String(version), outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [y] }] };
}

let seq = 0;
/** Traffic of one side in [from, from + n ms): `n` requests, the first `errors` failed. */
function side(version: number, route: 'canary' | 'production', n: number, o: { from: number; latencyMs?: number; errors?: number; y?: number }): PredictionRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const failed = i < (o.errors ?? 0);
    return {
      id: `r${++seq}`,
      at: o.from + i,
      model: 'lin',
      version,
      route,
      rows: 1,
      inputs: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4] }] },
      outputs: failed ? null : answer(version, (o.y ?? 0.5) + (i % 5) * 0.01),
      latencyMs: o.latencyMs ?? 1,
      status: failed ? 'error' : 'ok',
      error: failed ? 'INFERENCE_FAILED' : null,
      flags: [],
    };
  });
}

/** Healthy traffic over the step that starts at `from`: 10 canary requests, 30 production ones, alike. */
async function healthy(ctx: MooringContext, from: number): Promise<void> {
  await ctx.predictionLog.append([...side(2, 'canary', 10, { from }), ...side(1, 'production', 30, { from: from + 100 })]);
}

function controller(ctx: MooringContext, holder: string): RolloutController {
  const s = ctx.predictionServices;
  return new RolloutController({
    deployments: ctx.deployments,
    registry: ctx.registry,
    analysis: new RolloutAnalysis({ log: ctx.predictionLog, stats: s.stats, accuracy: s.accuracy, store: ctx.store }),
    leases: ctx.alertStore,
    alertRules: ctx.alertRules,
    logger: ctx.logger,
    clock,
    holder,
  });
}

/** Asserts the promise rejects with a MooringError of `code`. */
async function assertCode(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MooringError && e.code === code);
}

async function rolloutOf(ctx: MooringContext) {
  return (await ctx.deployments.show('lin')).policy;
}

describe('the rollout controller', () => {
  let t: TestApp;

  beforeEach(async () => {
    now = T0;
    t = await openTestApp({ clock });
    await t.register('lin', linearModel().bytes, { alias: 'production' });
    await t.register('lin', linearModelV2().bytes);
  });
  afterEach(async () => {
    await t?.close();
  });

  it('promotes a healthy canary through 5, 25, 100: production moves, one audited revision per transition', async () => {
    const ctx = t.ctx;
    const started = await ctx.rollouts.start('lin', 2, SETTINGS, alice);
    assert.equal(started.rollout?.phase, 'progressing');
    assert.deepEqual(started.canary, { version: 2, weight: 5 });
    assert.equal(started.production, 1);
    assert.ok(ctx.pool.lookup('lin', 2), 'the canary is loaded for the split');

    assert.deepEqual(await ctx.rollouts.tick(), { leader: true, transitions: [] }, 'nothing is due before the interval');
    const weights: number[] = [];
    for (const step of [0, 1, 2]) {
      const from = T0 + step * MIN;
      await healthy(ctx, from);
      now = from + MIN;
      const round = await ctx.rollouts.tick();
      assert.equal(round.transitions.length, 1, JSON.stringify(round));
      weights.push((await rolloutOf(ctx)).routing.canary?.weight ?? 0);
    }
    assert.deepEqual(weights, [25, 100, 0]);

    const status = await ctx.rollouts.status('lin');
    assert.equal(status.rollout?.phase, 'promoted');
    assert.equal(status.production, 2);
    assert.equal(status.canary, null);
    assert.equal((await ctx.registry.model('lin')).aliases['production'], 2);
    assert.ok(ctx.pool.lookup('lin', 1), 'the old production version stays loaded as the rollback target');
    assert.equal(status.rollout?.lastCheck?.passed, true);
    assert.deepEqual(
      status.history.map((h) => [h.actor, h.phase, h.step, h.weight]),
      [
        ['alice', 'progressing', 0, 5],
        ['rollout-controller', 'progressing', 1, 25],
        ['rollout-controller', 'progressing', 2, 100],
        ['rollout-controller', 'promoted', 2, 0],
      ],
    );
    assert.match(status.history[3]!.reason ?? '', /all checks passed at 100% .*version 2 promoted to production/);

    const audit = await ctx.registry.store.listAudit({ target: 'model:lin' });
    const sets = audit.filter((a) => a.action === 'deployment.set').reverse();
    assert.deepEqual(
      sets.map((a) => [a.actor, (a.details['revision'] as number) > 0]),
      [['alice', true], ['rollout-controller', true], ['rollout-controller', true], ['rollout-controller', true]],
    );
    assert.ok(sets.every((a) => typeof a.details['reason'] === 'string'), 'every revision says why');
    const moves = audit.filter((a) => a.action === 'alias.set' && a.target === 'model:lin@production');
    assert.equal(moves[0]?.actor, 'rollout-controller');
    assert.deepEqual([moves[0]?.details['from'], moves[0]?.details['to']], [1, 2]);
    assert.deepEqual(await ctx.rollouts.tick(), { leader: true, transitions: [] }, 'a finished rollout is left alone');
  });

  it('rolls back a canary that fails requests, and its alert fires', async () => {
    const ctx = t.ctx;
    await ctx.rollouts.start('lin', 2, SETTINGS, alice);
    assert.equal((await ctx.alertRules.getRule('rollout-lin')).rule.severity, 'critical');
    await ctx.predictionLog.append([...side(2, 'canary', 10, { from: T0, errors: 3 }), ...side(1, 'production', 30, { from: T0 + 100 })]);
    now = T0 + MIN;
    const round = await ctx.rollouts.tick();
    assert.deepEqual(round.transitions.map((x) => x.event), ['roll_back']);
    const status = await ctx.rollouts.status('lin');
    assert.equal(status.rollout?.phase, 'rolled_back');
    assert.equal(status.rollout?.step, -1);
    assert.equal(status.canary, null);
    assert.equal(status.production, 1, 'production never moved');
    const errorRate = status.rollout?.lastCheck?.checks.find((c) => c.name === 'error_rate');
    assert.deepEqual(errorRate, { name: 'error_rate', value: 0.3, baseline: 0, limit: 0.01, passed: false });

    now += 1000;
    await ctx.monitor.run();
    const alert = (await ctx.alertRules.alerts()).find((a) => a.rule.name === 'rollout-lin');
    assert.equal(alert?.state.state, 'firing');
    assert.equal(alert?.state.value, 1);
    // An hour later the rollback is old news: the alert resolves.
    now += 3_600_000 + 1;
    await ctx.monitor.run();
    assert.equal((await ctx.alertRules.alerts()).find((a) => a.rule.name === 'rollout-lin')?.state.state, 'resolved');
  });

  it('rolls back a slow canary (p99 latency ratio)', async () => {
    const ctx = t.ctx;
    await ctx.rollouts.start('lin', 2, { ...SETTINGS, maxLatencyRatio: 2 }, alice);
    await ctx.predictionLog.append([...side(2, 'canary', 10, { from: T0, latencyMs: 12 }), ...side(1, 'production', 30, { from: T0 + 100, latencyMs: 4 })]);
    now = T0 + MIN;
    await ctx.rollouts.tick();
    const status = await ctx.rollouts.status('lin');
    assert.equal(status.rollout?.phase, 'rolled_back');
    assert.deepEqual(
      status.rollout?.lastCheck?.checks.find((c) => c.name === 'latency_ratio'),
      { name: 'latency_ratio', value: 3, baseline: 4, limit: 2, passed: false },
    );
    assert.match(status.history.at(-1)?.reason ?? '', /latency_ratio 3 failed \(limit 2\)/);
  });

  it('waits while the canary has too few requests, then judges the longer window', async () => {
    const ctx = t.ctx;
    await ctx.rollouts.start('lin', 2, SETTINGS, alice);
    await ctx.predictionLog.append(side(2, 'canary', 4, { from: T0 }));
    now = T0 + MIN;
    const revision = (await ctx.deployments.show('lin')).revision;
    assert.deepEqual((await ctx.rollouts.tick()).transitions, []);
    assert.equal((await ctx.deployments.show('lin')).revision, revision, 'a wait writes nothing');
    await healthy(ctx, T0 + MIN);
    now = T0 + MIN + 500;
    assert.deepEqual((await ctx.rollouts.tick()).transitions.map((x) => x.event), ['step_up']);
    assert.equal((await ctx.rollouts.status('lin')).rollout?.lastCheck?.checks[0]?.value, 14);
  });

  it('pauses (no checks, the weight stays), resumes anew, aborts; refuses what the phase does not allow', async () => {
    const ctx = t.ctx;
    await assertCode(ctx.rollouts.pause('lin', alice), 'ROLLOUT_NOT_FOUND');
    assert.equal((await ctx.rollouts.status('lin')).rollout, null);
    await assertCode(ctx.rollouts.start('lin', 1, SETTINGS, alice), 'ROLLOUT_CONFLICT');
    await assertCode(ctx.rollouts.start('lin', 9, SETTINGS, alice), 'VERSION_NOT_FOUND');
    await assertCode(ctx.rollouts.start('lin', 2, { ...SETTINGS, steps: [5, 50] }, alice), 'INVALID_REQUEST');
    // A canary set by hand (or an A/B test's) is not the rollout's to replace.
    await ctx.deployments.set('lin', { routing: { canary: { version: 2, weight: 10 } } }, alice);
    await assertCode(ctx.rollouts.start('lin', 2, SETTINGS, alice), 'ROLLOUT_CONFLICT');
    await ctx.deployments.set('lin', { routing: { canary: null } }, alice);
    await ctx.rollouts.start('lin', 2, SETTINGS, alice);
    await assertCode(ctx.rollouts.start('lin', 2, SETTINGS, alice), 'ROLLOUT_CONFLICT');
    await assertCode(ctx.rollouts.resume('lin', alice), 'ROLLOUT_CONFLICT');

    const paused = await ctx.rollouts.pause('lin', { actor: 'bob', reason: 'looking at a dashboard' });
    assert.equal(paused.rollout?.phase, 'paused');
    assert.deepEqual(paused.canary, { version: 2, weight: 5 });
    assert.match(paused.history.at(-1)?.reason ?? '', /paused at 5%: looking at a dashboard/);
    await healthy(ctx, T0);
    now = T0 + 5 * MIN;
    assert.deepEqual((await ctx.rollouts.tick()).transitions, [], 'a paused rollout is not checked');

    const resumed = await ctx.rollouts.resume('lin', alice);
    assert.equal(resumed.rollout?.phase, 'progressing');
    assert.equal(resumed.rollout?.stepStartedAt, now);
    now += MIN;
    assert.deepEqual((await ctx.rollouts.tick()).transitions, [], 'the traffic before the resume is not judged');

    const aborted = await ctx.rollouts.abort('lin', alice);
    assert.equal(aborted.rollout?.phase, 'aborted');
    assert.equal(aborted.canary, null);
    assert.equal(aborted.production, 1);
    await assertCode(ctx.rollouts.promote('lin', alice), 'ROLLOUT_CONFLICT');
    await assertCode(ctx.rollouts.abort('lin', alice), 'ROLLOUT_CONFLICT');
    // A finished rollout does not block the next one.
    assert.equal((await ctx.rollouts.start('lin', 2, SETTINGS, alice)).rollout?.phase, 'progressing');
  });

  it('promotes by hand at any step', async () => {
    const ctx = t.ctx;
    await ctx.rollouts.start('lin', 2, SETTINGS, alice);
    const promoted = await ctx.rollouts.promote('lin', { actor: 'carol' });
    assert.equal(promoted.rollout?.phase, 'promoted');
    assert.equal(promoted.production, 2);
    assert.equal(promoted.canary, null);
    assert.match(promoted.history.at(-1)?.reason ?? '', /promoted by hand at 5%/);
  });

  it('survives a restart: a new controller continues from the stored phase', async () => {
    const ctx = t.ctx;
    const first = controller(ctx, 'first');
    await first.start('lin', 2, SETTINGS, alice);
    await healthy(ctx, T0);
    now = T0 + MIN;
    await first.tick();
    assert.equal((await rolloutOf(ctx)).rollout?.step, 1);
    await first.stop();

    const second = controller(ctx, 'second');
    await healthy(ctx, T0 + MIN);
    now = T0 + 2 * MIN;
    assert.deepEqual((await second.tick()).transitions.map((x) => x.event), ['step_up']);
    assert.deepEqual((await rolloutOf(ctx)).routing.canary, { version: 2, weight: 100 });
  });

  it('completes a promotion interrupted after production moved', async () => {
    const ctx = t.ctx;
    await ctx.rollouts.start('lin', 2, SETTINGS, alice);
    await ctx.registry.deploy('lin', 2, { actor: 'rollout-controller' });
    const round = await ctx.rollouts.tick();
    assert.deepEqual(round.transitions.map((x) => x.event), ['promote']);
    const status = await ctx.rollouts.status('lin');
    assert.equal(status.rollout?.phase, 'promoted');
    assert.equal(status.canary, null);
  });

  it('drops a step computed on a state that moved meanwhile (a pause during the analysis)', async () => {
    const ctx = t.ctx;
    const racing = new RolloutController({
      deployments: ctx.deployments,
      registry: ctx.registry,
      analysis: {
        analyze: async (input) => {
          await ctx.rollouts.pause('lin', { actor: 'bob' });
          return { at: input.now, passed: true, checks: [] };
        },
      },
      leases: ctx.alertStore,
      logger: ctx.logger,
      clock,
      holder: 'racing',
    });
    await ctx.rollouts.start('lin', 2, SETTINGS, alice);
    now = T0 + MIN;
    assert.deepEqual((await racing.tick()).transitions, []);
    const status = await ctx.rollouts.status('lin');
    assert.equal(status.rollout?.phase, 'paused', 'the pause stands');
    assert.deepEqual(status.canary, { version: 2, weight: 5 });
    assert.deepEqual(status.history.map((h) => h.phase), ['progressing', 'paused']);
  });

  it('lets only the lease holder act when two controllers share one store', async () => {
    const ctx = t.ctx;
    const a = controller(ctx, 'a');
    const b = controller(ctx, 'b');
    await a.start('lin', 2, SETTINGS, alice);
    await healthy(ctx, T0);
    now = T0 + MIN;
    assert.equal((await a.tick()).leader, true);
    const revision = (await ctx.deployments.show('lin')).revision;
    assert.deepEqual(await b.tick(), { leader: false, transitions: [] });
    assert.equal((await ctx.deployments.show('lin')).revision, revision, 'the other controller wrote nothing');
    assert.equal((await rolloutOf(ctx)).rollout?.step, 1, 'one step, taken once');
    // The holder stops: the other takes over at its next round.
    await a.stop();
    await healthy(ctx, T0 + MIN);
    now = T0 + 2 * MIN;
    const round = await b.tick();
    assert.equal(round.leader, true);
    assert.deepEqual(round.transitions.map((x) => x.event), ['step_up']);
  });
});
