/**
 * The current window of a drift report, accumulated column by column with bounded memory: a numerical column keeps
 * a seeded uniform reservoir of its finite values (the profile's sampler, so the same log gives the same sample),
 * a categorical one exact counts of a bounded number of categories and one `other` count for the rest. The drift
 * tests then run exactly on what was kept: the whole window while it fits, a uniform sample of it beyond.
 */

import { ReservoirSampler } from '../profile/reservoir.js';
import type { ColumnType } from '../profile/types.js';
import type { CategoryCounts } from './drift/category-counts.js';
import type { ColumnValue, ExtractedRows } from './row-extraction.js';

/** How much a window keeps per column. */
export interface WindowSampleOptions {
  /** Numerical values kept per column (a uniform sample beyond). Default 5000, as the training profile. */
  readonly sampleSize?: number;
  /** Categories counted per column besides the reference's own; later new ones go to `other`. Default 1000. */
  readonly maxCategories?: number;
  /** Seed of the reservoirs. Default 1. */
  readonly seed?: number;
}

/** The defaults of `WindowSampleOptions`. */
export const WINDOW_SAMPLE_DEFAULTS = { sampleSize: 5000, maxCategories: 1000, seed: 1 } as const;

/** Distinct numerical values tracked exactly; the default test only needs to know whether there are more than 5. */
const DISTINCT_LIMIT = 64;

/** The window of one numerical column. */
export class NumericalWindow {
  readonly type = 'numerical' as const;
  /** Rows with a finite value. */
  count = 0;
  /** Rows without one (null, or a value that was not a finite number). */
  missing = 0;
  private readonly reservoir: ReservoirSampler<number>;
  private readonly distinct = new Set<number>();

  constructor(sampleSize: number, seed: number) {
    this.reservoir = new ReservoirSampler<number>(sampleSize, seed);
  }

  /** Adds one row's value. */
  add(v: ColumnValue): void {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.missing++;
      return;
    }
    const value = v + 0; // -0 is 0, as in the profile
    this.count++;
    if (this.distinct.size < DISTINCT_LIMIT) this.distinct.add(value);
    this.reservoir.add(value);
  }

  /** The kept values (every one while at most `sampleSize` were added), in the order they were added. */
  sample(): number[] {
    return this.reservoir.sample();
  }

  /** The distinct values seen, exactly while there are at most 64 of them (then the first 64). */
  distinctValues(): ReadonlySet<number> {
    return this.distinct;
  }
}

/** The window of one categorical column. */
export class CategoricalWindow {
  readonly type = 'categorical' as const;
  count = 0;
  missing = 0;
  /** Rows whose category was not counted on its own (more than `maxCategories` new ones). */
  other = 0;
  private readonly counts = new Map<string, number>();
  private readonly known: ReadonlySet<string>;
  private newCategories = 0;

  /** `known` categories (the reference's) are always counted exactly, on top of `maxCategories` new ones. */
  constructor(
    private readonly maxCategories: number,
    known: Iterable<string> = [],
  ) {
    this.known = new Set(known);
  }

  /** Adds one row's value. */
  add(v: ColumnValue): void {
    if (v === null) {
      this.missing++;
      return;
    }
    const key = typeof v === 'string' ? v : String(v);
    this.count++;
    const n = this.counts.get(key);
    if (n !== undefined) this.counts.set(key, n + 1);
    else if (this.known.has(key)) this.counts.set(key, 1);
    else if (this.newCategories < this.maxCategories) {
      this.newCategories++;
      this.counts.set(key, 1);
    } else this.other++;
  }

  /** The counts, for the categorical tests. */
  categoryCounts(): CategoryCounts {
    return { counts: this.counts, other: this.other };
  }
}

/** The window of one column. */
export type ColumnWindow = NumericalWindow | CategoricalWindow;

/** A column of a window: its type and, for a categorical one, the categories always counted. */
export interface WindowColumnSpec {
  readonly type: ColumnType;
  readonly knownCategories?: readonly string[];
}

/** The current window of every compared column, fed one logged prediction at a time. */
export class WindowSample {
  /** Rows added (of predictions whose inputs could be read). */
  rows = 0;
  /** Predictions added, whether or not they had readable rows. */
  predictions = 0;
  readonly columns: readonly ColumnWindow[];

  constructor(columns: readonly WindowColumnSpec[], options: WindowSampleOptions = {}) {
    const sampleSize = options.sampleSize ?? WINDOW_SAMPLE_DEFAULTS.sampleSize;
    const maxCategories = options.maxCategories ?? WINDOW_SAMPLE_DEFAULTS.maxCategories;
    const seed = options.seed ?? WINDOW_SAMPLE_DEFAULTS.seed;
    // Every column uses the same seed, as the profiler does: columns without missing values keep the same rows.
    this.columns = columns.map((c) =>
      c.type === 'numerical' ? new NumericalWindow(sampleSize, seed) : new CategoricalWindow(maxCategories, c.knownCategories ?? []),
    );
  }

  /** Adds the rows of one logged prediction (columns in the order the window was built with). */
  add(extracted: ExtractedRows): void {
    this.predictions++;
    this.rows += extracted.rows;
    const n = Math.min(this.columns.length, extracted.values.length);
    for (let c = 0; c < n; c++) {
      const window = this.columns[c]!;
      for (const v of extracted.values[c]!) window.add(v);
    }
  }
}
