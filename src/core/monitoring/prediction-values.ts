/**
 * What one row of a logged answer predicted, read back from the response body the prediction log keeps: the
 * predicted class, a score for ranking metrics (AUC), and a value for regression. Pure and total: a body it does
 * not understand gives null, never an exception, because the log holds whatever was answered (or garbage written by
 * hand) and one odd record must not stop an accuracy report.
 *
 * Which output is which, in output order (the order of the v2 `outputs` list, or of a record's keys, which is the
 * model's output order):
 * - class outputs are BOOL, integer and BYTES (string) outputs; the predicted class is the first class output's
 *   first element in the row, as a string (`true`/`false`, `3`, `"cat"`);
 * - score outputs are floating-point outputs (FP16/FP32/FP64); the score is the first one's value when it holds one
 *   number per row (a probability of the positive class), or its SECOND column when it holds two per row (a
 *   `[p(class 0), p(class 1)]` pair, as skl2onnx writes `probabilities`). A wider float output (several classes)
 *   gives no score: a binary ranking metric has no meaning there;
 * - the regression value is the first float output when it holds one number per row, else the first integer output
 *   when it does.
 * Datatypes come from the v2 body, else from the version's signature when the caller has it (records bodies carry
 * no datatypes); without either, JSON types decide: booleans and strings are classes, numbers are floats.
 */
import type { TensorSpec } from '../inference/tensor.js';

/** What one row of an answer predicted; each part is null when the answer does not have it. */
export interface PredictionValues {
  /** The predicted class as text (`true`, `1`, `cat`). */
  readonly predictedClass: string | null;
  /** A score for ranking metrics: the probability (or other float) of the positive class. */
  readonly score: number | null;
  /** The predicted value, for regression. */
  readonly value: number | null;
}

/** How much of a row's nested arrays is looked at, so a huge or deeply nested garbage value costs little. */
const MAX_ROW_ELEMENTS = 4096;
const MAX_DEPTH = 16;

type Kind = 'class' | 'float' | 'int';

interface OutputRow {
  readonly kind: Kind;
  readonly values: readonly unknown[];
}

const FLOAT_TYPES: ReadonlySet<string> = new Set(['FP16', 'FP32', 'FP64']);
const INT_TYPES: ReadonlySet<string> = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/**
 * The values row `row` of a logged response body predicted: a records body (`{"predictions": [...]}`, one entry per
 * row: an object keyed by output name, or the single output's row) or an Open Inference Protocol v2 body
 * (`{"outputs": [{name, datatype, shape, data}]}`, the row sliced out of each tensor's first dimension). `outputs`
 * is the version's output signature, for the datatypes a records body does not carry. Null when the body is not
 * one of those or has no such row.
 */
export function predictionValues(body: unknown, row: number, outputs?: readonly TensorSpec[] | null): PredictionValues | null {
  try {
    if (!Number.isSafeInteger(row) || row < 0 || !isObject(body)) return null;
    const rows = Array.isArray(body['predictions']) ? recordsRow(body['predictions'] as unknown[], row, outputs ?? null)
      : Array.isArray(body['outputs']) ? v2Row(body['outputs'] as unknown[], row)
      : null;
    return rows === null ? null : valuesOf(rows);
  } catch {
    return null;
  }
}

/** What a comparison of two answers needs from one row (shadow reports, replay). */
export interface PredictionRow {
  /** The predicted class as `predictionValues` reads it (the first class output's first element), or null. */
  readonly predictedClass: string | null;
  /**
   * Every element of the first floating-point output in this row (a probability vector, or one score or value);
   * null when there is no float output or one of its elements is not a finite number.
   */
  readonly floats: readonly number[] | null;
}

/**
 * Row `row` of a logged response body (records or v2, as `predictionValues` reads it) for comparing two answers:
 * the predicted class and the first float output's whole row. Null when the body is not one of those or has no
 * such row.
 */
export function predictionRow(body: unknown, row: number, outputs?: readonly TensorSpec[] | null): PredictionRow | null {
  try {
    if (!Number.isSafeInteger(row) || row < 0 || !isObject(body)) return null;
    const rows = Array.isArray(body['predictions']) ? recordsRow(body['predictions'] as unknown[], row, outputs ?? null)
      : Array.isArray(body['outputs']) ? v2Row(body['outputs'] as unknown[], row)
      : null;
    if (rows === null) return null;
    const first = rows.find((r) => r.kind === 'float');
    const usable = first !== undefined && first.values.length > 0 && first.values.every((v) => finite(v) !== null);
    const floats = usable ? (first.values as number[]) : null;
    return { predictedClass: valuesOf(rows).predictedClass, floats };
  } catch {
    return null;
  }
}

/** How many rows a logged response body answers (records: predictions; v2: the first output's first dimension). */
export function answeredRows(body: unknown): number | null {
  try {
    if (!isObject(body)) return null;
    if (Array.isArray(body['predictions'])) return (body['predictions'] as unknown[]).length;
    if (Array.isArray(body['outputs'])) {
      const first = (body['outputs'] as unknown[])[0];
      if (!isObject(first) || !Array.isArray(first['shape'])) return null;
      const shape = first['shape'] as unknown[];
      const n = shape.length === 0 ? 1 : shape[0];
      return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : null;
    }
    return null;
  } catch {
    return null;
  }
}

function valuesOf(rows: readonly OutputRow[]): PredictionValues {
  let predictedClass: string | null = null;
  let score: number | null = null;
  let value: number | null = null;
  let sawClass = false;
  let sawFloat = false;
  let floatValue = false;
  let intValue: number | null = null;
  let sawInt = false;
  for (const r of rows) {
    if (r.kind === 'float') {
      if (sawFloat) continue;
      sawFloat = true;
      const nums = r.values;
      if (nums.length === 1) {
        score = value = finite(nums[0]);
        floatValue = true;
      } else if (nums.length === 2) score = finite(nums[1]);
    } else {
      if (!sawClass) {
        sawClass = true;
        predictedClass = classText(r.values[0]);
      }
      if (r.kind === 'int' && !sawInt) {
        sawInt = true;
        if (r.values.length === 1) intValue = finite(r.values[0]);
      }
    }
  }
  if (!floatValue) value = intValue;
  return { predictedClass, score, value };
}

/** A class value as text: booleans, finite numbers and strings; anything else is no class. */
export function classText(v: unknown): string | null {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : null;
  if (typeof v === 'string') return v;
  return null;
}

function finite(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function recordsRow(predictions: readonly unknown[], row: number, outputs: readonly TensorSpec[] | null): OutputRow[] | null {
  if (row >= predictions.length) return null;
  const p = predictions[row];
  if (isObject(p)) {
    const result: OutputRow[] = [];
    for (const name of Object.keys(p)) {
      const values = flatten(p[name]);
      if (values === null) continue;
      const spec = outputs?.find((o) => o.name === name);
      result.push({ kind: spec ? kindOf(spec.datatype) : kindOfValues(values), values });
    }
    return result;
  }
  const values = flatten(p);
  if (values === null) return null;
  const spec = outputs && outputs.length === 1 ? outputs[0] : undefined;
  return [{ kind: spec ? kindOf(spec.datatype) : kindOfValues(values), values }];
}

function v2Row(outputs: readonly unknown[], row: number): OutputRow[] | null {
  const result: OutputRow[] = [];
  for (const o of outputs) {
    if (!isObject(o) || !Array.isArray(o['shape']) || typeof o['datatype'] !== 'string') continue;
    const shape = o['shape'] as unknown[];
    if (!shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)) continue;
    const dims = shape as number[];
    const n = dims.length === 0 ? 1 : dims[0]!;
    if (row >= n) continue;
    let width = 1;
    for (let k = 1; k < dims.length; k++) width *= dims[k]!;
    const data = flatData(o['data'], (row + 1) * width);
    if (data === null || data.length < (row + 1) * width) continue;
    const values = data.slice(row * width, row * width + Math.min(width, MAX_ROW_ELEMENTS));
    result.push({ kind: kindOf(o['datatype']), values });
  }
  return result.length === 0 ? null : result;
}

/** The first `needed` elements of a v2 `data` array, flat (a nested array is accepted and flattened). */
function flatData(data: unknown, needed: number): unknown[] | null {
  if (!Array.isArray(data)) return null;
  if (data.every((v) => !Array.isArray(v))) return data;
  const out: unknown[] = [];
  collect(data, out, needed, 0);
  return out;
}

/** A row value (a scalar or nested arrays) as a flat list of at most MAX_ROW_ELEMENTS leaves; null when empty. */
function flatten(v: unknown): unknown[] | null {
  if (!Array.isArray(v)) return v === undefined ? null : [v];
  const out: unknown[] = [];
  collect(v, out, MAX_ROW_ELEMENTS, 0);
  return out.length === 0 ? null : out;
}

function collect(v: unknown, out: unknown[], max: number, depth: number): void {
  if (!Array.isArray(v)) {
    out.push(v);
    return;
  }
  if (depth >= MAX_DEPTH) return;
  for (const item of v) {
    if (out.length >= max) return;
    collect(item, out, max, depth + 1);
  }
}

function kindOf(datatype: unknown): Kind {
  if (typeof datatype === 'string') {
    if (FLOAT_TYPES.has(datatype)) return 'float';
    if (INT_TYPES.has(datatype)) return 'int';
  }
  return 'class';
}

function kindOfValues(values: readonly unknown[]): Kind {
  return typeof values[0] === 'number' ? 'float' : 'class';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
