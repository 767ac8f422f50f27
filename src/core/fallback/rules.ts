/**
 * The `rules` fallback engine: a deployment's rule table (`fallback.rules`, plain data, never code) checked
 * against a model version and compiled once, then answering requests the model could not. Per row, the first case
 * whose conditions all hold gives the outputs; rows no case matches take the default. Pure: no I/O.
 */

import type { FallbackRules, RuleOutput } from '../deployment/policy.js';
import { fail } from '../errors.js';
import type { FeatureSignature, FeatureSpec } from '../features/feature-spec.js';
import type { Tensor, TensorSpec } from '../inference/tensor.js';
import { compileRowExtractor } from '../monitoring/row-extraction.js';
import type { ColumnValue } from '../monitoring/row-extraction.js';
import { issuePath, snakeCase } from '../schema-issue.js';
import { compileCondition } from './rule-conditions.js';
import type { ValueTest } from './rule-conditions.js';
import { allocateData, copyRow, typedRow } from './rule-values.js';
import type { TypedRow } from './rule-values.js';

/** What the rules are checked and compiled against: the model version's named features and output specs. */
export interface RulesTarget {
  /** The version's named features (`ModelVersion.features`); null when it has none. */
  readonly features: FeatureSignature | null;
  /** The version's outputs (`ModelVersion.signature.outputs`), in signature order. */
  readonly outputs: readonly TensorSpec[];
}

/** Why the rules cannot answer a request: one sentence, e.g. "row 3 matches no case and there is no default". */
export interface RulesMiss {
  readonly miss: string;
}

/** A rule table compiled for one model version: conditions as tests, output values as typed rows. */
export interface CompiledRules {
  /** Names of the features the conditions read (deduplicated, in first-use order). */
  readonly features: readonly string[];
  /**
   * The answer for `rows` rows, or a RulesMiss saying why the rules cannot answer. `value(feature, row)` gives a
   * row's feature value (see `compileRuleInputs`); `wanted` names the outputs to answer, in order (undefined:
   * every output, in signature order). Returns one tensor per wanted output, shaped `[rows, ...rowShape]`.
   */
  answer(rows: number, value: (feature: string, row: number) => ColumnValue, wanted: readonly string[] | undefined): Tensor[] | RulesMiss;
}

/** The features of each row of one request body, as conditions read them. */
export interface RuleInputs {
  /** Rows the body carries (0 when it cannot be read, or the version has no named features). */
  readonly rows: number;
  /** The value of a named feature in a row; null when missing, unreadable or not extracted. */
  value(feature: string, row: number): ColumnValue;
}

/** Reads rule inputs from request bodies; compiled once per version. */
export interface RuleInputReader {
  read(body: unknown): RuleInputs;
}

/**
 * Checks that `rules` fit `target`: every condition names a feature of the version and fits its type, every
 * output names an output of the version (once per case) and its value is one row of it.
 * @throws MooringError INVALID_REQUEST naming the field as the wire does, e.g. message
 *   `invalid deployment policy: fallback.rules.cases[0].when[1].feature: ...` and details
 *   `{field: 'fallback.rules.cases[0].when[1].feature'}`.
 */
export function checkRulesFit(rules: FallbackRules, target: RulesTarget): void {
  build(rules, target);
}

/** Compiles `rules` for `target` (after the checks of `checkRulesFit`, which it throws the same way). */
export function compileRules(rules: FallbackRules, target: RulesTarget): CompiledRules {
  const { cases, features } = build(rules, target);
  const specs = new Map(target.outputs.map((o) => [o.name, o]));
  const all = target.outputs.map((o) => o.name);
  const byOutput = new Map<string, (TypedRow | undefined)[]>();
  for (const o of target.outputs) byOutput.set(o.name, cases.map((c) => c.outputs.get(o.name)));
  const hasDefault = rules.default !== null;
  const defaultIndex = cases.length - 1;

  const label = (c: number): string => (hasDefault && c === defaultIndex ? 'the default' : `case ${c}`);

  return {
    features,
    answer(rows, value, wanted) {
      if (!Number.isSafeInteger(rows) || rows < 0) return { miss: `${rows} is not a row count` };
      const names = wanted ?? all;
      for (const name of names) {
        const spec = specs.get(name);
        if (spec === undefined) return { miss: `the model has no output "${name}"` };
        const first = spec.shape[0];
        if (first === undefined) return { miss: `output "${name}" has no row dimension (shape []), so rules cannot answer it` };
        if (first !== -1 && first !== rows) {
          return { miss: `output "${name}" has a fixed first dimension of ${first}, so it cannot answer ${rows} rows` };
        }
      }
      // The case answering each row; the cases used, in the order of the first row each answers, and that row.
      const chosen = new Int32Array(rows);
      const firstRow = new Int32Array(cases.length).fill(-1);
      const usedCases: number[] = [];
      for (let r = 0; r < rows; r++) {
        const c = matchRow(cases, value, r);
        if (c < 0) return { miss: `row ${r} matches no case and there is no default` };
        chosen[r] = c;
        if (firstRow[c] === -1) {
          firstRow[c] = r;
          usedCases.push(c);
        }
      }
      const out: Tensor[] = [];
      for (const name of names) {
        const spec = specs.get(name)!;
        const perCase = byOutput.get(name)!;
        let shape: readonly number[] | null = null;
        let shapeCase = -1;
        for (const c of usedCases) {
          const row = perCase[c];
          if (row === undefined) {
            const which = hasDefault && c === defaultIndex ? 'falls to the default' : `matches case ${c}`;
            return { miss: `row ${firstRow[c]} ${which}, which gives no output "${name}"` };
          }
          if (shape === null) {
            shape = row.shape;
            shapeCase = c;
          } else if (!sameShape(shape, row.shape)) {
            return {
              miss:
                `output "${name}": row ${firstRow[c]} (${label(c)}) has row shape [${row.shape.join(', ')}] but ` +
                `row ${firstRow[shapeCase]} (${label(shapeCase)}) has [${shape.join(', ')}]`,
            };
          }
        }
        const rowShape = shape ?? emptyRowShape(spec, perCase);
        let size = 1;
        for (const d of rowShape) size *= d;
        const data = allocateData(spec.datatype, rows * size);
        if (size > 0) for (let r = 0; r < rows; r++) copyRow(data, r * size, perCase[chosen[r]!]!);
        out.push({ name, datatype: spec.datatype, shape: [rows, ...rowShape], data });
      }
      return out;
    },
  };
}

/**
 * Reads the named features `names` of each row of a request body (records by feature name, packed rows, v2
 * bodies) for conditions, through the monitoring row extractor so both read bodies the same way. With no features
 * (null) or an unreadable body: rows 0 and every value null. Names that are not features of the version read null.
 */
export function compileRuleInputs(features: FeatureSignature | null, names: readonly string[]): RuleInputReader {
  const none: RuleInputs = { rows: 0, value: () => null };
  if (features === null) return { read: () => none };
  const specs = new Map(features.features.map((f) => [f.name, f]));
  const known = [...new Set(names)].filter((n) => specs.has(n));
  const extractor = compileRowExtractor({
    features,
    outputs: [],
    columns: known.map((name) => ({ name, kind: 'feature' as const, type: specs.get(name)!.type })),
  });
  const column = new Map(known.map((n, i) => [n, i]));
  return {
    read(body) {
      const { rows, values } = extractor.extract(body, null);
      if (rows === 0) return none;
      return {
        rows,
        value(feature, row) {
          const i = column.get(feature);
          return i === undefined ? null : (values[i]?.[row] ?? null);
        },
      };
    },
  };
}

/** One case (or the default, last) compiled: its condition tests and its typed output rows by name. */
interface CompiledCase {
  readonly when: readonly { readonly feature: string; readonly test: ValueTest }[];
  readonly outputs: ReadonlyMap<string, TypedRow>;
}

/** Index of the first case (the default last) every condition of which holds for row `r`; -1 when none. */
function matchRow(cases: readonly CompiledCase[], value: (feature: string, row: number) => ColumnValue, r: number): number {
  for (let c = 0; c < cases.length; c++) {
    const when = cases[c]!.when;
    let all = true;
    for (let k = 0; k < when.length; k++) {
      const cond = when[k]!;
      if (!cond.test(value(cond.feature, r))) {
        all = false;
        break;
      }
    }
    if (all) return c;
  }
  return -1;
}

/** Checks and compiles every case, the default last (as a case with no conditions); throws at the first misfit. */
function build(rules: FallbackRules, target: RulesTarget): { cases: CompiledCase[]; features: string[] } {
  if (rules.cases.length === 0 && rules.default === null) misfit([], 'rules need at least one case or a default');
  const featureSpecs = new Map<string, FeatureSpec>((target.features?.features ?? []).map((f) => [f.name, f]));
  const outputSpecs = new Map(target.outputs.map((o) => [o.name, o]));
  const used = new Set<string>();
  const cases: CompiledCase[] = rules.cases.map((c, i) => {
    const when = c.when.map((cond, k) => {
      const at = ['cases', i, 'when', k];
      const spec = featureSpecs.get(cond.feature);
      if (spec === undefined) misfit([...at, 'feature'], unknownFeature(cond.feature, target.features));
      const test = compileCondition(cond, spec);
      if (typeof test !== 'function') misfit([...at, test.field], test.problem);
      used.add(cond.feature);
      return { feature: cond.feature, test };
    });
    return { when, outputs: compileOutputs(c.outputs, outputSpecs, ['cases', i, 'outputs']) };
  });
  if (rules.default !== null) cases.push({ when: [], outputs: compileOutputs(rules.default.outputs, outputSpecs, ['default', 'outputs']) });
  return { cases, features: [...used] };
}

function compileOutputs(outputs: readonly RuleOutput[], specs: ReadonlyMap<string, TensorSpec>, at: (string | number)[]): Map<string, TypedRow> {
  const rows = new Map<string, TypedRow>();
  outputs.forEach((o, j) => {
    const spec = specs.get(o.name);
    if (spec === undefined) {
      const names = [...specs.keys()].map((n) => `"${n}"`).join(', ');
      misfit([...at, j, 'name'], `"${o.name}" is not an output of the model version (its outputs: ${names || 'none'})`);
    }
    if (rows.has(o.name)) misfit([...at, j, 'name'], `output "${o.name}" is given twice in one case`);
    if (spec.shape.length === 0) misfit([...at, j, 'name'], `output "${o.name}" has no row dimension (shape []), so rules cannot answer it`);
    const row = typedRow(o.value, spec);
    if ('problem' in row) {
      const where = row.at === '' ? '' : ` at ${row.at}`;
      misfit([...at, j, 'value'], `not a row of output "${o.name}" (${spec.datatype} [${spec.shape.join(', ')}])${where}: ${row.problem}`);
    }
    rows.set(o.name, row);
  });
  return rows;
}

function unknownFeature(name: string, features: FeatureSignature | null): string {
  if (features === null) {
    return `the model version has no named features, so a condition cannot read "${name}" (use a case without conditions, or the default)`;
  }
  const names = features.features.map((f) => f.name);
  const listed = names.slice(0, 20).map((n) => `"${n}"`).join(', ') + (names.length > 20 ? ', ...' : '');
  return `"${name}" is not a named feature of the model version (its features: ${listed || 'none'})`;
}

/** Throws the INVALID_REQUEST a policy refusal is, naming the field under `fallback.rules` as the wire does. */
function misfit(path: readonly (string | number)[], problem: string): never {
  const field = issuePath(path, { root: 'fallback.rules', key: snakeCase });
  throw fail('INVALID_REQUEST', `invalid deployment policy: ${field}: ${problem}`, { field });
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The row shape of an output when no row is answered: a given row's shape, else the spec's with -1 as 0. */
function emptyRowShape(spec: TensorSpec, perCase: readonly (TypedRow | undefined)[]): readonly number[] {
  const given = perCase.find((r) => r !== undefined);
  return given ? given.shape : spec.shape.slice(1).map((d) => Math.max(d, 0));
}
