import { fail } from '../core/errors.js';
import { packedWidth } from '../core/features/feature-spec.js';
import type { FeatureSignature, FeatureSpec } from '../core/features/feature-spec.js';
import { compileFeaturePacker } from '../core/features/packer.js';
import { PACKABLE_DATATYPES } from '../core/features/numeric-buffer.js';
import { fromHalf } from '../core/inference/half.js';
import type { Signature, Tensor, TensorSpec } from '../core/inference/tensor.js';
import { profileColumn, profileTable } from '../core/profile/profiler.js';
import type { Column, Table } from '../core/profile/table.js';
import type { ProfileOptions, VersionProfile } from '../core/profile/types.js';
import { ProblemReport } from '../core/validation/problems.js';
import type { LoadedModel, ModelRuntime } from '../runtime/model-runtime.js';

/**
 * Turns reference data (the training or validation table) into a version's named features and training profile:
 * which columns are features and how each is encoded, the statistics of every feature and of the target, and the
 * distribution of the model's own outputs on that data (the model is run on every complete row at registration).
 *
 * Category lists are sorted as strings, the order scikit-learn's OneHotEncoder and OrdinalEncoder use by default;
 * a model trained with another order needs an explicit feature spec.
 */

/** A feature as the user names it: `age`, or `plan:onehot` / `plan:index` for a categorical encoding. */
export interface FeatureRequest {
  readonly name: string;
  readonly encoding?: 'onehot' | 'index';
}

/** How to read the reference data. */
export interface ReferenceOptions {
  /** The target (label) column: profiled, never a feature. */
  readonly target?: string | null;
  /** The features, in the model's input order; default: every column but the target and timestamps. */
  readonly features?: readonly FeatureRequest[] | null;
  /** Number columns to treat as categories. */
  readonly categorical?: readonly string[];
  /** Features stated in full (a feature spec file): used as they are; the data is only profiled. */
  readonly spec?: FeatureSignature | null;
  /** Where the data came from (shown with the profile). */
  readonly source?: string | null;
  readonly profile?: ProfileOptions;
  /** Rows per inference when profiling the outputs. Default 1024. */
  readonly batchRows?: number;
  /** Time stamp of the profile (epoch ms). */
  readonly now: number;
}

/** Parses `a,b:onehot,c:index` into feature requests (INVALID_REQUEST for an unknown encoding or a blank name). */
export function parseFeatureList(text: string): FeatureRequest[] {
  return text.split(',').map((part) => {
    const [name = '', encoding, ...rest] = part.trim().split(':');
    if (name === '' || rest.length > 0) throw fail('INVALID_REQUEST', `cannot read feature ${JSON.stringify(part)}: write name or name:onehot or name:index`);
    if (encoding === undefined) return { name };
    if (encoding !== 'onehot' && encoding !== 'index') {
      throw fail('INVALID_REQUEST', `feature ${JSON.stringify(name)}: unknown encoding ${JSON.stringify(encoding)} (onehot or index)`);
    }
    return { name, encoding };
  });
}

/** Named features with no reference data: all numerical (categorical ones need the data for their categories). */
export function numericalFeatures(signature: Signature, requests: readonly FeatureRequest[]): FeatureSignature {
  const input = featureInput(signature);
  for (const r of requests) {
    if (r.encoding) {
      throw fail('INVALID_REQUEST', `feature ${JSON.stringify(r.name)} is categorical: its categories come from --reference-data (or a feature spec file)`);
    }
  }
  return { input: input.name, features: requests.map((r) => ({ name: r.name, type: 'numerical', encoding: { kind: 'value' } })) };
}

/** Derives the features from the table and the signature, and profiles features, target and outputs. */
export async function buildReferenceProfile(
  runtime: ModelRuntime,
  artifact: Uint8Array,
  table: Table,
  options: ReferenceOptions,
): Promise<{ features: FeatureSignature; profile: VersionProfile }> {
  const { signature } = await runtime.inspect(artifact);
  const input = featureInput(signature);
  const columns = new Map(table.columns.map((c) => [c.name, c]));
  const target = options.target ?? null;
  if (target !== null && !columns.has(target)) {
    throw fail('INVALID_REQUEST', `the reference data has no target column ${JSON.stringify(target)}; its columns are ${[...columns.keys()].join(', ')}`);
  }
  const spec = options.spec ?? null;
  const requests: readonly FeatureRequest[] =
    spec?.features.map((f) => ({ name: f.name })) ??
    options.features ??
    table.columns.filter((c) => c.name !== target && c.kind !== 'timestamp').map((c) => ({ name: c.name }));
  const categorical = new Set(options.categorical ?? []);
  for (const name of categorical) {
    if (!columns.has(name)) throw fail('INVALID_REQUEST', `--categorical names ${JSON.stringify(name)}, which is not a column of the reference data`);
  }
  for (const f of spec?.features ?? []) if (f.type === 'categorical') categorical.add(f.name);
  const featureColumns = requests.map((r) => {
    const c = columns.get(r.name);
    if (!c) throw fail('INVALID_REQUEST', `feature ${JSON.stringify(r.name)} is not a column of the reference data`);
    if (c.kind === 'timestamp') throw fail('INVALID_REQUEST', `column ${JSON.stringify(r.name)} holds timestamps, which cannot be a model feature`);
    if (r.encoding) categorical.add(r.name);
    return c;
  });
  const profileOptions: ProfileOptions = { ...options.profile, categorical: [...categorical] };
  const featureProfile = profileTable({ rows: table.rows, columns: featureColumns }, profileOptions);
  const features = spec ?? chooseEncodings(input, requests, featureProfile.columns, featureColumns);
  const targetColumn = target === null ? null : columns.get(target)!;
  const outputs = await profileOutputs(runtime, artifact, signature, features, featureColumns, table.rows, options);
  return {
    features,
    profile: {
      format: 1,
      createdAt: options.now,
      source: options.source ?? null,
      rows: table.rows,
      features: featureProfile,
      target: targetColumn ? profileColumn(targetColumn, profileOptions) : null,
      outputs,
    },
  };
}

/** The one input named features can be packed into, or INVALID_REQUEST saying why the model has none. */
function featureInput(signature: Signature): TensorSpec {
  const inputs = signature.inputs;
  const only = inputs.length === 1 ? inputs[0]! : null;
  if (!only || only.shape.length !== 2 || !PACKABLE_DATATYPES.includes(only.datatype)) {
    const desc = inputs.map((i) => `${i.name} ${i.datatype} [${i.shape.join(', ')}]`).join(', ');
    throw fail('INVALID_REQUEST', `named features need a model with one numeric input of shape [rows, features]; this one takes ${desc}`);
  }
  return only;
}

/**
 * Encodings for the categorical features: as requested, else one-hot, falling back to index encoding for all of
 * them when one-hot would not fit the input's width.
 */
function chooseEncodings(
  input: TensorSpec,
  requests: readonly { name: string; encoding?: 'onehot' | 'index' }[],
  profiles: readonly { type: string }[],
  columns: readonly Column[],
): FeatureSignature {
  const build = (fallback: 'onehot' | 'index'): FeatureSignature => ({
    input: input.name,
    features: requests.map((r, i): FeatureSpec => {
      if (profiles[i]!.type === 'numerical') return { name: r.name, type: 'numerical', encoding: { kind: 'value' } };
      return { name: r.name, type: 'categorical', encoding: { kind: r.encoding ?? fallback, categories: categoriesOf(columns[i]!) } };
    }),
  });
  const width = input.shape[1]!;
  const onehot = build('onehot');
  if (width === -1 || packedWidth(onehot) === width) return onehot;
  const index = build('index');
  if (packedWidth(index) === width) return index;
  throw fail(
    'INVALID_REQUEST',
    `the features take ${packedWidth(onehot)} columns one-hot encoded (${packedWidth(index)} index encoded) but input ${JSON.stringify(input.name)} ` +
      `has ${width}: name the features and their encodings with --features`,
  );
}

/** Every distinct value of a column as a category, sorted as strings. */
function categoriesOf(column: Column): string[] {
  const seen = new Set<string>();
  for (const v of column.values) if (v !== null) seen.add(String(v));
  return [...seen].sort();
}

/** Runs the model on every complete row and profiles each output column. */
async function profileOutputs(
  runtime: ModelRuntime,
  artifact: Uint8Array,
  signature: Signature,
  features: FeatureSignature,
  columns: readonly Column[],
  rows: number,
  options: ReferenceOptions,
) {
  const datatype = signature.inputs[0]!.datatype;
  const packer = compileFeaturePacker(features, { datatype, ranges: new Map(), reportUnseen: false, maxStringLength: Number.MAX_SAFE_INTEGER });
  const batchRows = options.batchRows ?? 1024;
  const outputColumns = new Map<string, { values: (number | string | boolean | null)[]; kind: Column['kind']; categorical: boolean }>();
  const model: LoadedModel = await runtime.load(artifact);
  try {
    for (let start = 0; start < rows; start += batchRows) {
      const records: Record<string, unknown>[] = [];
      for (let r = start; r < Math.min(rows, start + batchRows); r++) {
        const rec: Record<string, unknown> = {};
        let complete = true;
        for (const c of columns) {
          const v = c.values[r];
          if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) complete = false;
          Object.defineProperty(rec, c.name, { value: v, enumerable: true });
        }
        if (complete) records.push(rec);
      }
      if (records.length === 0) continue;
      const report = new ProblemReport();
      const data = packer.packRecords(records, report);
      if (report.schema > 0) continue; // rows the model cannot take (e.g. a value its input type cannot hold)
      const tensor: Tensor = { name: features.input, datatype, shape: [records.length, packer.width], data };
      const outputs = await model.infer([tensor]);
      for (const t of outputs) collectOutput(t, records.length, outputColumns);
    }
  } finally {
    await model.dispose().catch(() => undefined);
  }
  const table: Table = {
    rows: Math.max(0, ...[...outputColumns.values()].map((c) => c.values.length)),
    columns: [...outputColumns].map(([name, c]) => ({ name, kind: c.kind, values: c.values })),
  };
  const categorical = [...outputColumns].filter(([, c]) => c.categorical).map(([n]) => n);
  return profileTable(table, { ...options.profile, categorical });
}

/** Widest output profiled column by column; wider ones (embeddings) are skipped. */
const MAX_OUTPUT_COLUMNS = 32;

function collectOutput(
  t: Tensor,
  n: number,
  into: Map<string, { values: (number | string | boolean | null)[]; kind: Column['kind']; categorical: boolean }>,
): void {
  if (t.shape.length === 0 || t.shape[0] !== n) return;
  const perRow = t.data.length / n;
  if (!Number.isInteger(perRow) || perRow < 1 || perRow > MAX_OUTPUT_COLUMNS) return;
  const categorical = t.datatype === 'BOOL' || t.datatype === 'BYTES' || t.datatype.includes('INT');
  const kind: Column['kind'] = t.datatype === 'BYTES' ? 'string' : t.datatype === 'BOOL' ? 'boolean' : 'number';
  for (let j = 0; j < perRow; j++) {
    const name = perRow === 1 ? t.name : `${t.name}[${j}]`;
    let col = into.get(name);
    if (!col) into.set(name, (col = { values: [], kind, categorical }));
    for (let r = 0; r < n; r++) {
      const v = t.data[r * perRow + j]!;
      col.values.push(typeof v === 'bigint' ? Number(v) : t.datatype === 'BOOL' ? v === 1 : t.datatype === 'FP16' ? fromHalf(v as number) : (v as number | string));
    }
  }
}
