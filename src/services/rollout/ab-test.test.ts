/**
 * AbTestService over a real registry and deployment service (SQLite in memory) and a memory prediction log holding
 * hand-made records of both arms with labels. Expected p-values are from test/fixtures/significance-vectors.json
 * (mpmath) or stated with their arithmetic.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MooringError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { PredictionRecord, PredictionRoute } from '../../core/monitoring/prediction-record.js';
import { OnnxModelRuntime } from '../../runtime/onnx/onnx-model-runtime.js';
import { MemoryArtifactStore } from '../../storage/memory/memory-artifact-store.js';
import { MemoryPredictionLog } from '../../storage/memory/memory-prediction-log.js';
import type { RegistryStore } from '../../storage/registry-store.js';
import { openSqliteRegistryStore } from '../../storage/sqlite/sqlite-registry-store.js';
import { linearModel } from '../../../test/fixtures/models.js';
import { DeploymentService } from '../deployment-service.js';
import { RegistryService } from '../registry-service.js';
import { AbTestService } from './ab-test.js';
import type { AbReport } from './ab-test.js';

interface WelchVector {
  mean_a: number;
  mean_b: number;
  difference: number;
  statistic: number;
  df: number;
  pvalue: number;
  ci95: [number, number];
}
const vectors = JSON.parse(readFileSync(new URL('../../../test/fixtures/significance-vectors.json', import.meta.url), 'utf8')) as {
  two_proportion: { successes_a: number; successes_b: number; statistic: number; pvalue: number; ci95: [number, number] }[];
  service_regression: { errors_a: number[]; errors_b: number[]; mae: WelchVector; rmse: WelchVector };
};

const T0 = Date.UTC(2026, 0, 1);
const by = { actor: 'ann' };

async function rejects(p: Promise<unknown>, code: ErrorCode, mentions?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof MooringError && e.code === code && (mentions === undefined || mentions.test(e.message)));
}

function close(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(typeof actual === 'number', `${what} is ${actual}`);
  assert.ok(Math.abs(actual - expected) <= 1e-11 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

/** A logged answer as the server writes a v2 one: datatypes in the body, so no signature is needed to read it. */
function record(model: string, id: string, at: number, version: number, route: PredictionRoute, output: { datatype: 'BOOL' | 'FP32'; value: boolean | number } | null, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id,
    at,
    model,
    version,
    route,
    rows: 1,
    inputs: { inputs: [] },
    outputs: output === null ? null : { model_name: model, model_version: String(version), outputs: [{ name: 'y', datatype: output.datatype, shape: [1, 1], data: [output.value] }] },
    latencyMs: 1,
    status: output === null ? 'error' : 'ok',
    error: output === null ? 'INFERENCE_FAILED' : null,
    flags: [],
    ...over,
  };
}

describe('AbTestService', () => {
  let now = T0;
  const clock = (): number => now;
  let store: RegistryStore;
  let registry: RegistryService;
  let deployments: DeploymentService;
  let log: MemoryPredictionLog;
  let ab: AbTestService;

  before(async () => {
    store = await openSqliteRegistryStore(':memory:', { clock });
    registry = new RegistryService(store, new MemoryArtifactStore(), new OnnxModelRuntime());
    deployments = new DeploymentService(store, registry);
    log = new MemoryPredictionLog();
    ab = new AbTestService({ deployments, registry, log, clock, pageSize: 97 });
    for (const name of ['churn', 'same', 'price', 'busy', 'fresh']) {
      for (let v = 0; v < 3; v++) await registry.register({ name, artifact: linearModel().bytes }, by);
      await registry.setAlias(name, 'production', 1, by);
    }
    await registry.register({ name: 'bare', artifact: linearModel().bytes }, by);
  });
  after(async () => {
    await store.close();
  });

  /** Classification arms: A answers `true` to n rows of which `correctA` are labelled true; B likewise. */
  async function classificationArms(model: string, n: number, correctA: number, correctB: number): Promise<void> {
    const records: PredictionRecord[] = [];
    const labels: { id: string; label: boolean; at: number }[] = [];
    for (const [arm, version, route, correct] of [['a', 1, 'production', correctA], ['b', 2, 'canary', correctB]] as const) {
      for (let i = 0; i < n; i++) {
        const id = `${model}-${arm}-${i}`;
        records.push(record(model, id, now + i, version, route, { datatype: 'BOOL', value: true }));
        labels.push({ id, label: i < correct, at: now + n + i });
      }
    }
    await log.append(records);
    await log.addFeedback(labels);
  }

  test('start sets the canary split and the experiment through an audited revision', async () => {
    now = T0 + 1_000;
    const started = await ab.start('churn', 2, { metric: 'accuracy' }, by);
    assert.equal(started.change.changed, true);
    assert.deepEqual(started.experiment, { version: 2, productionVersion: 1, weight: 50, metric: 'accuracy', since: now });
    const policy = (await deployments.show('churn')).policy;
    assert.deepEqual(policy.routing.canary, { version: 2, weight: 50 });
    assert.deepEqual(policy.routing.experiment, { metric: 'accuracy', since: now });
    const revision = started.change.deployment;
    assert.equal(revision.actor, 'ann');
    assert.equal(revision.reason, 'ab start: version 2 at 50% on accuracy');

    // Starting it again changes only the weight; the start time stays.
    now += 10;
    const again = await ab.start('churn', 2, { metric: 'accuracy', weight: 30 }, by);
    assert.equal(again.change.changed, true);
    assert.deepEqual(again.experiment, { version: 2, productionVersion: 1, weight: 30, metric: 'accuracy', since: T0 + 1_000 });
    assert.equal((await ab.start('churn', 2, { metric: 'accuracy', weight: 30 }, by)).change.changed, false);
    await ab.start('churn', 2, { metric: 'accuracy' }, by);
  });

  test('start refuses what it cannot test, and what the policy does not leave room for', async () => {
    await rejects(ab.start('churn', 2, { metric: 'f1' }, by), 'INVALID_REQUEST', /F1 has no per-row outcome/);
    await rejects(ab.start('churn', 2, { metric: 'auc' as 'f1' }, by), 'INVALID_REQUEST', /not "auc"/);
    for (const weight of [0, 100, -5, Number.NaN]) await rejects(ab.start('churn', 2, { metric: 'accuracy', weight }, by), 'INVALID_REQUEST', /weight/);
    await rejects(ab.start('nope', 2, { metric: 'accuracy' }, by), 'MODEL_NOT_FOUND');
    await rejects(ab.start('churn', 9, { metric: 'accuracy' }, by), 'VERSION_NOT_FOUND');
    await rejects(ab.start('churn', 1, { metric: 'accuracy' }, by), 'EXPERIMENT_CONFLICT', /is production/);
    await rejects(ab.start('bare', 1, { metric: 'accuracy' }, by), 'EXPERIMENT_CONFLICT', /no production version/);
    // Another version, or another metric, while a test runs.
    await rejects(ab.start('churn', 3, { metric: 'accuracy' }, by), 'EXPERIMENT_CONFLICT', /version 2 on accuracy is running.*ab stop churn/);
    await rejects(ab.start('churn', 2, { metric: 'recall' }, by), 'EXPERIMENT_CONFLICT');
    // A canary set by hand, and a rollout in progress.
    await deployments.set('busy', { routing: { canary: { version: 3, weight: 10 } } }, by);
    await rejects(ab.start('busy', 2, { metric: 'accuracy' }, by), 'EXPERIMENT_CONFLICT', /has a canary \(version 3 at 10%\)/);
    const rollout = { version: 3, steps: [10, 100], intervalMs: 60_000, startedAt: now, stepStartedAt: now, baselineVersion: 1 };
    await deployments.set('busy', { rollout }, by);
    await rejects(ab.start('busy', 2, { metric: 'accuracy' }, by), 'ROLLOUT_CONFLICT', /rollout of version 3 .* is progressing/);
    await deployments.set('busy', { rollout: { ...rollout, phase: 'paused' } }, by);
    await rejects(ab.start('busy', 2, { metric: 'accuracy' }, by), 'ROLLOUT_CONFLICT', /is paused/);
    await deployments.set('busy', { rollout: { ...rollout, phase: 'aborted' }, routing: { canary: null } }, by);
    assert.equal((await ab.start('busy', 2, { metric: 'accuracy' }, by)).change.changed, true, 'a finished rollout leaves room');
  });

  test('report: B clearly better on accuracy is significant, with the exact z test', async () => {
    // 700 of 1000 right on A, 780 of 1000 on B: z = 0.08/√(0.74·0.26·(2/1000)) = 4.0782, p = 4.5379e-5.
    await classificationArms('churn', 1000, 700, 780);
    // Around them, records that belong to neither arm's outcomes: a shadow run (same id as an A request, label
    // joined), a request the canary failed and production answered, a fallback answer, a request naming version 2,
    // and one from before the test started.
    await log.append([
      record('churn', 'churn-a-0', now + 5, 2, 'shadow', { datatype: 'BOOL', value: true }, { flags: ['shadow_of:1'] }),
      record('churn', 'handed-over', now + 6, 2, 'canary', null),
      record('churn', 'handed-over', now + 6, 1, 'production', { datatype: 'BOOL', value: false }, { flags: ['canary_failed'] }),
      record('churn', 'fell-back', now + 7, 1, 'fallback', { datatype: 'BOOL', value: false }),
      record('churn', 'direct', now + 8, 2, 'direct', { datatype: 'BOOL', value: false }),
      record('churn', 'early', T0, 1, 'production', { datatype: 'BOOL', value: false }),
    ]);
    await log.addFeedback(['handed-over', 'fell-back', 'direct', 'early'].map((id) => ({ id, label: true, at: now + 3_000 })));
    now += 5_000;
    const r = await ab.report('churn');
    const v = vectors.two_proportion[0]!;
    assert.deepEqual([v.successes_a, v.successes_b], [700, 780]);
    assert.equal(r.running, true);
    assert.equal(r.metric, 'accuracy');
    assert.equal(r.task, 'classification');
    assert.equal(r.positiveClass, 'true');
    assert.deepEqual(r.a, { version: 1, route: 'production', requests: 1000, errors: 0, labelled: 1000, rows: 1000, value: 0.7 });
    assert.deepEqual(r.b, { version: 2, route: 'canary', requests: 1001, errors: 1, labelled: 1000, rows: 1000, value: 0.78 });
    const t = r.test!;
    assert.equal(t.test, 'two-proportion z');
    assert.equal(t.differenceOf, 'accuracy');
    assert.deepEqual([t.a, t.b], [{ version: 1, n: 1000, value: 0.7 }, { version: 2, n: 1000, value: 0.78 }]);
    close(t.difference, 0.08, 'difference');
    close(t.statistic, v.statistic, 'z');
    close(t.pValue, v.pvalue, 'p');
    close(t.ci95[0], v.ci95[0], 'ci low');
    close(t.ci95[1], v.ci95[1], 'ci high');
    assert.equal(t.significant, true);
    assert.equal(r.reason, null);
    assert.equal(r.truncated, false);

    // --since narrows the window: nothing after it but the late records.
    const late = await ab.report('churn', { since: now - 1 });
    assert.deepEqual([late.a.requests, late.b.requests, late.test], [0, 0, null]);
    assert.equal(late.reason, 'no labelled predictions yet');
    await rejects(ab.report('churn', { since: now + 10 }), 'INVALID_TIME');
  });

  test('report: equal arms are not significant', async () => {
    now = T0 + 100_000;
    await ab.start('same', 2, { metric: 'accuracy' }, by);
    await classificationArms('same', 1000, 750, 752);
    now += 5_000;
    const t = (await ab.report('same')).test!;
    const v = vectors.two_proportion[1]!;
    assert.deepEqual([v.successes_a, v.successes_b], [750, 752]);
    close(t.pValue, v.pvalue, 'p');
    close(t.statistic, v.statistic, 'z');
    assert.equal(t.significant, false);
  });

  test('report: precision and recall count their own trials', async () => {
    // On `same`: every row predicted true, so precision is accuracy here, and recall is 1 in both arms (no spread).
    await ab.stop('same', by);
    now += 1_000;
    await ab.start('same', 2, { metric: 'recall' }, by);
    await classificationArms('same', 10, 4, 6);
    now += 1_000;
    const r = await ab.report('same');
    assert.deepEqual([r.test?.a.n, r.test?.b.n, r.test?.pValue, r.test?.significant], [4, 6, 1, false]);
  });

  test('report: mae and rmse by Welch t on absolute and squared errors', async () => {
    const { errors_a, errors_b, mae, rmse } = vectors.service_regression;
    const arms = (start: number): PredictionRecord[] =>
      [[errors_a, 1, 'production'], [errors_b, 2, 'canary']].flatMap(([errors, version, route]) =>
        (errors as number[]).map((e, i) => record('price', `price-${start}-${version}-${i}`, now + i, version as number, route as PredictionRoute, { datatype: 'FP32', value: 10 + e })),
      );
    const run = async (metric: 'mae' | 'rmse'): Promise<AbReport> => {
      now += 1_000;
      await ab.stop('price', by);
      await ab.start('price', 2, { metric }, by);
      const records = arms(now);
      await log.append(records);
      await log.addFeedback(records.map((p) => ({ id: p.id, label: 10, at: now + 100 })));
      now += 1_000;
      return ab.report('price');
    };
    for (const [metric, v] of [['mae', mae], ['rmse', rmse]] as const) {
      const r = await run(metric);
      assert.equal(r.task, 'regression');
      const t = r.test!;
      assert.equal(t.test, 'welch t');
      assert.equal(t.differenceOf, metric === 'rmse' ? 'mse' : 'mae');
      close(t.a.value, v.mean_a, `${metric} a`);
      close(t.b.value, v.mean_b, `${metric} b`);
      close(t.statistic, v.statistic, `${metric} t`);
      close(t.df, v.df, `${metric} df`);
      close(t.pValue, v.pvalue, `${metric} p`);
      close(t.ci95[0], v.ci95[0], `${metric} ci low`);
      close(t.ci95[1], v.ci95[1], `${metric} ci high`);
      assert.equal(t.significant, true);
      // The arms report the metric itself: for rmse the root of the mean squared error.
      close(r.a.value, metric === 'rmse' ? Math.sqrt(v.mean_a) : v.mean_a, `${metric} arm a`);
      close(r.b.value, metric === 'rmse' ? Math.sqrt(v.mean_b) : v.mean_b, `${metric} arm b`);
    }
    // The same errors in both arms (in another order): p = 1.
    now += 1_000;
    await ab.stop('price', by);
    await ab.start('price', 2, { metric: 'mae' }, by);
    const records = [[errors_a, 1, 'production'], [[...errors_a].reverse(), 2, 'canary']].flatMap(([errors, version, route]) =>
      (errors as number[]).map((e, i) => record('price', `eq-${version}-${i}`, now + i, version as number, route as PredictionRoute, { datatype: 'FP32', value: 10 + e })),
    );
    await log.append(records);
    await log.addFeedback(records.map((p) => ({ id: p.id, label: 10, at: now + 100 })));
    now += 1_000;
    const equal = (await ab.report('price')).test!;
    assert.deepEqual([equal.difference, equal.pValue, equal.significant], [0, 1, false]);
    // A classification metric on a regression: no test, and why.
    now += 1_000;
    await ab.stop('price', by);
    await ab.start('price', 2, { metric: 'accuracy' }, by);
    await log.append(records.map((p) => ({ ...p, id: `cls-${p.id}`, at: now + 1 })));
    await log.addFeedback(records.map((p) => ({ id: `cls-${p.id}`, label: 10, at: now + 100 })));
    now += 1_000;
    const mismatch = await ab.report('price');
    assert.equal(mismatch.test, null);
    assert.match(mismatch.reason ?? '', /accuracy does not apply to this model's labels \(regression\)/);
  });

  test('stop clears the split; the last test can still be reported up to when it stopped', async () => {
    now += 1_000;
    const stopped = await ab.stop('churn', by);
    assert.equal(stopped.change.changed, true);
    assert.equal(stopped.change.deployment.reason, 'ab stop');
    const policy = (await deployments.show('churn')).policy;
    assert.deepEqual([policy.routing.canary, policy.routing.experiment], [null, null]);
    assert.equal((await ab.stop('churn', by)).change.changed, false, 'stopping twice writes nothing');
    const end = stopped.change.deployment.at;
    now += 60_000;
    const r = await ab.report('churn');
    assert.deepEqual([r.running, r.until, r.a.requests, r.b.requests, r.test?.significant], [false, end, 1000, 1001, true]);
    await rejects(ab.report('fresh'), 'EXPERIMENT_NOT_FOUND');
    await rejects(ab.report('nope'), 'MODEL_NOT_FOUND');
  });

  test('reads at most maxPredictions labelled predictions per arm, newest first, and says so', async () => {
    const small = new AbTestService({ deployments, registry, log, clock, maxPredictions: 150, pageSize: 64 });
    const r = await small.report('churn');
    assert.equal(r.truncated, true);
    assert.deepEqual([r.a.labelled, r.b.labelled], [150, 150]);
    // The newest 150 of each arm: A's rows 850..999 are all wrong (labels false), B's 850..999 too.
    assert.deepEqual([r.a.value, r.b.value], [0, 0]);
  });
});
