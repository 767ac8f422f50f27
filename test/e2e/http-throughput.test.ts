import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tensor } from '../../src/core/inference/tensor.js';
import type { LoadOptions, LoadedModel, ModelInfo, ModelRuntime } from '../../src/runtime/model-runtime.js';
import { OnnxModelRuntime } from '../../src/runtime/onnx/onnx-model-runtime.js';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { openTestApp, pollUntil } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

/**
 * The real ONNX runtime with a gate in front of `infer`: while the gate is closed, inferences wait (and are
 * counted), so a test can hold one model run open and watch what happens to the requests that arrive meanwhile,
 * with no dependence on timing.
 */
class GatedRuntime implements ModelRuntime {
  readonly platform: string;
  readonly #inner = new OnnxModelRuntime();
  #open = true;
  #waiters: Array<() => void> = [];
  /** Model runs started (one per batch when batching). */
  runs = 0;
  /** Rows per run, in order. */
  readonly rows: number[] = [];

  constructor() {
    this.platform = this.#inner.platform;
  }

  inspect(bytes: Uint8Array): Promise<ModelInfo> {
    return this.#inner.inspect(bytes);
  }

  async load(bytes: Uint8Array, options?: LoadOptions): Promise<LoadedModel> {
    const model = await this.#inner.load(bytes, options);
    return {
      signature: model.signature,
      dispose: () => model.dispose(),
      infer: async (inputs: readonly Tensor[], outputs?: readonly string[]) => {
        if (!this.#open) await new Promise<void>((resolve) => this.#waiters.push(resolve));
        this.runs++;
        this.rows.push(inputs[0]!.shape[0] ?? 1);
        return model.infer(inputs, outputs);
      },
    };
  }

  /** Inferences waiting at the closed gate. */
  get waiting(): number {
    return this.#waiters.length;
  }

  close(): void {
    this.#open = false;
  }

  open(): void {
    this.#open = true;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

const body = (rows: number[][]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat() }] });

/** Issue #7: the response cache, request coalescing and adaptive batching, end to end over the HTTP API. */
describe('throughput features over HTTP', () => {
  let t: TestApp;
  let runtime: GatedRuntime;
  before(async () => {
    runtime = new GatedRuntime();
    t = await openTestApp({ runtime });
    await t.register('lin', linearModel().bytes, { alias: 'production' });
  });
  after(() => t?.close());

  const series = async (name: string): Promise<number> => {
    const text = (await t.inject({ method: 'GET', url: '/metrics' })).body;
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line === undefined ? 0 : Number(line.slice(name.length + 1));
  };
  const policy = async (patch: unknown): Promise<void> => {
    const res = await t.admin('PUT', '/api/models/lin/deployment', { policy: patch, reason: 'test' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  const infer = (payload: unknown) => t.post('/v2/models/lin/infer', payload);

  it('answers a repeated request from the cache, whatever its field order, and never from an old version', async () => {
    await policy({ cache: { enabled: true, ttl_ms: 60_000 }, coalescing: { enabled: false } });
    const runs = runtime.runs;
    const first = await infer(body([[1, 2, 3, 4]]));
    // The same input with the tensor's fields in another order: the key is computed from the decoded tensor.
    const reordered = await infer({ inputs: [{ data: [1, 2, 3, 4], shape: [1, 4], datatype: 'FP32', name: 'x' }] });
    assert.equal(first.status, 200);
    assert.deepEqual(reordered.body.outputs, first.body.outputs);
    assert.equal(runtime.runs - runs, 1, 'the second request did not run the model');
    assert.equal(await series('mooring_cache_requests_total{model="lin",version="1",result="hit"}'), 1);
    assert.equal(await series('mooring_cache_requests_total{model="lin",version="1",result="miss"}'), 1);

    // Version 2 has other weights: the same input must be computed again, by version 2.
    await t.register('lin', linearModelV2().bytes, { alias: 'production' });
    const fresh = await infer(body([[1, 2, 3, 4]]));
    assert.equal(fresh.body.model_version, '2');
    assert.notDeepEqual(fresh.body.outputs[0].data, first.body.outputs[0].data);
    assert.equal(await series('mooring_cache_requests_total{model="lin",version="2",result="miss"}'), 1);
    assert.equal(await series('mooring_cache_requests_total{model="lin",version="2",result="hit"}'), 0);
  });

  it('runs identical requests in flight once and answers them all (coalescing)', async () => {
    await policy({ cache: { enabled: false }, coalescing: { enabled: true } });
    runtime.close();
    const before = runtime.runs;
    const pending = Array.from({ length: 5 }, () => infer(body([[5, 6, 7, 8]])));
    await pollUntil('the first inference waits at the gate', () => (runtime.waiting === 1 ? true : undefined));
    runtime.open();
    const answers = await Promise.all(pending);
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.body.outputs, answers[0]!.body.outputs);
    }
    assert.equal(runtime.runs - before, 1);
    assert.equal(await series('mooring_coalesced_requests_total{model="lin",version="2"}'), 4);
  });

  it('batches requests that wait together, and answers each exactly as alone', async () => {
    const inputs = [[[0.5, 1, 1.5, 2]], [[3, 1, 4, 1], [5, 9, 2, 6]], [[-1, -2, -3, -4]], [[10, 20, 30, 40]]];
    await policy({ batching: { enabled: false }, coalescing: { enabled: false } });
    const alone: unknown[] = [];
    for (const rows of inputs) alone.push((await infer(body(rows))).body.outputs);

    await policy({ batching: { enabled: true, max_batch_size: 16, max_queue_delay_micros: 100_000 } });
    runtime.close();
    const before = { runs: runtime.runs, rows: runtime.rows.length };
    // The first request's run is held at the gate; the others arrive meanwhile and wait for the next batch.
    const first = infer(body(inputs[0]!));
    await pollUntil('the first batch waits at the gate', () => (runtime.waiting === 1 ? true : undefined));
    const rest = inputs.slice(1).map((rows) => infer(body(rows)));
    await pollUntil('the other requests are queued', () => (t.ctx.pool.productionOf('lin')!.runner.queued === 3 ? true : undefined));
    runtime.open();
    const answers = await Promise.all([first, ...rest]);
    answers.forEach((a, i) => assert.deepEqual(a.body.outputs, alone[i], `request ${i} answered as it is alone`));
    assert.deepEqual(runtime.rows.slice(before.rows), [1, 4], 'one run of the first request, then one batch of 4 rows');
    assert.equal(await series('mooring_batch_size_count{model="lin",version="2"}'), 2);
    assert.equal(await series('mooring_batch_size_sum{model="lin",version="2"}'), 5);
  });
});
