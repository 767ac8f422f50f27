/**
 * The vocabulary of input validation: what can be wrong with one field of one row, and whether the model could
 * still run on it. A `schema` problem means the input cannot be turned into the tensor the model takes (so it can
 * only be refused or handed to a fallback); an `anomaly` means it can, but the value lies outside what the model
 * saw in training (so it may also be served with a warning).
 */

/** Problems that make the input unusable. */
export const SCHEMA_PROBLEMS = [
  'missing', // a feature the model needs is absent
  'unknown_field', // a field the model does not have
  'wrong_type', // e.g. a string where a number belongs, an object where a category belongs
  'null', // null for a feature that is not nullable
  'non_finite', // NaN, ±Infinity, or a number the input's datatype cannot hold (1e39 for FP32)
  'too_long', // a string longer than the configured limit
] as const;

/** Problems that make the input suspicious but usable. */
export const ANOMALY_PROBLEMS = [
  'out_of_range', // a number outside the training range (widened by the tolerance)
  'unseen_category', // a category the training data never had
] as const;

/** One kind of problem. */
export type ProblemKind = (typeof SCHEMA_PROBLEMS)[number] | (typeof ANOMALY_PROBLEMS)[number];

/** Every problem kind, for metric label pre-creation and docs. */
export const PROBLEM_KINDS: readonly ProblemKind[] = [...SCHEMA_PROBLEMS, ...ANOMALY_PROBLEMS];

const ANOMALY_SET: ReadonlySet<string> = new Set(ANOMALY_PROBLEMS);

/** Whether a problem still lets the model run. */
export function isAnomaly(kind: ProblemKind): boolean {
  return ANOMALY_SET.has(kind);
}

/** One problem: row index in the request (0-based), the field (feature or input name), what is wrong, and detail. */
export interface Problem {
  readonly row: number;
  readonly field: string;
  readonly problem: ProblemKind;
  readonly detail: string;
}

/** Problems kept per request; the counts stay exact past it. */
export const MAX_REPORTED_PROBLEMS = 100;

/**
 * Collects a request's problems. Allocated lazily by the checkers, only once something is wrong, so a clean
 * request allocates nothing.
 */
export class ProblemReport {
  readonly problems: Problem[] = [];
  schema = 0;
  anomalies = 0;
  /** Counts per kind, for metrics. */
  readonly byKind = new Map<ProblemKind, number>();

  add(row: number, field: string, problem: ProblemKind, detail: string): void {
    if (isAnomaly(problem)) this.anomalies++;
    else this.schema++;
    this.byKind.set(problem, (this.byKind.get(problem) ?? 0) + 1);
    if (this.problems.length < MAX_REPORTED_PROBLEMS) this.problems.push({ row, field, problem, detail });
  }

  get total(): number {
    return this.schema + this.anomalies;
  }

  /** The problems of one class, in the order found. */
  only(cls: 'schema' | 'anomaly'): Problem[] {
    return this.problems.filter((p) => isAnomaly(p.problem) === (cls === 'anomaly'));
  }
}
