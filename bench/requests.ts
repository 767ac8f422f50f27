/**
 * Request bodies for the benchmark scenarios: realistic Open Inference Protocol v2 requests built from rows of the
 * demo model's synthetic data set (a seed the model was not trained on), so every scenario sends the same data.
 */
import { DEMO_FEATURE_NAMES, demoDataset, demoFeatureVector } from '../src/demo/demo-model.js';

/** Seed of the rows the benchmark sends (training uses 20261101, the holdout 20261102). */
export const BENCH_ROWS_SEED = 20261199;

/** `count` feature vectors (one customer each) in the model's input order. */
export function demoRows(count: number): number[][] {
  return demoDataset(count, BENCH_ROWS_SEED).map((row) => demoFeatureVector(row));
}

/** A v2 infer request body (JSON text) scoring `rows` in one `features` tensor of shape [rows, 4]. */
export function v2InferBody(rows: readonly (readonly number[])[]): string {
  return JSON.stringify({
    inputs: [{ name: 'features', datatype: 'FP32', shape: [rows.length, DEMO_FEATURE_NAMES.length], data: rows.flat() }],
  });
}

/** `variants` different one-row v2 bodies; the load generator rotates through them. */
export function oneRowBodies(variants = 8): string[] {
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
