import type { Datatype, TensorData } from '../inference/tensor.js';
import type { ProblemReport } from '../validation/problems.js';
import { describeValue } from '../validation/describe.js';
import { featureWidth } from './feature-spec.js';
import type { FeatureSignature, FeatureSpec } from './feature-spec.js';
import { allocateNumeric, numericReader, numericWriter } from './numeric-buffer.js';
import type { NumericReader, NumericWriter } from './numeric-buffer.js';

/**
 * The one implementation of named-feature encoding: feature records -> the model's input tensor, and the checks of
 * an already packed tensor. Serving (records endpoint), batch scoring and training-set export all go through it,
 * so a category is encoded the same way everywhere (no training/serving skew).
 *
 * Compiled once per version and policy: every feature gets an encoder closure with its column offset, its range
 * and its category map, so packing a row is a loop of closure calls and typed-array stores. Problems are added to
 * the request's ProblemReport; the packer never throws for bad values (the caller's policy decides).
 */

/** What a packer checks besides the schema. */
export interface PackerChecks {
  /** The input's datatype (one of PACKABLE_DATATYPES). */
  readonly datatype: Datatype;
  /** Inclusive accepted range per numerical feature; a feature without one is not range-checked. */
  readonly ranges: ReadonlyMap<string, readonly [number, number]>;
  /** Whether unseen categories are reported (as anomalies); they are encoded as unseen either way. */
  readonly reportUnseen: boolean;
  /** Longest accepted category string. */
  readonly maxStringLength: number;
}

/** A compiled packer for one version's features. */
export interface FeaturePacker {
  /** Tensor columns per row. */
  readonly width: number;
  /** The datatype of the input it packs into. */
  readonly datatype: Datatype;
  readonly signature: FeatureSignature;
  /** Packs records (objects keyed by feature name) into `rows x width` elements of the input's datatype. */
  packRecords(records: readonly unknown[], report: ProblemReport): TensorData;
  /** Checks `rows x width` packed elements (a tensor sent as numbers) against the same rules. */
  checkPacked(data: TensorData, rows: number, report: ProblemReport): void;
}

type Encoder = (v: unknown, out: TensorData, base: number, row: number, report: ProblemReport) => void;
type Checker = (data: TensorData, base: number, row: number, report: ProblemReport) => void;

interface CompiledFeature {
  readonly name: string;
  readonly encode: Encoder;
  readonly check: Checker;
}

/** Compiles the packer of one version's features under one set of checks. */
export function compileFeaturePacker(signature: FeatureSignature, checks: PackerChecks): FeaturePacker {
  const write = numericWriter(checks.datatype);
  const read = numericReader(checks.datatype);
  const integerType = !checks.datatype.startsWith('FP');
  let offset = 0;
  const compiled: CompiledFeature[] = [];
  for (const f of signature.features) {
    const ctx: FeatureContext = { f, offset, write, read, checks, integerType };
    compiled.push(f.encoding.kind === 'value' ? numerical(ctx) : f.encoding.kind === 'index' ? indexed(ctx) : onehot(ctx));
    offset += featureWidth(f);
  }
  const width = offset;
  const names = new Set(compiled.map((c) => c.name));
  const count = compiled.length;

  return {
    width,
    datatype: checks.datatype,
    signature,
    packRecords(records, report) {
      const n = records.length;
      const out = allocateNumeric(checks.datatype, n * width);
      for (let r = 0; r < n; r++) {
        const rec = records[r];
        if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) {
          report.add(r, '', 'wrong_type', `row ${r} must be an object keyed by feature name, got ${describeValue(rec)}`);
          continue;
        }
        const o = rec as Record<string, unknown>;
        const base = r * width;
        let found = 0;
        for (let k = 0; k < count; k++) {
          const c = compiled[k]!;
          const v = o[c.name];
          // A function can only come from the prototype (JSON has none): the record lacks the key.
          if (v === undefined || typeof v === 'function') report.add(r, c.name, 'missing', `feature ${quote(c.name)} is required`);
          else {
            found++;
            c.encode(v, out, base, r, report);
          }
        }
        let keys = 0;
        for (const _ in o) keys++;
        if (keys !== found) {
          for (const key of Object.keys(o)) {
            if (!names.has(key)) report.add(r, key, 'unknown_field', `the model has no feature ${quote(key)}`);
          }
        }
      }
      return out;
    },
    checkPacked(data, rows, report) {
      for (let r = 0; r < rows; r++) {
        const base = r * width;
        for (let k = 0; k < count; k++) compiled[k]!.check(data, base, r, report);
      }
    },
  };
}

interface FeatureContext {
  readonly f: FeatureSpec;
  readonly offset: number;
  readonly write: NumericWriter;
  readonly read: NumericReader;
  readonly checks: PackerChecks;
  readonly integerType: boolean;
}

function numerical({ f, offset, write, read, checks, integerType }: FeatureContext): CompiledFeature {
  const name = f.name;
  const range = checks.ranges.get(name);
  const lo = range ? range[0] : -Infinity;
  const hi = range ? range[1] : Infinity;
  const rangeText = range ? `[${range[0]}, ${range[1]}]` : '';
  const dt = checks.datatype;
  const nullable = f.nullable === true && !integerType;
  const inRange = (v: number, row: number, report: ProblemReport): void => {
    if (v < lo || v > hi) report.add(row, name, 'out_of_range', `${v} is outside the training range ${rangeText} (tolerance included)`);
  };
  return {
    name,
    encode(v, out, base, row, report) {
      if (typeof v === 'number') {
        if (v - v !== 0) report.add(row, name, 'non_finite', `${v} is not a finite number`);
        else if (!write(out, base + offset, v)) {
          report.add(row, name, integerType ? 'wrong_type' : 'non_finite', `${v} cannot be held by the model's ${dt} input`);
        } else inRange(v, row, report);
      } else if (v === null) {
        if (nullable) write(out, base + offset, NaN);
        else report.add(row, name, 'null', `feature ${quote(name)} may not be null`);
      } else report.add(row, name, 'wrong_type', `expected a number, got ${describeValue(v)}`);
    },
    check(data, base, row, report) {
      const v = read(data, base + offset);
      if (v !== v) {
        if (!nullable) report.add(row, name, 'non_finite', 'NaN is not a value of this feature');
      } else if (v - v !== 0) report.add(row, name, 'non_finite', `${v} is not a finite number`);
      else inRange(v, row, report);
    },
  };
}

/** The category lookup and what to do with a value outside it; shared by both categorical encodings. */
function categoryKey(ctx: FeatureContext) {
  const { f, checks } = ctx;
  const name = f.name;
  const categories = f.encoding.kind === 'value' ? [] : f.encoding.categories;
  const index = new Map<string, number>();
  categories.forEach((c, i) => index.set(c, i));
  const nullable = f.nullable === true;
  const max = checks.maxStringLength;
  /** The category's position, -1 for a value to encode as unseen, or -2 for a schema problem (already reported). */
  return (v: unknown, row: number, report: ProblemReport): number => {
    let key: string;
    if (typeof v === 'string') {
      if (v.length > max) {
        report.add(row, name, 'too_long', `a string of ${v.length} characters is longer than the limit of ${max}`);
        return -2;
      }
      key = v;
    } else if (typeof v === 'number' || typeof v === 'boolean') key = String(v);
    else if (v === null) {
      if (nullable) return -1;
      report.add(row, name, 'null', `feature ${quote(name)} may not be null`);
      return -2;
    } else {
      report.add(row, name, 'wrong_type', `expected a category (string), got ${describeValue(v)}`);
      return -2;
    }
    const i = index.get(key);
    if (i !== undefined) return i;
    if (checks.reportUnseen) report.add(row, name, 'unseen_category', `${quote(key)} is not one of the ${categories.length} categories seen in training`);
    return -1;
  };
}

function indexed(ctx: FeatureContext): CompiledFeature {
  const { f, offset, write, read, checks } = ctx;
  const name = f.name;
  const k = f.encoding.kind === 'index' ? f.encoding.categories.length : 0;
  // Unsigned inputs cannot hold -1: unseen is the first index past the categories there.
  const unseen = checks.datatype.startsWith('UINT') ? k : -1;
  const lookup = categoryKey(ctx);
  return {
    name,
    encode(v, out, base, row, report) {
      const i = lookup(v, row, report);
      if (i !== -2) write(out, base + offset, i === -1 ? unseen : i);
    },
    check(data, base, row, report) {
      const v = read(data, base + offset);
      if (!Number.isInteger(v)) report.add(row, name, 'wrong_type', `${v} is not a category index`);
      else if ((v < 0 || v >= k) && checks.reportUnseen) report.add(row, name, 'unseen_category', `index ${v} is not one of the ${k} categories seen in training`);
    },
  };
}

function onehot(ctx: FeatureContext): CompiledFeature {
  const { f, offset, write, read, checks } = ctx;
  const name = f.name;
  const k = f.encoding.kind === 'onehot' ? f.encoding.categories.length : 0;
  const lookup = categoryKey(ctx);
  return {
    name,
    encode(v, out, base, row, report) {
      const i = lookup(v, row, report);
      if (i >= 0) write(out, base + offset + i, 1);
    },
    check(data, base, row, report) {
      let ones = 0;
      for (let j = 0; j < k; j++) {
        const v = read(data, base + offset + j);
        if (v === 1) ones++;
        else if (v !== 0) {
          report.add(row, name, 'wrong_type', `one-hot column ${j} holds ${v}; only 0 and 1 are valid`);
          return;
        }
      }
      if (ones > 1) report.add(row, name, 'wrong_type', `${ones} one-hot columns are set; exactly one category may be`);
      else if (ones === 0 && checks.reportUnseen) report.add(row, name, 'unseen_category', 'no one-hot column is set: the category was not seen in training');
    },
  };
}

function quote(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}...` : s);
}
