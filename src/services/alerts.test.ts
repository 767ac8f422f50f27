import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AlertRuleInput } from '../core/monitoring/alert-rule.js';
import type { ModelVersion } from '../core/registry/types.js';
import { MemoryAlertStore } from '../storage/memory/memory-alert-store.js';
import { openSqliteAlertStore } from '../storage/sqlite/sqlite-alert-store.js';
import type { AlertStore } from '../storage/alert-store.js';
import { FakeClock } from '../../test/conformance/registry-fixtures.js';
import { CapturingLogger, FakeSignals } from '../../test/helpers/fake-signals.js';
import { ManualScheduler } from '../../test/helpers/manual-scheduler.js';
import { AlertRuleService } from './alert-rules.js';
import { AlertEvaluator, registryBaselines } from './alerts.js';
import type { AlertEvaluatorOptions, BaselineSource } from './alerts.js';

const MIN = 60_000;

interface Rig {
  clock: FakeClock;
  scheduler: ManualScheduler;
  store: AlertStore;
  signals: FakeSignals;
  logger: CapturingLogger;
  rules: AlertRuleService;
  evaluator: AlertEvaluator;
  put(input: Partial<AlertRuleInput> & { name: string }): Promise<void>;
  state(name: string): Promise<string | undefined>;
}

function rig(options: Partial<Omit<AlertEvaluatorOptions, 'clock'>> & { store?: AlertStore; clock?: FakeClock } = {}): Rig {
  const clock = options.clock ?? new FakeClock();
  const scheduler = new ManualScheduler(clock);
  const store = options.store ?? new MemoryAlertStore({ clock: clock.clock });
  const signals = new FakeSignals();
  const logger = new CapturingLogger();
  const rules = new AlertRuleService(store, { clock: clock.clock });
  const { store: _store, clock: _clock, ...rest } = options;
  const evaluator = new AlertEvaluator({ store, signals, logger, clock: clock.clock, scheduler, random: () => 0.5, ...rest });
  return {
    clock,
    scheduler,
    store,
    signals,
    logger,
    rules,
    evaluator,
    async put(input) {
      await rules.putRule({ model: 'churn', signal: 'error_rate', op: '>', threshold: 0.05, ...input }, { actor: 'test' });
    },
    async state(name) {
      return (await store.getState(name))?.state;
    },
  };
}

describe('alert evaluator', () => {
  test('asks the signal each round, moves through pending to firing, and notifies the log once', async () => {
    const r = rig();
    await r.put({ name: 'errors', forMs: 2 * MIN, windowMs: 5 * MIN, severity: 'critical' });
    r.signals.set('churn', 'error_rate', 0.2);
    const first = await r.evaluator.evaluate(r.clock.now);
    assert.deepEqual([first.leader, first.evaluated, first.events.map((e) => e.to), first.notifications], [true, 1, ['pending'], 0]);
    assert.deepEqual(r.signals.calls[0], { key: 'error_rate', window: { model: 'churn', windowMs: 5 * MIN } });
    r.clock.advance(MIN);
    assert.deepEqual((await r.evaluator.evaluate(r.clock.now)).events, []);
    r.clock.advance(MIN);
    const fired = await r.evaluator.evaluate(r.clock.now);
    assert.deepEqual([fired.events.map((e) => e.to), fired.notifications], [['firing'], 1]);
    await r.evaluator.idle();
    const [line] = r.logger.matching(/^alert firing: errors:/);
    assert.ok(line, JSON.stringify(r.logger.lines));
    assert.equal(line.level, 'error', 'critical alerts log at error');
    assert.deepEqual([line.obj['alert'], line.obj['value'], line.obj['threshold'], line.obj['status']], ['errors', 0.2, 0.05, 'firing']);
    const [delivery] = await r.store.listDeliveries({ rule: 'errors' });
    assert.deepEqual([delivery?.status, delivery?.attempts, delivery?.target], ['delivered', 1, 'log']);

    r.signals.set('churn', 'error_rate', 0.01);
    r.clock.advance(MIN);
    const resolved = await r.evaluator.evaluate(r.clock.now);
    assert.deepEqual(resolved.events.map((e) => `${e.from}->${e.to}`), ['firing->resolved']);
    await r.evaluator.idle();
    assert.equal(r.logger.matching(/^alert resolved: errors:/)[0]?.level, 'info');
    const history = await r.rules.history({ rule: 'errors' });
    assert.deepEqual(history.items.map((e) => e.to), ['resolved', 'firing', 'pending']);
  });

  test('reads each signal with its metric, column and version', async () => {
    const r = rig();
    await r.put({ name: 'acc', signal: 'accuracy', metric: 'f1', op: '<', threshold: 0.8, version: 3 });
    await r.put({ name: 'col', signal: 'column_drift', column: 'tenure', threshold: 0.1 });
    await r.put({ name: 'lat', signal: 'latency_p99_ms', threshold: 250 });
    await r.put({ name: 'share', signal: 'drift_share', threshold: 0.5 });
    await r.put({ name: 'shift', signal: 'prediction_shift', threshold: 0.2 });
    r.signals.set('churn', 'accuracy:f1', 0.7).set('churn', 'column_drift:tenure', 0.3).set('churn', 'latency_p99_ms', 300);
    r.signals.set('churn', 'drift_share', 0.25).set('churn', 'prediction_shift', 0.5);
    await r.evaluator.evaluate(r.clock.now);
    assert.deepEqual(
      r.signals.calls.map((c) => `${c.key} v${c.window.version ?? '-'}`).sort(),
      ['accuracy:f1 v3', 'column_drift:tenure v-', 'drift_share v-', 'latency_p99_ms v-', 'prediction_shift v-'],
    );
    const states = Object.fromEntries((await r.rules.alerts()).map((a) => [a.rule.name, a.state.state]));
    assert.deepEqual(states, { acc: 'firing', col: 'firing', lat: 'firing', share: 'inactive', shift: 'firing' });
  });

  test('no data, a failing signal and NaN keep the state and say why', async () => {
    const r = rig();
    await r.put({ name: 'errors' });
    r.signals.set('churn', 'error_rate', 0.9);
    await r.evaluator.evaluate(r.clock.now);
    for (const [value, health, why] of [
      [null, 'no_data', /no data for error_rate in the last 10m/],
      [new Error('prediction log unreachable'), 'error', /prediction log unreachable/],
      [Number.NaN, 'error', /error_rate is NaN/],
    ] as const) {
      r.signals.set('churn', 'error_rate', value);
      r.clock.advance(MIN);
      const report = await r.evaluator.evaluate(r.clock.now);
      assert.deepEqual(report.events, []);
      const s = await r.store.getState('errors');
      assert.deepEqual([s?.state, s?.health, s?.value], ['firing', health, 0.9]);
      assert.match(s?.lastError ?? '', why);
    }
  });

  test('accuracy-drop rules compare with the metric the serving version was registered with', async () => {
    const versions: Record<string, Partial<ModelVersion>> = { churn: { version: 4, metrics: { auc: 0.9 } }, 'churn/2': { version: 2, metrics: {} } };
    const baselines: BaselineSource = registryBaselines({
      resolve: async (ref: string) => {
        const v = versions[ref];
        if (v === undefined) throw new Error('not found');
        return v as ModelVersion;
      },
    });
    const r = rig({ baselines });
    await r.put({ name: 'auc-drop', signal: 'accuracy', metric: 'auc', op: undefined, threshold: undefined, baseline: { maxDrop: 0.05 } });
    await r.put({ name: 'old', signal: 'accuracy', metric: 'auc', op: undefined, threshold: undefined, version: 2, baseline: { maxDrop: 0.05 } });
    r.signals.set('churn', 'accuracy:auc', 0.86);
    await r.evaluator.evaluate(r.clock.now);
    assert.deepEqual([await r.state('auc-drop'), (await r.store.getState('auc-drop'))?.threshold], ['inactive', 0.9 - 0.05]);
    const old = await r.store.getState('old');
    assert.deepEqual([old?.health, old?.lastError], ['no_data', 'version 2 of churn has no registered metric "auc"']);
    r.signals.set('churn', 'accuracy:auc', 0.84);
    r.clock.advance(MIN);
    const report = await r.evaluator.evaluate(r.clock.now);
    assert.equal(report.events[0]?.message, 'churn accuracy(auc) 0.84 < 0.85');

    const without = rig({ store: r.store, clock: r.clock, holder: 'other' });
    await r.evaluator.stop();
    await without.evaluator.evaluate(r.clock.now);
    assert.match((await r.store.getState('auc-drop'))?.lastError ?? '', /need registered metrics/);
  });

  test('disabling a firing rule resolves it and notifies; deleting one does too', async () => {
    const r = rig();
    await r.put({ name: 'a' });
    await r.put({ name: 'b' });
    r.signals.set('churn', 'error_rate', 0.5);
    await r.evaluator.evaluate(r.clock.now);
    await r.put({ name: 'a', enabled: false });
    r.clock.advance(MIN);
    const report = await r.evaluator.evaluate(r.clock.now);
    assert.deepEqual(report.events.map((e) => `${e.rule}:${e.from}->${e.to}`), ['a:firing->resolved']);
    await r.rules.deleteRule('b', { actor: 'test' });
    r.evaluator.deliverDue();
    await r.evaluator.idle();
    assert.deepEqual(
      r.logger.matching(/^alert resolved/).map((l) => l.msg),
      ['alert resolved: a: rule a disabled while firing: resolved', 'alert resolved: b: rule b deleted while firing: resolved'],
    );
    r.clock.advance(MIN);
    assert.equal((await r.evaluator.evaluate(r.clock.now)).evaluated, 0, 'a disabled, resolved rule is not evaluated');
  });

  test('a firing alert is re-notified every repeat interval', async () => {
    const r = rig();
    await r.put({ name: 'errors', repeatIntervalMs: 10 * MIN });
    r.signals.set('churn', 'error_rate', 0.5);
    for (let i = 0; i <= 25; i++) {
      await r.evaluator.evaluate(r.clock.now);
      r.clock.advance(MIN);
    }
    await r.evaluator.idle();
    const logged = r.logger.matching(/^alert firing/);
    assert.deepEqual(logged.map((l) => l.msg.startsWith('alert firing (still)')), [false, true, true]);
    const deliveries = await r.store.listDeliveries({ rule: 'errors' });
    assert.equal(new Set(deliveries.map((d) => d.eventId)).size, 1, 'repeats belong to the event that started the firing');
  });

  test('start evaluates at once and then every interval, without overlap, until stop', async () => {
    const r = rig();
    await r.put({ name: 'errors' });
    r.signals.set('churn', 'error_rate', 0.5);
    r.evaluator.start(30_000);
    await r.scheduler.advance(0);
    await r.scheduler.advance(90_000);
    await r.evaluator.stop();
    const at = r.signals.calls.length;
    assert.equal(at, 4, 'rounds at 0, 30, 60 and 90 s');
    await r.scheduler.advance(120_000);
    assert.equal(r.signals.calls.length, at, 'nothing after stop');
    assert.throws(() => r.evaluator.start(0), /positive whole number/);
  });
});

describe('alert evaluators sharing one store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mooring-alert-lease-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const backend of ['memory', 'sqlite file'] as const) {
    test(`only the lease holder evaluates and notifies; the other takes over when it stops (${backend})`, async () => {
      const clock = new FakeClock();
      const stores: AlertStore[] =
        backend === 'memory'
          ? [new MemoryAlertStore({ clock: clock.clock })]
          : [await openSqliteAlertStore(join(dir, 'shared.db'), { clock: clock.clock }), await openSqliteAlertStore(join(dir, 'shared.db'), { clock: clock.clock })];
      const a = rig({ clock, store: stores[0]!, holder: 'replica-a', leaseTtlMs: 90_000 });
      const b = rig({ clock, store: stores[1] ?? stores[0]!, holder: 'replica-b', leaseTtlMs: 90_000 });
      try {
        await a.put({ name: 'errors' });
        for (const r of [a, b]) r.signals.set('churn', 'error_rate', 0.5);
        // Rounds in turn (better-sqlite3 connections in one process must not interleave transactions).
        const ra = await a.evaluator.evaluate(clock.now);
        const rb = await b.evaluator.evaluate(clock.now);
        assert.deepEqual([ra.leader, rb.leader, b.signals.calls.length], [true, false, 0]);
        clock.advance(30_000);
        assert.equal((await a.evaluator.evaluate(clock.now)).leader, true, 'renewed');
        assert.equal((await b.evaluator.evaluate(clock.now)).leader, false);
        await a.evaluator.stop();
        clock.advance(30_000);
        const takeover = await b.evaluator.evaluate(clock.now);
        assert.deepEqual([takeover.leader, takeover.events], [true, []], 'b continues from the stored state: no second firing');
        await b.evaluator.idle();
        assert.equal(a.logger.matching(/^alert firing/).length + b.logger.matching(/^alert firing/).length, 1, 'notified once');

        // A holder that stops renewing (a crash) is replaced once its lease runs out.
        clock.advance(30_000);
        assert.equal((await a.evaluator.evaluate(clock.now)).leader, false);
        clock.advance(90_000);
        assert.equal((await a.evaluator.evaluate(clock.now)).leader, true);
      } finally {
        await a.evaluator.stop();
        await b.evaluator.stop();
        for (const s of stores) await s.close();
      }
    });
  }
});
