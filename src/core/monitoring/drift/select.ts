/**
 * Which drift test a column gets and how its result is judged, as Evidently decides by default
 * (`_get_default_stattest`, the stattests' default thresholds, `get_dataset_drift`):
 *
 * | column                                      | reference <= 1000 rows     | reference > 1000 rows        |
 * |---------------------------------------------|----------------------------|------------------------------|
 * | numerical, > 5 distinct values              | KS, drift if p <= 0.05     | normed Wasserstein >= 0.1    |
 * | numerical 3-5 distinct, categorical > 2     | chi-square, drift if p < 0.05 | Jensen-Shannon >= 0.1     |
 * | at most 2 distinct values                   | Z test, drift if p < 0.05  | Jensen-Shannon >= 0.1        |
 *
 * Distinct values are counted over reference and current together. PSI (>= 0.1) is available but never a default.
 * A dataset drifts when the share of drifted columns is at least 0.5.
 */

import type { ColumnType } from '../../profile/types.js';
import { fail } from '../../errors.js';
import { chiSquareTest } from './chisquare.js';
import { jensenShannonTest } from './jensenshannon.js';
import { ks2samp } from './ks.js';
import { psi } from './psi.js';
import type { DriftValue } from './sample.js';
import { wassersteinNormed } from './wasserstein.js';
import { zTest } from './ztest.js';

/** The drift tests Mooring implements, by Evidently's names (Evidently calls the Z test "z"). */
export type DriftMethod = 'ks' | 'wasserstein' | 'psi' | 'jensenshannon' | 'chisquare' | 'ztest';

/** Every drift method, for validation of user input. */
export const DRIFT_METHODS: readonly DriftMethod[] = [
  'ks',
  'wasserstein',
  'psi',
  'jensenshannon',
  'chisquare',
  'ztest',
];

/** Evidently's default threshold of each test: a significance level for p-values, a cut-off for distances. */
export const DEFAULT_THRESHOLDS: Readonly<Record<DriftMethod, number>> = {
  ks: 0.05,
  chisquare: 0.05,
  ztest: 0.05,
  wasserstein: 0.1,
  psi: 0.1,
  jensenshannon: 0.1,
};

/** Evidently's default share of drifted columns at which the whole dataset counts as drifted. */
export const DEFAULT_DRIFT_SHARE = 0.5;

/** Evidently's boundary between small and large reference sets (rows). */
const SMALL_REFERENCE_ROWS = 1000;

/** The outcome of one drift test on one column. */
export interface DriftTestResult {
  readonly method: DriftMethod;
  /** KS D, chi-square χ², Z, or the distance itself for Wasserstein / PSI / Jensen-Shannon. */
  readonly statistic: number;
  /** The p-value of KS, chi-square and Z; null for the distances. */
  readonly p_value: number | null;
  readonly threshold: number;
  /** Whether the test says the column drifted (false when the score is NaN). */
  readonly drift: boolean;
}

/**
 * Evidently's default test for a column with `referenceRows` rows in the reference and `uniqueCount` distinct
 * values over reference and current together (see the table above).
 */
export function defaultDriftMethod(referenceRows: number, uniqueCount: number, type: ColumnType): DriftMethod {
  if (referenceRows <= SMALL_REFERENCE_ROWS) {
    if (type === 'numerical' && uniqueCount > 5) return 'ks';
    return uniqueCount > 2 ? 'chisquare' : 'ztest';
  }
  if (type === 'numerical' && uniqueCount > 5) return 'wasserstein';
  return 'jensenshannon';
}

/** Evidently's cleaning before a test: NaN and ±Infinity are dropped (strings are kept as they are). */
function dropNonFinite(values: ArrayLike<DriftValue>): DriftValue[] {
  const out: DriftValue[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out.push(v);
  }
  return out;
}

function requireNumbers(values: readonly DriftValue[], name: string, method: DriftMethod): number[] {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') {
      throw fail('INVALID_REQUEST', `${method} needs numbers, but ${name}[${i}] is not one`, {
        method,
        argument: name,
        index: i,
      });
    }
  }
  return values as number[];
}

/**
 * Runs drift test `method` on one column, as Evidently's stattest of that name: NaN and ±Infinity are dropped
 * first, then an empty sample is refused (INVALID_REQUEST). KS and Wasserstein need a numerical column of
 * numbers. `threshold` defaults to Evidently's for the method.
 */
export function driftTest(
  method: DriftMethod,
  reference: ArrayLike<DriftValue>,
  current: ArrayLike<DriftValue>,
  type: ColumnType,
  threshold: number = DEFAULT_THRESHOLDS[method],
): DriftTestResult {
  if (!Number.isFinite(threshold)) {
    throw fail('INVALID_REQUEST', 'the threshold must be a finite number', { threshold });
  }
  const ref = dropNonFinite(reference);
  const cur = dropNonFinite(current);
  if (ref.length === 0) throw fail('INVALID_REQUEST', 'the reference has no finite values', { argument: 'reference' });
  if (cur.length === 0) {
    throw fail('INVALID_REQUEST', 'the current sample has no finite values', { argument: 'current' });
  }
  if ((method === 'ks' || method === 'wasserstein') && type !== 'numerical') {
    throw fail('INVALID_REQUEST', `${method} applies to numerical columns only`, { method, type });
  }
  switch (method) {
    case 'ks': {
      const r = ks2samp(requireNumbers(ref, 'reference', method), requireNumbers(cur, 'current', method));
      return { method, statistic: r.statistic, p_value: r.pvalue, threshold, drift: r.pvalue <= threshold };
    }
    case 'chisquare': {
      const r = chiSquareTest(ref, cur);
      return { method, statistic: r.statistic, p_value: r.pvalue, threshold, drift: r.pvalue < threshold };
    }
    case 'ztest': {
      const r = zTest(ref, cur);
      return { method, statistic: r.statistic, p_value: r.pvalue, threshold, drift: r.pvalue < threshold };
    }
    case 'wasserstein': {
      const d = wassersteinNormed(requireNumbers(ref, 'reference', method), requireNumbers(cur, 'current', method));
      return { method, statistic: d, p_value: null, threshold, drift: d >= threshold };
    }
    case 'psi': {
      const d = psi(ref, cur, type);
      return { method, statistic: d, p_value: null, threshold, drift: d >= threshold };
    }
    case 'jensenshannon': {
      const d = jensenShannonTest(ref, cur, type);
      return { method, statistic: d, p_value: null, threshold, drift: d >= threshold };
    }
    default: {
      const unknown: never = method;
      throw fail('INVALID_REQUEST', `unknown drift method ${String(unknown)}`, { method: unknown });
    }
  }
}

/**
 * The drift of one column with Evidently's default choice of test (after dropping NaN and ±Infinity), or with
 * `method` when given.
 */
export function columnDrift(
  reference: ArrayLike<DriftValue>,
  current: ArrayLike<DriftValue>,
  type: ColumnType,
  options: { readonly method?: DriftMethod; readonly threshold?: number } = {},
): DriftTestResult {
  let method = options.method;
  if (method === undefined) {
    const ref = dropNonFinite(reference);
    const distinct = new Set<DriftValue>(ref);
    for (const v of dropNonFinite(current)) distinct.add(v);
    method = defaultDriftMethod(ref.length, distinct.size, type);
  }
  return driftTest(method, reference, current, type, options.threshold ?? DEFAULT_THRESHOLDS[method]);
}

/** Whether a set of columns drifted as a whole. */
export interface DatasetDriftResult {
  readonly columns: number;
  readonly driftedColumns: number;
  /** driftedColumns / columns. */
  readonly share: number;
  /** share >= the drift share (0.5 by default). */
  readonly drift: boolean;
}

/**
 * Evidently's `get_dataset_drift`: the dataset drifts when the share of drifted columns is at least `driftShare`.
 * Refuses an empty list of columns (INVALID_REQUEST).
 */
export function datasetDrift(
  columns: readonly { readonly drift: boolean }[],
  driftShare: number = DEFAULT_DRIFT_SHARE,
): DatasetDriftResult {
  if (columns.length === 0) throw fail('INVALID_REQUEST', 'dataset drift needs at least one column', {});
  const drifted = columns.filter((c) => c.drift).length;
  const share = drifted / columns.length;
  return { columns: columns.length, driftedColumns: drifted, share, drift: share >= driftShare };
}
