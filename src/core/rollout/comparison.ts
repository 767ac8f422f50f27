/**
 * The comparison behind `mooring shadow report` and `mooring replay`: for each request, the primary's answer and a
 * candidate's answer to the same input (or the error either failed with), reduced to how often they agree, how far
 * their scores are apart, how fast each side was, and how often the candidate failed. Pure.
 *
 * Agreement is per row, by the first rule that applies to the pair of rows:
 * - `class`: both rows have a class output (BOOL, integer or string, as `predictionValues` reads it): the classes
 *   are equal;
 * - `argmax`: both rows have a float output of the same width >= 2 (a probability vector): the index of the largest
 *   element is equal (the first one on ties, as numpy's argmax);
 * - `threshold`: both rows have one float each, and every single float of the comparison (both sides, all rows) lies
 *   in [0, 1], so it reads as a probability: both are above 0.5 or both are not (a `Greater` node's reading);
 * - `tolerance`: both rows have one float each otherwise (a regressor): |candidate - primary| <=
 *   `REGRESSION_TOLERANCE` · max(1, |primary|), a relative tolerance that becomes absolute near zero;
 * - otherwise the rows cannot be compared (different outputs or widths) and count as disagreeing.
 * The differences (`meanAbsDiff`, `maxAbsDiff`) are over the elements of the first float output of every pair of
 * rows of equal width. Latency percentiles are numpy's default (`np.quantile`, linear) over every request of a side,
 * failed ones included (a request that failed slowly was still slow).
 */
import type { TensorSpec } from '../inference/tensor.js';
import { answeredRows, predictionRow } from '../monitoring/prediction-values.js';
import { quantileSorted } from '../profile/quantiles.js';

/** Relative tolerance of the `tolerance` rule (regressors): agreement when |b - a| <= 1e-6 · max(1, |a|). */
export const REGRESSION_TOLERANCE = 1e-6;

/** Above this a single probability is the positive class (both sides must be on the same side of it to agree). */
export const PROBABILITY_THRESHOLD = 0.5;

/** The rules agreement can be judged by; see the module comment. */
export type AgreementRule = 'class' | 'argmax' | 'threshold' | 'tolerance';

/** One row of an answer, as a comparison needs it. */
export interface AnswerRow {
  /** The predicted class as text, or null when the answer has no class output. */
  readonly label: string | null;
  /** The first floating-point output's elements in this row, or null when there is none. */
  readonly scores: readonly number[] | null;
}

/** One side's answer to one request: its rows (null when the body could not be read), or the error it failed with. */
export type SideAnswer =
  | { readonly ok: true; readonly rows: readonly AnswerRow[] | null; readonly latencyMs: number }
  | { readonly ok: false; readonly error: string; readonly latencyMs: number };

/** The two answers to one request. */
export interface ComparedRequest {
  readonly primary: SideAnswer;
  readonly candidate: SideAnswer;
}

/** p50 and p99 of one side's latency in milliseconds; null when the side has no requests. */
export interface LatencySummary {
  readonly p50: number | null;
  readonly p99: number | null;
}

/** The comparison of a candidate with the primary over a set of requests. */
export interface Comparison {
  /** Requests compared (each with both answers, failed ones included). */
  readonly requests: number;
  /** Rows compared: the rows of requests both sides answered, with readable bodies of equal row counts. */
  readonly rows: number;
  /** Rows that agree. */
  readonly agreeing: number;
  /** agreeing / rows; null when no row was compared. */
  readonly agreement: number | null;
  /** The rule the rows were judged by; `mixed` when rows needed different rules; null when no row was compared. */
  readonly rule: AgreementRule | 'mixed' | null;
  /** Rows judged by each rule (rows that could not be compared under none). */
  readonly rowsByRule: Readonly<Record<AgreementRule, number>>;
  /** Rows that could not be compared (different outputs or widths); they count as disagreeing. */
  readonly incomparableRows: number;
  /** Requests both sides answered but whose bodies could not be read or answered different row counts (left out). */
  readonly unreadable: number;
  /** Mean absolute difference of the first float output's elements; null when there were none. */
  readonly meanAbsDiff: number | null;
  /** Largest absolute difference of those elements; null when there were none. */
  readonly maxAbsDiff: number | null;
  readonly latencyMs: { readonly primary: LatencySummary; readonly candidate: LatencySummary };
  /** Requests each side failed. */
  readonly errors: { readonly primary: number; readonly candidate: number };
  /** The candidate's failures by error code. */
  readonly candidateErrorCodes: Readonly<Record<string, number>>;
}

/**
 * The rows of a logged (or freshly encoded) response body, read with `predictionRow`: null when the body is not a
 * records or v2 answer whose every row can be read. `outputs` is the answering version's output signature (a records
 * body carries no datatypes).
 */
export function answerRows(body: unknown, outputs?: readonly TensorSpec[] | null): AnswerRow[] | null {
  const n = answeredRows(body);
  if (n === null) return null;
  const rows: AnswerRow[] = [];
  for (let r = 0; r < n; r++) {
    const row = predictionRow(body, r, outputs);
    if (row === null) return null;
    rows.push({ label: row.predictedClass, scores: row.floats });
  }
  return rows;
}

/** Compares the candidate's answers with the primary's; see the module comment for the rules. */
export function compareAnswers(requests: readonly ComparedRequest[]): Comparison {
  const primaryLatency: number[] = [];
  const candidateLatency: number[] = [];
  const codes: Record<string, number> = {};
  let primaryErrors = 0;
  let candidateErrors = 0;
  let unreadable = 0;
  const pairs: Array<readonly [AnswerRow, AnswerRow]> = [];
  for (const r of requests) {
    primaryLatency.push(r.primary.latencyMs);
    candidateLatency.push(r.candidate.latencyMs);
    if (!r.primary.ok) primaryErrors++;
    if (!r.candidate.ok) {
      candidateErrors++;
      codes[r.candidate.error] = (codes[r.candidate.error] ?? 0) + 1;
    }
    if (!r.primary.ok || !r.candidate.ok) continue;
    const a = r.primary.rows;
    const b = r.candidate.rows;
    if (a === null || b === null || a.length !== b.length) {
      unreadable++;
      continue;
    }
    for (let i = 0; i < a.length; i++) pairs.push([a[i]!, b[i]!]);
  }

  const probabilities = pairs.every(([a, b]) => !single(a) || !single(b) || (unit(a.scores![0]!) && unit(b.scores![0]!)));
  const rowsByRule: Record<AgreementRule, number> = { class: 0, argmax: 0, threshold: 0, tolerance: 0 };
  let agreeing = 0;
  let incomparable = 0;
  let diffs = 0;
  let diffSum = 0;
  let diffMax = 0;
  for (const [a, b] of pairs) {
    const rule = ruleFor(a, b, probabilities);
    if (rule === null) incomparable++;
    else {
      rowsByRule[rule]++;
      if (agrees(rule, a, b)) agreeing++;
    }
    if (a.scores !== null && b.scores !== null && a.scores.length === b.scores.length) {
      for (let j = 0; j < a.scores.length; j++) {
        const d = Math.abs(b.scores[j]! - a.scores[j]!);
        diffs++;
        diffSum += d;
        if (d > diffMax) diffMax = d;
      }
    }
  }
  const used = (Object.keys(rowsByRule) as AgreementRule[]).filter((k) => rowsByRule[k] > 0);
  return {
    requests: requests.length,
    rows: pairs.length,
    agreeing,
    agreement: pairs.length === 0 ? null : agreeing / pairs.length,
    rule: used.length === 0 ? null : used.length === 1 ? used[0]! : 'mixed',
    rowsByRule,
    incomparableRows: incomparable,
    unreadable,
    meanAbsDiff: diffs === 0 ? null : diffSum / diffs,
    maxAbsDiff: diffs === 0 ? null : diffMax,
    latencyMs: { primary: summary(primaryLatency), candidate: summary(candidateLatency) },
    errors: { primary: primaryErrors, candidate: candidateErrors },
    candidateErrorCodes: codes,
  };
}

function single(row: AnswerRow): boolean {
  return row.label === null && row.scores !== null && row.scores.length === 1;
}

function unit(v: number): boolean {
  return v >= 0 && v <= 1;
}

function ruleFor(a: AnswerRow, b: AnswerRow, probabilities: boolean): AgreementRule | null {
  if (a.label !== null && b.label !== null) return 'class';
  if (a.scores === null || b.scores === null || a.scores.length !== b.scores.length) return null;
  if (a.scores.length >= 2) return 'argmax';
  return probabilities ? 'threshold' : 'tolerance';
}

function agrees(rule: AgreementRule, a: AnswerRow, b: AnswerRow): boolean {
  switch (rule) {
    case 'class':
      return a.label === b.label;
    case 'argmax':
      return argmax(a.scores!) === argmax(b.scores!);
    case 'threshold':
      return a.scores![0]! > PROBABILITY_THRESHOLD === b.scores![0]! > PROBABILITY_THRESHOLD;
    case 'tolerance': {
      const x = a.scores![0]!;
      return Math.abs(b.scores![0]! - x) <= REGRESSION_TOLERANCE * Math.max(1, Math.abs(x));
    }
  }
}

/** The index of the largest element; the first on ties (numpy's argmax). */
function argmax(v: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i]! > v[best]!) best = i;
  return best;
}

function summary(latencies: number[]): LatencySummary {
  if (latencies.length === 0) return { p50: null, p99: null };
  const sorted = latencies.sort((x, y) => x - y);
  return { p50: quantileSorted(sorted, 0.5), p99: quantileSorted(sorted, 0.99) };
}
