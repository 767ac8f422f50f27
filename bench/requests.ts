/**
 * Request bodies for the benchmark scenarios: realistic Open Inference Protocol v2 requests built from rows of the
 * demo model's synthetic data set (a seed the model was not trained on), so every scenario sends the same data, and
 * rows of standard-normal features for the compute-heavy model (bench/heavy-model.ts).
 */
import { DEMO_FEATURE_NAMES, demoDataset, demoFeatureVector } from '../src/demo/demo-model.js';
import { HEAVY_INPUTS, heavyRows } from './heavy-model.js';

/** Seed of the rows the benchmark sends (training uses 20261101, the holdout 20261102). */
export const BENCH_ROWS_SEED = 20261199;

/**
 * How many different one-row bodies the load rotates through by default. Many, and each connection starts at its
 * own offset (`loadHttp` spreads them), so identical requests are rarely in flight at the same moment: request
 * coalescing (on by default in a deployment policy) must not turn a load of distinct predictions into shared
 * answers, and batches must hold different rows.
 */
export const ONE_ROW_VARIANTS = 256;

/** `count` feature vectors (one customer each) in the model's input order. */
export function demoRows(count: number): number[][] {
  return demoDataset(count, BENCH_ROWS_SEED).map((row) => demoFeatureVector(row));
}

/** A v2 infer request body (JSON text) scoring `rows` in one `features` tensor of shape [rows, width]. */
export function v2InferBody(rows: readonly (readonly number[])[], width: number = DEMO_FEATURE_NAMES.length): string {
  return JSON.stringify({
    inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, width], data: rows.flat() }],
  });
}

/** `variants` different one-row v2 bodies; the load generator rotates through them. */
export function oneRowBodies(variants = ONE_ROW_VARIANTS): string[] {
  return demoRows(variants).map((row) => v2InferBody([row]));
}

/** `variants` different one-row records bodies: by feature name (`named`) or as a packed row (`rows`). */
export function oneRowRecordBodies(variants: number, form: 'named' | 'rows'): string[] {
  return demoDataset(variants, BENCH_ROWS_SEED).map((row) => {
    const instance = form === 'rows' ? demoFeatureVector(row) : Object.fromEntries(DEMO_FEATURE_NAMES.map((n) => [n, row[n]]));
    return JSON.stringify({ instances: [instance] });
  });
}

/** `variants` different `rows`-row v2 bodies (for batch scenarios). */
export function batchBodies(rows: number, variants = 4): string[] {
  const all = demoRows(rows * variants);
  return Array.from({ length: variants }, (_, i) => v2InferBody(all.slice(i * rows, (i + 1) * rows)));
}

/**
 * Different one-row v2 bodies for the heavy model (64 features each). The default, 1,024, is far more than the
 * connections, so concurrent requests are distinct and a batch holds different rows.
 */
export function heavyOneRowBodies(variants = 1024): string[] {
  return heavyRows(variants).map((row) => v2InferBody([row], HEAVY_INPUTS));
}

/**
 * The cache-hit workload: a small fixed set of one-row bodies for the heavy model, repeated. Once each has been
 * answered (the warm-up sends them all many times), every request is a hit.
 */
export function heavyCacheBodies(variants = 16): string[] {
  return heavyOneRowBodies(variants);
}
