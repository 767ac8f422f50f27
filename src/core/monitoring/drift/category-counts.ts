/**
 * The categorical drift tests (chi-square, Z, Jensen-Shannon, PSI) computed from category counts instead of one
 * value per row. Evidently's categorical tests only ever look at how often each value occurs, so counts give the
 * same numbers as `driftTest` on the expanded samples (a test keeps them equal), while memory stays bounded by the
 * number of categories however many rows a window or a reference holds.
 *
 * A sample may also carry an `other` count: rows whose category was not kept (a profile keeps its most frequent
 * categories, a window counts a bounded number). `other` is one more bin, shared by both samples, that sorts after
 * every category.
 */

import { fail } from '../../errors.js';
import { fillEmpty } from './binning.js';
import { chisquare } from './chisquare.js';
import { jensenShannonDistance } from './jensenshannon.js';
import { psiOfShares } from './psi.js';
import { compareValues } from './sample.js';
import { DEFAULT_THRESHOLDS } from './select.js';
import type { DriftMethod, DriftTestResult } from './select.js';
import { proportionsZStat, zTestPvalue } from './ztest.js';

/** How often each category occurs in one sample. */
export interface CategoryCounts {
  /** Exact counts of the categories kept (zero counts are ignored). */
  readonly counts: ReadonlyMap<string, number>;
  /** Rows whose category was not kept; 0 when every category was. */
  readonly other: number;
}

/** The drift tests that work on category counts. */
export type CategoricalDriftMethod = Exclude<DriftMethod, 'ks' | 'wasserstein'>;

/** Whether `method` can run on category counts (KS and Wasserstein need numbers). */
export function isCategoricalMethod(method: DriftMethod): method is CategoricalDriftMethod {
  return method !== 'ks' && method !== 'wasserstein';
}

const OTHER = Symbol('other');
type Key = string | typeof OTHER;

interface Tally {
  readonly counts: Map<Key, number>;
  readonly total: number;
}

function tally(c: CategoryCounts, name: string): Tally {
  const counts = new Map<Key, number>();
  let total = 0;
  const add = (key: Key, n: number): void => {
    if (!Number.isSafeInteger(n) || n < 0) throw fail('INVALID_REQUEST', `${name} has a count that is not a whole number >= 0`, { argument: name });
    if (n === 0) return;
    counts.set(key, n);
    total += n;
  };
  for (const [key, n] of c.counts) add(key, n);
  add(OTHER, c.other);
  if (total === 0) throw fail('INVALID_REQUEST', `${name} must not be empty`, { argument: name });
  return { counts, total };
}

/** The reference's keys in order, then the current's new ones (Evidently's union of categories). */
function union(ref: Tally, cur: Tally): Key[] {
  const keys = [...ref.counts.keys()];
  for (const k of cur.counts.keys()) if (!ref.counts.has(k)) keys.push(k);
  return keys;
}

function compareKeys(a: Key, b: Key): number {
  if (a === OTHER) return b === OTHER ? 0 : 1;
  if (b === OTHER) return -1;
  return compareValues(a, b);
}

/**
 * Runs a categorical drift test on category counts; the same result as `driftTest(method, reference, current,
 * 'categorical', threshold)` on the samples the counts describe. Fails (INVALID_REQUEST) on an empty sample, a
 * count that is not a whole number, or a non-finite threshold.
 */
export function categoricalDriftTest(
  method: CategoricalDriftMethod,
  reference: CategoryCounts,
  current: CategoryCounts,
  threshold: number = DEFAULT_THRESHOLDS[method],
): DriftTestResult {
  if (!Number.isFinite(threshold)) throw fail('INVALID_REQUEST', 'the threshold must be a finite number', { threshold });
  const ref = tally(reference, 'reference');
  const cur = tally(current, 'current');
  const keys = union(ref, cur);
  switch (method) {
    case 'chisquare': {
      const kNorm = cur.total / ref.total;
      const fExp = new Float64Array(keys.length);
      const fObs = new Float64Array(keys.length);
      keys.forEach((k, i) => {
        fExp[i] = (ref.counts.get(k) ?? 0) * kNorm;
        fObs[i] = cur.counts.get(k) ?? 0;
      });
      const r = chisquare(fObs, fExp);
      return { method, statistic: r.statistic, p_value: r.pvalue, threshold, drift: r.pvalue < threshold };
    }
    case 'ztest': {
      const [only] = ref.counts.keys();
      if (ref.counts.size === 1 && cur.counts.size === 1 && cur.counts.has(only!)) {
        return { method, statistic: 0, p_value: 1, threshold, drift: 1 < threshold };
      }
      let first: Key = keys[0]!;
      for (const k of keys) if (compareKeys(k, first) < 0) first = k;
      const x1 = ref.total - (ref.counts.get(first) ?? 0);
      const x2 = cur.total - (cur.counts.get(first) ?? 0);
      const statistic = proportionsZStat(x1, ref.total, x2, cur.total);
      const p = zTestPvalue(statistic);
      return { method, statistic, p_value: p, threshold, drift: p < threshold };
    }
    case 'jensenshannon':
    case 'psi': {
      const rs = new Float64Array(keys.length);
      const cs = new Float64Array(keys.length);
      keys.forEach((k, i) => {
        rs[i] = (ref.counts.get(k) ?? 0) / ref.total;
        cs[i] = (cur.counts.get(k) ?? 0) / cur.total;
      });
      let d: number;
      if (method === 'psi') {
        fillEmpty(rs);
        fillEmpty(cs);
        d = psiOfShares(rs, cs);
      } else {
        d = jensenShannonDistance(rs, cs);
      }
      return { method, statistic: d, p_value: null, threshold, drift: d >= threshold };
    }
    default: {
      const unknown: never = method;
      throw fail('INVALID_REQUEST', `${String(unknown)} does not run on category counts`, { method: unknown });
    }
  }
}

/** The number of distinct categories over both samples, `other` counting as one. */
export function distinctCategories(reference: CategoryCounts, current: CategoryCounts): number {
  const keys = new Set<string>();
  for (const [k, n] of reference.counts) if (n > 0) keys.add(k);
  for (const [k, n] of current.counts) if (n > 0) keys.add(k);
  return keys.size + (reference.other > 0 || current.other > 0 ? 1 : 0);
}
