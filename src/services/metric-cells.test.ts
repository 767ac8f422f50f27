import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import type { MetricObjectWithValues, MetricValue, OpenMetricsContentType, PrometheusContentType } from 'prom-client';
import { CellCounter, CellHistogram } from './metric-cells.js';
import { Metrics } from './metrics.js';

type AnyRegistry = Registry<PrometheusContentType> | Registry<OpenMetricsContentType>;
type Op = { kind: 'update'; series: number; value: number | undefined } | { kind: 'reset' };

const LABEL_NAMES = ['model', 'version', 'route', 'code'] as const;
/** Few values, so label sets repeat; quotes, backslashes and newlines exercise the registry's escaping. */
const labelValue = fc.constantFrom('a', 'b', '', '1', 'x"y', 'back\\slash', 'new\nline', 'ünï');
/** Registry options both sides get: content type and default labels (one of them colliding with a series label). */
const registryShape = fc.record({
  openMetrics: fc.boolean(),
  defaults: fc.constantFrom<Record<string, string>>({}, { env: 'prod' }, { model: 'default', zone: 'z' }),
});

function registries(shape: { openMetrics: boolean; defaults: Record<string, string> }): [AnyRegistry, AnyRegistry] {
  const make = (): AnyRegistry => {
    const r: AnyRegistry = shape.openMetrics ? new Registry<OpenMetricsContentType>() : new Registry();
    if (shape.openMetrics) (r as Registry<OpenMetricsContentType>).setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    r.setDefaultLabels(shape.defaults);
    return r;
  };
  return [make(), make()];
}

/** Label names, the label sets in use, and a sequence of updates and resets over them. */
function scenario(value: fc.Arbitrary<number | undefined>) {
  return fc
    .subarray([...LABEL_NAMES])
    .chain((names) =>
      fc.record({
        names: fc.constant(names),
        sets: fc.array(fc.array(labelValue, { minLength: names.length, maxLength: names.length }), { minLength: 1, maxLength: 5 }),
        ops: fc.array(
          fc.oneof(
            { weight: 12, arbitrary: fc.record({ kind: fc.constant('update' as const), series: fc.nat(), value }) },
            { weight: 1, arbitrary: fc.constant({ kind: 'reset' as const }) },
          ),
          { maxLength: 60 },
        ),
        registry: registryShape,
      }),
    );
}

/** `getMetricsAsJSON` without prom-client's always-empty exemplar slots (cells have no exemplars). */
function json(metrics: MetricObjectWithValues<MetricValue<string>>[]): unknown {
  return metrics.map((m) => ({
    ...m,
    values: m.values.map((v) => {
      const { exemplar, ...rest } = v as typeof v & { exemplar?: unknown };
      assert.ok(exemplar === undefined || exemplar === null);
      return rest;
    }),
  }));
}

async function assertSameExposition(plain: AnyRegistry, cells: AnyRegistry): Promise<void> {
  assert.equal(await cells.metrics(), await plain.metrics());
  assert.deepStrictEqual(json(await cells.getMetricsAsJSON()), json(await plain.getMetricsAsJSON()));
}

const finiteBound = fc.oneof(
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constantFrom(0, 0.00025, 0.1, 0.3, 1, 2.5, 10, 4096, 1e-300, 1e300),
);
const bucketsArb = fc
  .uniqueArray(finiteBound, { minLength: 1, maxLength: 20, comparator: 'SameValueZero' })
  .map((b) => b.sort((x, y) => x - y));

describe('CellHistogram renders what a prom-client Histogram renders', () => {
  test('property: random label sets, buckets and observations (on bounds, 0, -0, negative, huge), resets in between', async () => {
    const arb = bucketsArb.chain((buckets) =>
      fc.record({
        buckets: fc.constant(buckets),
        s: scenario(
          fc.oneof(
            fc.constantFrom(...buckets),
            fc.constantFrom(0, -0, -1, 1e308, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 0.1 + 0.2),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
          ),
        ),
      }),
    );
    await fc.assert(
      fc.asyncProperty(arb, async ({ buckets, s }) => {
        const [plainRegistry, cellRegistry] = registries(s.registry);
        const config = { name: 'h_seconds', help: 'A "histogram".\nSecond line \\.', labelNames: s.names, buckets };
        const plain = new Histogram({ ...config, registers: [plainRegistry] });
        const cells = new CellHistogram({ ...config, registers: [cellRegistry] });
        // Handles are resolved once and kept across resets, as the request path keeps them.
        const plainHandles = s.sets.map((set) => plain.labels(...set));
        const cellHandles = s.sets.map((set) => cells.labels(...set));
        for (const op of s.ops) {
          if (op.kind === 'reset') {
            plainRegistry.resetMetrics();
            cellRegistry.resetMetrics();
          } else {
            const i = op.series % s.sets.length;
            plainHandles[i]!.observe(op.value!);
            cellHandles[i]!.observe(op.value!);
          }
        }
        await assertSameExposition(plainRegistry, cellRegistry);
      }),
      { numRuns: 300 },
    );
  });

  test('prom-client refuses non-finite values; a cell drops them, counts them nowhere and never throws', async () => {
    const plain = new Histogram({ name: 'p', help: 'p', labelNames: ['m'], registers: [new Registry()] });
    assert.throws(() => plain.labels('a').observe(NaN), TypeError);
    assert.throws(() => plain.labels('a').observe(Infinity), TypeError);
    const registry = new Registry();
    const h = new CellHistogram({ name: 'h', help: 'h', labelNames: ['m'], buckets: [1], registers: [registry] });
    const cell = h.labels('a');
    for (const v of [NaN, Infinity, -Infinity]) cell.observe(v);
    assert.equal(cell.live, false);
    assert.equal(await registry.metrics(), '# HELP h h\n# TYPE h histogram\n');
    cell.observe(1);
    cell.observe(NaN);
    assert.deepEqual([cell.count, cell.sum, cell.buckets()], [1, 1, [1]]);
  });

  test('rejects what prom-client rejects at construction, and bad buckets', () => {
    const registers = [new Registry()];
    assert.throws(() => new CellHistogram({ name: 'bad-name', help: 'h', registers }), /Invalid metric name/);
    assert.throws(() => new CellHistogram({ name: 'h', help: 'h', labelNames: ['le'], registers }), /reserved/);
    assert.throws(() => new CellHistogram({ name: 'h', help: 'h', buckets: [1, 1], registers }), /ascending/);
    assert.throws(() => new CellHistogram({ name: 'h', help: 'h', buckets: [2, 1], registers }), /ascending/);
    assert.throws(() => new CellHistogram({ name: 'h', help: 'h', buckets: [1, Infinity], registers }), /finite/);
    assert.throws(() => new CellHistogram({ name: 'h', help: '', registers }), /help/);
  });
});

describe('CellCounter renders what a prom-client Counter renders', () => {
  test('property: random label sets and increments (default, 0, fractions, huge), resets in between', async () => {
    const increment = fc.oneof(
      fc.constantFrom(undefined, 0, -0, 1, 0.1, 1e308, Number.MAX_VALUE),
      fc.double({ min: 0, max: 1e9, noNaN: true }),
    );
    await fc.assert(
      fc.asyncProperty(scenario(increment), async (s) => {
        const [plainRegistry, cellRegistry] = registries(s.registry);
        const config = { name: 'c_total', help: 'A counter.', labelNames: s.names };
        const plain = new Counter({ ...config, registers: [plainRegistry] });
        const cells = new CellCounter({ ...config, registers: [cellRegistry] });
        const plainHandles = s.sets.map((set) => plain.labels(...set));
        const cellHandles = s.sets.map((set) => cells.labels(...set));
        for (const op of s.ops) {
          if (op.kind === 'reset') {
            plainRegistry.resetMetrics();
            cellRegistry.resetMetrics();
          } else {
            const i = op.series % s.sets.length;
            plainHandles[i]!.inc(op.value);
            cellHandles[i]!.inc(op.value);
          }
        }
        await assertSameExposition(plainRegistry, cellRegistry);
      }),
      { numRuns: 300 },
    );
  });

  test('drops NaN, infinities and negative increments without throwing (prom-client throws or turns NaN)', async () => {
    const plain = new Counter({ name: 'p', help: 'p', labelNames: ['m'], registers: [new Registry()] });
    assert.throws(() => plain.labels('a').inc(-1));
    assert.throws(() => plain.labels('a').inc(Infinity));
    const registry = new Registry();
    const c = new CellCounter({ name: 'c', help: 'c', labelNames: ['m'], registers: [registry] });
    const cell = c.labels('a');
    for (const n of [NaN, Infinity, -Infinity, -1]) cell.inc(n);
    assert.equal(cell.live, false);
    cell.inc(2);
    cell.inc(NaN);
    assert.equal(await registry.metrics(), '# HELP c c\n# TYPE c counter\nc{m="a"} 2\n');
  });

  test('one cell per label set: values that print alike (200 and "200") are one series, as in prom-client', () => {
    const c = new CellCounter({ name: 'c', help: 'c', labelNames: ['code'], registers: [new Registry()] });
    assert.equal(c.labels(200), c.labels('200'));
    assert.notEqual(c.labels('a'), c.labels('b'));
    assert.throws(() => c.labels('a', 'b'), /2 label values for 1 label names/);
    assert.throws(() => c.labels(), /0 label values/);
  });

  test('a registry refuses a second metric of the same name, cell-backed or not', () => {
    const registers = [new Registry()];
    new CellCounter({ name: 'dup_total', help: 'c', registers });
    assert.throws(() => new Counter({ name: 'dup_total', help: 'c', registers }), /already been registered/);
    assert.throws(() => new CellHistogram({ name: 'dup_total', help: 'c', registers }), /already been registered/);
  });
});

describe('Metrics on cells', () => {
  test('a failure and the ok answers of one label set are one series each, the failures merged with their kind', async () => {
    const m = new Metrics({ processMetrics: false });
    const v = m.forVersion('churn', '3');
    v.ok('production', 0.002);
    v.ok('production', 0.004);
    v.ok('canary', 0.001);
    v.ok('canary', 0.3);
    m.failed('churn', '3', 'production', 200); // not a real case, but must land on the ok series, not beside it
    m.failed('churn', '3', 'production', 500);
    const lines = (await m.render()).split('\n').filter((l) => l.startsWith('mooring_requests_total{'));
    assert.deepEqual(lines, [
      'mooring_requests_total{model="churn",version="3",route="production",code="200"} 3',
      'mooring_requests_total{model="churn",version="3",route="canary",code="200"} 2',
      'mooring_requests_total{model="churn",version="3",route="production",code="500"} 1',
    ]);
    const text = await m.render();
    assert.match(text, /^mooring_request_duration_seconds_bucket\{le="0\.001",model="churn",version="3",route="canary"\} 1$/m);
    assert.match(text, /^mooring_request_duration_seconds_count\{model="churn",version="3",route="canary"\} 2$/m);
    assert.equal(m.forVersion('churn', '3'), v, 'handles are built once per version');
  });

  test('every hot-path handle lands on its series; unused handles expose nothing', async () => {
    const m = new Metrics({ processMetrics: false });
    const v = m.forVersion('m', '1');
    m.forVersion('unused', '9');
    v.inference(0.0004);
    v.score(0.55);
    v.score(NaN); // dropped, never thrown
    v.batch(3);
    v.cache(true);
    v.cache(false);
    v.cache(false);
    v.coalesced();
    const text = await m.render();
    assert.doesNotMatch(text, /unused/);
    for (const line of [
      'mooring_inference_duration_seconds_bucket{le="0.0005",model="m",version="1"} 1',
      'mooring_prediction_score_bucket{le="0.6",model="m",version="1"} 1',
      'mooring_prediction_score_count{model="m",version="1"} 1',
      'mooring_batch_size_bucket{le="4",model="m",version="1"} 1',
      'mooring_batch_size_bucket{le="2",model="m",version="1"} 0',
      'mooring_cache_requests_total{model="m",version="1",result="hit"} 1',
      'mooring_cache_requests_total{model="m",version="1",result="miss"} 2',
      'mooring_coalesced_requests_total{model="m",version="1"} 1',
    ]) {
      assert.ok(text.split('\n').includes(line), line);
    }
    m.registry.resetMetrics();
    assert.doesNotMatch(await m.render(), /model="m"/);
    v.coalesced();
    assert.match(await m.render(), /^mooring_coalesced_requests_total\{model="m",version="1"\} 1$/m);
  });
});
