/**
 * Per-row column values from one logged prediction, for drift monitoring: each named feature (by name) and each
 * output column, named and typed as the version's training profile names and types them, so the current window
 * can be compared with the reference column by column.
 *
 * The log keeps the request and response bodies as they were sent, so every shape the server accepts is read:
 * - records by feature name (`{"instances": [{"age": 41, "plan": "pro"}]}`): values as given, unseen categories
 *   included;
 * - packed rows (`{"instances": [[41, 0, 1]]}` or `[{"<input>": [41, 0, 1]}]`) and Open Inference Protocol v2
 *   bodies (`{"inputs": [{"name": "<input>", "shape": [n, width], "data": [...]}]}`): unpacked through the
 *   version's FeatureSignature, value columns as numbers, index columns back to their category, one-hot blocks back
 *   to the category that is set (null when none or several are: an unseen category cannot be told apart);
 * - outputs of records answers (`{"predictions": [row, ...]}` for one output, `[{"<output>": row}, ...]` for
 *   several) and of v2 answers (`{"outputs": [{"name", "datatype", "shape", "data"}]}`): a row of one element is
 *   column `<output>`, a wider one columns `<output>[j]`, as the profiler named them.
 * Categorical values become strings the way the profiler stored them (`String(v)`: booleans `true`/`false`,
 * numbers in JavaScript's shortest form); numerical values are finite numbers; anything else is null (missing).
 *
 * Pure and total: a malformed body gives no rows (inputs) or no output values (outputs), never an exception.
 */

import type { FeatureSignature, FeatureSpec } from '../features/feature-spec.js';
import { featureWidth } from '../features/feature-spec.js';
import type { ColumnType } from '../profile/types.js';

/** One value of a column in one row: a number (numerical), a string (categorical), or null (missing). */
export type ColumnValue = number | string | null;

/** Where a compared column comes from: a feature of the request or a column of the model's answer. */
export type ColumnKind = 'feature' | 'prediction';

/** A column to extract: named and typed as in the training profile. */
export interface ExtractionColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly type: ColumnType;
}

/** What an extractor needs to know about a version. */
export interface ExtractionSpec {
  /** The version's named features (how its one input is packed). */
  readonly features: FeatureSignature;
  /** The model's outputs by name, with their datatypes (from its signature). */
  readonly outputs: readonly { readonly name: string; readonly datatype: string }[];
  /** The columns to extract, in the order the results are given. */
  readonly columns: readonly ExtractionColumn[];
}

/** The columns of one logged prediction. */
export interface ExtractedRows {
  /** Rows the request carried (0 when its inputs could not be read: the whole record is then skipped). */
  readonly rows: number;
  /**
   * One array per spec column, in spec order: `rows` values, or none when that column is absent from this record
   * (an output the answer did not include or could not be read). A missing value inside a present column is null.
   */
  readonly values: readonly (readonly ColumnValue[])[];
}

/** Reads the columns of logged predictions of one version; compiled once per version. */
export interface RowExtractor {
  readonly columns: readonly ExtractionColumn[];
  /** The columns of one logged prediction (`inputs` = request body, `outputs` = response body); never throws. */
  extract(inputs: unknown, outputs: unknown): ExtractedRows;
}

/** The most elements a flattened row or tensor may have before the body is taken as malformed. */
const MAX_ELEMENTS = 50_000_000;

/** Compiles the extractor of one version. */
export function compileRowExtractor(spec: ExtractionSpec): RowExtractor {
  const columns = spec.columns;
  const features = compileFeatures(spec.features, columns);
  const outputColumn = new Map<string, number>();
  columns.forEach((c, i) => {
    if (c.kind === 'prediction') outputColumn.set(c.name, i);
  });
  const datatypes = new Map(spec.outputs.map((o) => [o.name, o.datatype]));
  const singleOutput = spec.outputs.length === 1 ? spec.outputs[0]!.name : null;
  const empty: readonly ColumnValue[] = [];
  const none: ExtractedRows = { rows: 0, values: columns.map(() => empty) };

  return {
    columns,
    extract(inputs, outputs) {
      try {
        const packed = readInputs(inputs, spec.features, features);
        if (packed === null || packed.rows === 0) return none;
        const values: (readonly ColumnValue[])[] = columns.map(() => empty);
        for (const f of features) values[f.column] = packed.byColumn.get(f.column)!;
        readOutputs(outputs, packed.rows, singleOutput, datatypes, (name, col) => {
          const i = outputColumn.get(name);
          if (i !== undefined) values[i] = col.map((v) => convert(v, columns[i]!.type, datatypes.get(baseName(name)) ?? ''));
        });
        return { rows: packed.rows, values };
      } catch {
        // Total by contract: a body no branch above foresaw yields nothing rather than an exception.
        return none;
      }
    },
  };
}

interface CompiledFeature {
  readonly spec: FeatureSpec;
  /** Index of the extraction column. */
  readonly column: number;
  readonly type: ColumnType;
  /** A value from a packed row (the feature's columns start `base` elements into it). */
  readonly unpack: (row: readonly unknown[], base: number) => ColumnValue;
}

function compileFeatures(signature: FeatureSignature, columns: readonly ExtractionColumn[]): CompiledFeature[] {
  const byName = new Map<string, number>();
  columns.forEach((c, i) => {
    if (c.kind === 'feature') byName.set(c.name, i);
  });
  const out: CompiledFeature[] = [];
  let offset = 0;
  for (const f of signature.features) {
    const column = byName.get(f.name);
    const at = offset;
    offset += featureWidth(f);
    if (column === undefined) continue;
    const type = columns[column]!.type;
    const enc = f.encoding;
    let unpack: CompiledFeature['unpack'];
    if (enc.kind === 'value') {
      unpack = (row, base) => convert(row[base + at], type, '');
    } else if (enc.kind === 'index') {
      const categories = enc.categories;
      unpack = (row, base) => {
        const v = toNumber(row[base + at]);
        return v !== null && Number.isInteger(v) && v >= 0 && v < categories.length ? categories[v]! : null;
      };
    } else {
      const categories = enc.categories;
      unpack = (row, base) => {
        let hit = -1;
        for (let j = 0; j < categories.length; j++) {
          const v = toNumber(row[base + at + j]);
          if (v === 1) {
            if (hit >= 0) return null;
            hit = j;
          } else if (v !== 0) return null;
        }
        return hit >= 0 ? categories[hit]! : null;
      };
    }
    out.push({ spec: f, column, type, unpack });
  }
  return out;
}

interface ReadInputs {
  readonly rows: number;
  readonly byColumn: Map<number, ColumnValue[]>;
}

function readInputs(body: unknown, signature: FeatureSignature, features: readonly CompiledFeature[]): ReadInputs | null {
  if (!isObject(body)) return null;
  const width = signature.features.reduce((w, f) => w + featureWidth(f), 0);
  const instances = own(body, 'instances');
  if (Array.isArray(instances)) return readInstances(instances, signature, features, width);
  const inputs = own(body, 'inputs');
  if (Array.isArray(inputs)) return readV2Inputs(inputs, signature.input, features, width);
  return null;
}

function readInstances(
  instances: readonly unknown[],
  signature: FeatureSignature,
  features: readonly CompiledFeature[],
  width: number,
): ReadInputs | null {
  const n = instances.length;
  const byColumn = new Map<number, ColumnValue[]>();
  for (const f of features) byColumn.set(f.column, new Array<ColumnValue>(n));
  const inputIsFeature = signature.features.some((f) => f.name === signature.input);
  for (let r = 0; r < n; r++) {
    const inst = instances[r];
    let row: readonly unknown[] | null = null;
    if (Array.isArray(inst)) row = flatten(inst, width);
    else if (isObject(inst)) {
      const keys = Object.keys(inst);
      if (keys.length === 1 && keys[0] === signature.input && !inputIsFeature) row = flatten(own(inst, signature.input), width);
      else {
        // A record keyed by feature name.
        for (const f of features) byColumn.get(f.column)![r] = convert(own(inst, f.spec.name), f.type, '');
        continue;
      }
    } else return null;
    if (row === null || row.length !== width) return null;
    for (const f of features) byColumn.get(f.column)![r] = f.unpack(row, 0);
  }
  return { rows: n, byColumn };
}

function readV2Inputs(inputs: readonly unknown[], name: string, features: readonly CompiledFeature[], width: number): ReadInputs | null {
  const tensor = inputs.find((t) => isObject(t) && own(t, 'name') === name);
  if (!isObject(tensor) || width === 0) return null;
  const data = flatten(own(tensor, 'data'), MAX_ELEMENTS);
  if (data === null || data.length === 0 || data.length % width !== 0) return null;
  const n = data.length / width;
  const shape = own(tensor, 'shape');
  if (Array.isArray(shape) && shape.length > 0 && typeof shape[0] === 'number' && shape[0] !== n) return null;
  const byColumn = new Map<number, ColumnValue[]>();
  for (const f of features) {
    const col = new Array<ColumnValue>(n);
    for (let r = 0; r < n; r++) col[r] = f.unpack(data, r * width);
    byColumn.set(f.column, col);
  }
  return { rows: n, byColumn };
}

/** Calls `emit(columnName, values)` for every output column the answer holds for `rows` rows. */
function readOutputs(
  body: unknown,
  rows: number,
  singleOutput: string | null,
  datatypes: ReadonlyMap<string, string>,
  emit: (name: string, values: readonly unknown[]) => void,
): void {
  if (!isObject(body)) return;
  const predictions = own(body, 'predictions');
  if (Array.isArray(predictions)) {
    if (predictions.length !== rows) return;
    const perOutput = new Map<string, unknown[]>();
    for (let r = 0; r < rows; r++) {
      const p = predictions[r];
      if (isObject(p)) {
        for (const name of Object.keys(p)) {
          if (!datatypes.has(name)) continue;
          let rowsOf = perOutput.get(name);
          if (!rowsOf) perOutput.set(name, (rowsOf = new Array<unknown>(rows).fill(undefined)));
          rowsOf[r] = own(p, name);
        }
      } else if (singleOutput !== null) {
        let rowsOf = perOutput.get(singleOutput);
        if (!rowsOf) perOutput.set(singleOutput, (rowsOf = new Array<unknown>(rows).fill(undefined)));
        rowsOf[r] = p;
      }
    }
    for (const [name, rowValues] of perOutput) emitRows(name, rowValues.map(rowElements), emit);
    return;
  }
  const outputs = own(body, 'outputs');
  if (!Array.isArray(outputs)) return;
  for (const t of outputs) {
    if (!isObject(t)) continue;
    const name = own(t, 'name');
    if (typeof name !== 'string' || !datatypes.has(name)) continue;
    const data = flatten(own(t, 'data'), MAX_ELEMENTS);
    if (data === null || data.length === 0 || data.length % rows !== 0) continue;
    const shape = own(t, 'shape');
    if (!Array.isArray(shape) || shape[0] !== rows) continue;
    const perRow = data.length / rows;
    const rowValues: (readonly unknown[])[] = [];
    for (let r = 0; r < rows; r++) rowValues.push(data.slice(r * perRow, r * perRow + perRow));
    emitRows(name, rowValues, emit);
  }
}

/** Splits rows of one output into its columns: `name` for one element per row, `name[j]` for wider rows. */
function emitRows(name: string, rowValues: readonly (readonly unknown[] | null)[], emit: (name: string, values: readonly unknown[]) => void): void {
  let width = -1;
  for (const row of rowValues) {
    if (row === null) continue;
    if (width === -1) width = row.length;
    else if (row.length !== width) return; // ragged: not one tensor
  }
  if (width <= 0) return;
  if (width === 1) {
    emit(name, rowValues.map((row) => (row === null ? null : row[0])));
    return;
  }
  for (let j = 0; j < width; j++) emit(`${name}[${j}]`, rowValues.map((row) => (row === null ? null : row[j])));
}

/** The elements of one output row of a records answer: a nested array flattened, a scalar as one element. */
function rowElements(v: unknown): readonly unknown[] | null {
  if (Array.isArray(v)) return flatten(v, MAX_ELEMENTS);
  return v === undefined || isObject(v) ? null : [v];
}

/** `probability[2]` -> `probability`: the output a column comes from (its datatype decides big-integer text). */
function baseName(column: string): string {
  const m = /^(.*)\[\d+\]$/.exec(column);
  return m ? m[1]! : column;
}

/** A raw JSON value as a column value of `type` (see the file comment). */
function convert(v: unknown, type: ColumnType, datatype: string): ColumnValue {
  if (type === 'numerical') return toNumber(v);
  switch (typeof v) {
    case 'string':
      // 64-bit integers beyond 2^53 travel as decimal strings; the profiler saw them as Number(bigint).
      if ((datatype === 'INT64' || datatype === 'UINT64') && /^-?\d+$/.test(v)) return String(Number(v));
      return v;
    case 'number':
      return Number.isFinite(v) ? String(v) : null;
    case 'boolean':
      return String(v);
    default:
      return null;
  }
}

/** A finite number from a number or a decimal integer string (64-bit tensors); null otherwise. */
function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : null;
  if (typeof v === 'string' && /^-?\d{1,20}$/.test(v)) return Number(v);
  return null;
}

/** The scalars of a nested array in row-major order, or null when it is not an array of at most `max` scalars. */
function flatten(value: unknown, max: number): unknown[] | null {
  if (!Array.isArray(value)) return null;
  const out: unknown[] = [];
  // Iterative: a deeply nested body must not touch the stack.
  const stack: { a: readonly unknown[]; i: number }[] = [{ a: value, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.a.length) {
      stack.pop();
      continue;
    }
    const v = top.a[top.i++];
    if (Array.isArray(v)) stack.push({ a: v, i: 0 });
    else {
      if (out.length >= max) return null;
      out.push(v);
    }
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property only: a `__proto__` or `constructor` key in logged JSON is data, and inherited ones do not exist. */
function own(o: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(o, key) ? o[key] : undefined;
}
