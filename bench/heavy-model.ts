/**
 * The benchmark's compute-heavy model: a deterministic multi-layer perceptron large enough that one single-row
 * inference costs several times the HTTP work of a request (the demo model's inference is a few µs; this one's is
 * hundreds). It is what adaptive batching and the response cache are measured on: batching pays when the model,
 * not the HTTP stack, is the bottleneck, and a cache hit pays by how much inference it skips.
 *
 * `features` FP32 [batch, 64] -> (Gemm -> Relu) x 3 hidden layers of 1280 -> Gemm -> Sigmoid -> `score` FP32
 * [batch, 1]. Weights are drawn from a seeded PRNG (He initialisation, rounded to FP32), so every process builds the
 * same bytes. The batch dimension is variable, so Mooring's batcher may merge requests.
 *
 * `npx tsx bench/heavy-model.ts [--hidden 1024,1024,1024] [--ms 2000]` measures it in-process (one intra-op thread,
 * as the servers run it): CPU µs of one single-row `session.run`, and per row in batches of 64.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mulberry32, normal } from '../src/core/random.js';
import type { Table } from '../src/core/profile/table.js';
import { buildOnnxModel } from '../src/runtime/onnx/onnx-graph-builder.js';

/** The model's name in every server (`/v2/models/heavy/infer`). */
export const HEAVY_MODEL_NAME = 'heavy';
/** Input width: features per row. */
export const HEAVY_INPUTS = 64;
/**
 * Hidden layer widths. Sized on the 2-core bench VM so that one single-row inference costs several times the bare
 * server's ~75 µs of CPU per demo request (see bench/README.md for the measured figure).
 */
export const HEAVY_HIDDEN: readonly number[] = [1280, 1280, 1280];
/** Seed of the weights. */
export const HEAVY_WEIGHTS_SEED = 20261207;
/** Seed of the reference (training-profile) rows; the benchmark's request rows use another one. */
export const HEAVY_REFERENCE_SEED = 20261208;
/** Seed of the rows the benchmark sends. */
export const HEAVY_ROWS_SEED = 20261299;

/** The feature names, in input order: `f00` ... `f63`. */
export const HEAVY_FEATURE_NAMES: readonly string[] = Array.from({ length: HEAVY_INPUTS }, (_, i) => `f${String(i).padStart(2, '0')}`);

/** The heavy model's bytes and shape. */
export interface HeavyModel {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly inputs: number;
  readonly hidden: readonly number[];
  /** Multiply-accumulates of one row (the cost a batch shares nothing of, apart from reading the weights). */
  readonly macsPerRow: number;
}

/** Builds the MLP; the same `hidden` gives the same bytes in every process. */
export function buildHeavyModel(hidden: readonly number[] = HEAVY_HIDDEN): HeavyModel {
  const random = mulberry32(HEAVY_WEIGHTS_SEED);
  const draw = (scale: number): number => Math.fround(normal(random) * scale);
  const widths = [HEAVY_INPUTS, ...hidden, 1];
  const initializers = [];
  const nodes = [];
  let x = 'features';
  let macsPerRow = 0;
  for (let layer = 0; layer < widths.length - 1; layer++) {
    const fanIn = widths[layer]!;
    const fanOut = widths[layer + 1]!;
    const last = layer === widths.length - 2;
    macsPerRow += fanIn * fanOut;
    // He initialisation keeps the activations of a Relu stack in a sane range, so the output is not saturated.
    const scale = Math.sqrt(2 / fanIn);
    initializers.push(
      { name: `w${layer}`, datatype: 'FP32' as const, dims: [fanIn, fanOut], values: Array.from({ length: fanIn * fanOut }, () => draw(scale)) },
      { name: `b${layer}`, datatype: 'FP32' as const, dims: [fanOut], values: Array.from({ length: fanOut }, () => draw(0.01)) },
    );
    const h = last ? 'logit' : `h${layer}`;
    nodes.push({ op: 'Gemm', inputs: [x, `w${layer}`, `b${layer}`], outputs: [h], attributes: { alpha: { float: 1 }, beta: { float: 1 } } });
    if (!last) {
      nodes.push({ op: 'Relu', inputs: [h], outputs: [`a${layer}`] });
      x = `a${layer}`;
    }
  }
  nodes.push({ op: 'Sigmoid', inputs: ['logit'], outputs: ['score'] });
  const bytes = buildOnnxModel({
    inputs: [{ name: 'features', datatype: 'FP32', shape: ['batch', HEAVY_INPUTS] }],
    outputs: [{ name: 'score', datatype: 'FP32', shape: ['batch', 1] }],
    initializers,
    nodes,
    graphName: 'bench_heavy_mlp',
    docString: `Benchmark fixture: a ${widths.join('-')} MLP with seeded weights (compute-heavy on purpose).`,
  });
  return { name: HEAVY_MODEL_NAME, bytes, inputs: HEAVY_INPUTS, hidden: [...hidden], macsPerRow };
}

/**
 * `count` rows of standard-normal features, rounded to FP32 so JSON round-trips them exactly. Request rows (the
 * default seed) are clipped to [-2.5, 2.5], inside the reference data's range, so Mooring's range check passes them
 * without warnings (as it does the demo's rows) and its answer equals the bare server's.
 */
export function heavyRows(count: number, seed = HEAVY_ROWS_SEED, clip = seed === HEAVY_ROWS_SEED ? 2.5 : Infinity): number[][] {
  const random = mulberry32(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: HEAVY_INPUTS }, () => Math.fround(Math.max(-clip, Math.min(clip, normal(random))))),
  );
}

/** The reference data the heavy model is registered with in Mooring (named features and a training profile). */
export function heavyReferenceTable(rows = 1000): Table {
  const data = heavyRows(rows, HEAVY_REFERENCE_SEED);
  return {
    rows,
    columns: HEAVY_FEATURE_NAMES.map((name, j) => ({ name, kind: 'number' as const, values: data.map((r) => r[j]!) })),
  };
}

/** In-process cost of the model with one intra-op thread: CPU µs per single-row run and per row in batches of 64. */
async function measure(hidden: readonly number[], ms: number): Promise<void> {
  const { InferenceSession, Tensor } = await import('onnxruntime-node');
  const model = buildHeavyModel(hidden);
  const session = await InferenceSession.create(model.bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const rows = heavyRows(64).map((r) => Float32Array.from(r));
  const batch = Float32Array.from(rows.flatMap((r) => [...r]));
  const timeIt = async (rowsPerRun: number, data: () => Float32Array): Promise<{ wallUs: number; cpuUs: number }> => {
    const until = performance.now() + ms;
    // warm-up
    for (let i = 0; i < 20; i++) await session.run({ features: new Tensor('float32', data(), [rowsPerRun, HEAVY_INPUTS]) });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let runs = 0;
    while (performance.now() < until) {
      await session.run({ features: new Tensor('float32', data(), [rowsPerRun, HEAVY_INPUTS]) });
      runs++;
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { wallUs: (wall * 1000) / runs / rowsPerRun, cpuUs: (cpu.user + cpu.system) / runs / rowsPerRun };
  };
  let k = 0;
  const single = await timeIt(1, () => rows[k++ % rows.length]!.slice());
  const batched = await timeIt(64, () => batch.slice());
  process.stdout.write(
    `heavy model ${[HEAVY_INPUTS, ...hidden, 1].join('-')}: ${(model.bytes.length / 1e6).toFixed(1)} MB, ${model.macsPerRow.toLocaleString('en-US')} MACs/row\n` +
      `  single row:        ${single.wallUs.toFixed(0)} µs wall, ${single.cpuUs.toFixed(0)} µs CPU per run\n` +
      `  batches of 64:     ${batched.wallUs.toFixed(1)} µs wall, ${batched.cpuUs.toFixed(1)} µs CPU per row\n`,
  );
  await session.release();
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const argv = process.argv.slice(2);
  const get = (name: string, fallback: string): string => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
  };
  const hidden = get('hidden', HEAVY_HIDDEN.join(',')).split(',').map(Number);
  await measure(hidden, Number(get('ms', '2000')));
}
