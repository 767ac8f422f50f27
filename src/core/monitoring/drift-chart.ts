/**
 * What a drift report draws per column: reference and current shares over common bins (a numerical column) or per
 * category (a categorical one). Pure data; `services/drift-html.ts` turns it into SVG.
 */

import type { CategoryCounts } from './drift/category-counts.js';

/** Equal-width bins over both samples, with each sample's share per bin. */
export interface HistogramChart {
  readonly kind: 'histogram';
  /** `bins + 1` edges, ascending. */
  readonly edges: readonly number[];
  readonly reference: readonly number[];
  readonly current: readonly number[];
}

/** The most frequent categories of both samples, with each sample's share; the rest summed as one bar. */
export interface BarChart {
  readonly kind: 'bars';
  readonly categories: readonly string[];
  readonly reference: readonly number[];
  readonly current: readonly number[];
  /** Shares of everything not drawn on its own (categories beyond the first ones and uncounted rows). */
  readonly rest: { readonly reference: number; readonly current: number };
}

/** One column's chart. */
export type DriftChart = HistogramChart | BarChart;

/** Bins of a numerical chart. */
export const HISTOGRAM_BINS = 20;
/** Categories drawn on their own in a categorical chart. */
export const MAX_BARS = 12;

/** The histogram of two numerical samples over common bins; null when both are empty. */
export function histogramChart(reference: readonly number[], current: readonly number[], bins = HISTOGRAM_BINS): HistogramChart | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of reference) if (Number.isFinite(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
  for (const v of current) if (Number.isFinite(v)) ((lo = Math.min(lo, v)), (hi = Math.max(hi, v)));
  if (lo > hi) return null;
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * step));
  const shares = (values: readonly number[]): number[] => {
    const counts = new Array<number>(bins).fill(0);
    let n = 0;
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      counts[Math.min(bins - 1, Math.floor((v - lo) / step))]!++;
      n++;
    }
    return n === 0 ? counts : counts.map((c) => c / n);
  };
  return { kind: 'histogram', edges, reference: shares(reference), current: shares(current) };
}

/** The bar chart of two category counts; null when both are empty. */
export function barChart(reference: CategoryCounts, current: CategoryCounts, maxBars = MAX_BARS): BarChart | null {
  const total = (c: CategoryCounts): number => {
    let n = c.other;
    for (const v of c.counts.values()) n += v;
    return n;
  };
  const nr = total(reference);
  const nc = total(current);
  if (nr === 0 && nc === 0) return null;
  const share = (count: number, n: number): number => (n === 0 ? 0 : count / n);
  const keys = new Set<string>([...reference.counts.keys(), ...current.counts.keys()]);
  const rows = [...keys].map((k) => ({
    k,
    r: share(reference.counts.get(k) ?? 0, nr),
    c: share(current.counts.get(k) ?? 0, nc),
  }));
  rows.sort((a, b) => Math.max(b.r, b.c) - Math.max(a.r, a.c) || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
  const shown = rows.slice(0, maxBars);
  let restR = share(reference.other, nr);
  let restC = share(current.other, nc);
  for (const row of rows.slice(maxBars)) {
    restR += row.r;
    restC += row.c;
  }
  return {
    kind: 'bars',
    categories: shown.map((r) => r.k),
    reference: shown.map((r) => r.r),
    current: shown.map((r) => r.c),
    rest: { reference: restR, current: restC },
  };
}
