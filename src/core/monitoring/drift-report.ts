/**
 * The drift report: every feature and output column of a version's training profile compared with the current
 * window, each with Evidently's default test (or one forced method), and whether the dataset as a whole drifted.
 * Pure: the service feeds it the profile and a window sampled from the prediction log.
 *
 * - The reference of a numerical column is the profile's sample (up to 5000 values), of a categorical one its
 *   category counts (and `otherCount` as one more bin). The reference size that picks the default test is the
 *   number of reference rows (`profile.rows` for features, `profile.outputs.rows` for outputs), as Evidently
 *   counts the rows of its reference frame; distinct values are counted over reference and current together.
 * - KS and Wasserstein need numbers: forced on a categorical column, that column keeps its default test.
 * - A column without current (or reference) values is reported with its method and threshold, a null statistic
 *   and p-value, and `drift: false`. A statistic that is not finite (χ² of a category the reference never had)
 *   is null too, its p-value 0 and `drift: true`: JSON has no Infinity.
 * - `drift_share` is the share of drifted feature columns among those that could be tested (0 when none could);
 *   the dataset drifts when it is at least 0.5. Prediction columns are reported but do not count.
 */

import type { ColumnProfile, VersionProfile } from '../profile/types.js';
import type { ColumnType } from '../profile/types.js';
import { categoricalDriftTest, distinctCategories, isCategoricalMethod } from './drift/category-counts.js';
import type { CategoryCounts } from './drift/category-counts.js';
import { datasetDrift, defaultDriftMethod, driftTest, DEFAULT_THRESHOLDS } from './drift/select.js';
import type { DriftMethod, DriftTestResult } from './drift/select.js';
import { barChart, histogramChart } from './drift-chart.js';
import type { DriftChart } from './drift-chart.js';
import type { ColumnKind, ExtractionColumn } from './row-extraction.js';
import type { WindowColumnSpec, WindowSample } from './window-sample.js';

/** The most predictions a report's `last` window may ask for. */
export const MAX_LAST = 10_000_000;

/** One compared column, as `mooring drift report --json` prints it. */
export interface DriftColumnReport {
  readonly name: string;
  readonly kind: ColumnKind;
  readonly type: ColumnType;
  readonly method: DriftMethod;
  /** The test's statistic or distance; null without data or when it is not finite. */
  readonly statistic: number | null;
  /** The p-value of KS, chi-square and Z; null for the distances and without data. */
  readonly p_value: number | null;
  readonly threshold: number;
  readonly drift: boolean;
}

/** The drift report of one version over one window (snake_case: it is the wire format as it is). */
export interface DriftReport {
  readonly model: string;
  readonly version: number;
  /** Rows of the reference data the profile was computed from. */
  readonly reference_rows: number;
  /** Rows of the current window (of logged predictions whose inputs could be read). */
  readonly current_rows: number;
  readonly dataset_drift: boolean;
  /** Share of drifted feature columns, 0..1. */
  readonly drift_share: number;
  readonly columns: readonly DriftColumnReport[];
}

/** A report and what its HTML form draws: `charts[i]` is the chart of `report.columns[i]` (null without data). */
export interface DriftAnalysis {
  readonly report: DriftReport;
  readonly charts: readonly (DriftChart | null)[];
}

/** The compared columns of a profile: its features, then its outputs, named and typed as profiled. */
export function driftColumns(profile: VersionProfile): ExtractionColumn[] {
  return [
    ...profile.features.columns.map((c) => ({ name: c.name, kind: 'feature' as const, type: c.type })),
    ...profile.outputs.columns.map((c) => ({ name: c.name, kind: 'prediction' as const, type: c.type })),
  ];
}

/** How a window of `driftColumns(profile)` is built: categorical columns always count the reference's categories. */
export function windowColumns(profile: VersionProfile): WindowColumnSpec[] {
  return profileColumns(profile).map(({ column }) =>
    column.type === 'categorical' ? { type: 'categorical', knownCategories: column.categories.map((c) => c.value) } : { type: 'numerical' },
  );
}

function profileColumns(profile: VersionProfile): { column: ColumnProfile; rows: number }[] {
  return [
    ...profile.features.columns.map((column) => ({ column, rows: profile.rows })),
    ...profile.outputs.columns.map((column) => ({ column, rows: profile.outputs.rows })),
  ];
}

/** What `compareWindow` needs besides the profile and the window. */
export interface CompareOptions {
  readonly model: string;
  readonly version: number;
  /** One method for every column instead of the defaults. */
  readonly method?: DriftMethod | undefined;
}

/**
 * Compares a window (built with `windowColumns(profile)` and fed rows extracted for `driftColumns(profile)`) with
 * the profile; see the file comment for the rules.
 */
export function compareWindow(profile: VersionProfile, window: WindowSample, options: CompareOptions): DriftAnalysis {
  const kinds = driftColumns(profile);
  const columns: Row[] = [];
  const charts: (DriftChart | null)[] = [];
  profileColumns(profile).forEach(({ column, rows }, i) => {
    const current = window.columns[i];
    const kind = kinds[i]!.kind;
    if (column.type === 'numerical') {
      const reference = column.sample;
      const cur = current?.type === 'numerical' ? current.sample() : [];
      const distinct = new Set<number>(reference);
      if (current?.type === 'numerical') for (const v of current.distinctValues()) distinct.add(v);
      const method = options.method ?? defaultDriftMethod(rows, Math.max(column.uniqueCount, distinct.size), 'numerical');
      const run = (): DriftTestResult => driftTest(method, reference, cur, 'numerical');
      columns.push(row(column.name, kind, 'numerical', method, reference.length > 0 && cur.length > 0 ? run : null));
      charts.push(histogramChart(reference, cur));
    } else {
      const reference: CategoryCounts = { counts: new Map(column.categories.map((c) => [c.value, c.count])), other: column.otherCount };
      const cur: CategoryCounts = current?.type === 'categorical' ? current.categoryCounts() : { counts: new Map(), other: 0 };
      const forced = options.method !== undefined && isCategoricalMethod(options.method) ? options.method : undefined;
      const method = forced ?? defaultDriftMethod(rows, Math.max(column.uniqueCount, distinctCategories(reference, cur)), 'categorical');
      const hasData = total(reference) > 0 && total(cur) > 0 && isCategoricalMethod(method);
      const run = (): DriftTestResult => {
        if (!isCategoricalMethod(method)) throw new Error('unreachable: a categorical column got a numerical test');
        return categoricalDriftTest(method, reference, cur);
      };
      columns.push(row(column.name, kind, 'categorical', method, hasData ? run : null));
      charts.push(barChart(reference, cur));
    }
  });
  return { report: summarize(options, profile.rows, window.rows, columns), charts };
}

function total(c: CategoryCounts): number {
  let n = c.other;
  for (const v of c.counts.values()) n += v;
  return n;
}

interface Row extends DriftColumnReport {
  /** Whether the test ran (the column had reference and current values). */
  readonly tested: boolean;
}

function row(name: string, kind: ColumnKind, type: ColumnType, method: DriftMethod, run: (() => DriftTestResult) | null): Row {
  const threshold = DEFAULT_THRESHOLDS[method];
  const untested: Row = { name, kind, type, method, statistic: null, p_value: null, threshold, drift: false, tested: false };
  if (run === null) return untested;
  let r: DriftTestResult;
  try {
    r = run();
  } catch {
    // A sample the statistics refuse (they validate everything); reported as untested rather than failing the report.
    return untested;
  }
  return {
    name,
    kind,
    type,
    method: r.method,
    statistic: Number.isFinite(r.statistic) ? r.statistic : null,
    p_value: r.p_value !== null && Number.isFinite(r.p_value) ? r.p_value : null,
    threshold: r.threshold,
    drift: r.drift,
    tested: true,
  };
}

function summarize(options: CompareOptions, referenceRows: number, currentRows: number, rows: readonly Row[]): DriftReport {
  const tested = rows.filter((c) => c.kind === 'feature' && c.tested);
  const dataset = tested.length > 0 ? datasetDrift(tested) : null;
  return {
    model: options.model,
    version: options.version,
    reference_rows: referenceRows,
    current_rows: currentRows,
    dataset_drift: dataset?.drift ?? false,
    drift_share: dataset?.share ?? 0,
    // Only the wire fields: `tested` stays inside.
    columns: rows.map(({ tested: _tested, ...c }) => c),
  };
}
