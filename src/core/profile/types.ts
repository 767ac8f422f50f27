/**
 * The training profile of a model version: per-column statistics of the reference data it was trained or
 * validated on, and of the model's own outputs on that data. It is the guard of the request path (ranges, known
 * categories) and the baseline of drift monitoring, so it keeps a bounded sample of each numerical column: the
 * drift tests are exact on the samples kept.
 *
 * Categories are lists of `{ value, count }`, never objects keyed by user data (a `__proto__` category must stay
 * a plain value).
 */

/** How a column is treated: measured (`numerical`) or counted per value (`categorical`). */
export type ColumnType = 'numerical' | 'categorical';

/** One quantile: `q` in [0, 1] and its value (numpy's default linear interpolation). */
export interface Quantile {
  readonly q: number;
  readonly value: number;
}

/** Statistics of a numerical column. Missing values (null) are counted, never included in the statistics. */
export interface NumericalProfile {
  readonly name: string;
  readonly type: 'numerical';
  /** Rows with a value (not missing). */
  readonly count: number;
  /** Rows without a value. */
  readonly missing: number;
  /** missing / (count + missing); 0 for an empty column. */
  readonly missingRate: number;
  /** Values that were NaN or ±Infinity; they are excluded from every statistic below. */
  readonly nonFinite: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  /** Sample standard deviation (ddof = 1, as pandas); 0 when count < 2. */
  readonly std: number;
  /** At q = 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99. */
  readonly quantiles: readonly Quantile[];
  /** Equal-width bins over [min, max] (Sturges' rule, as numpy's "sturges"); `counts.length = edges.length - 1`. */
  readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
  /** Distinct finite values. */
  readonly uniqueCount: number;
  /** Whether every finite value is a whole number. */
  readonly integer: boolean;
  /** Every finite value when there are at most `sampleSize`, else a uniform reservoir sample of that many, in row order. */
  readonly sample: readonly number[];
}

/** One category and how many rows hold it. */
export interface CategoryCount {
  readonly value: string;
  readonly count: number;
}

/** Statistics of a categorical column. Values are compared as strings (`String(v)` for numbers and booleans). */
export interface CategoricalProfile {
  readonly name: string;
  readonly type: 'categorical';
  readonly count: number;
  readonly missing: number;
  readonly missingRate: number;
  readonly uniqueCount: number;
  /** The most frequent categories (at most `maxCategories`), by count descending then value ascending. */
  readonly categories: readonly CategoryCount[];
  /** Rows whose category is not in `categories` (0 unless there were more than `maxCategories`). */
  readonly otherCount: number;
}

/** The statistics of one column. */
export type ColumnProfile = NumericalProfile | CategoricalProfile;

/** The statistics of a set of columns over the same rows. */
export interface DataProfile {
  readonly rows: number;
  readonly columns: readonly ColumnProfile[];
}

/** A version's training profile, stored with the version. */
export interface VersionProfile {
  /** Format of this object, bumped on incompatible change. */
  readonly format: 1;
  readonly createdAt: number;
  /** Where the reference data came from (a file name), as given at registration. */
  readonly source: string | null;
  /** Rows in the reference data (the samples may hold fewer). */
  readonly rows: number;
  /** The model's feature columns, in feature order. */
  readonly features: DataProfile;
  /** The target column when one was named. */
  readonly target: ColumnProfile | null;
  /** The model's outputs on the reference data, one column per output (or `name[j]` per column of a wide output). */
  readonly outputs: DataProfile;
}

/** How a profile is computed. */
export interface ProfileOptions {
  /** Numerical values kept per column for the drift tests. Default 5000. */
  readonly sampleSize?: number;
  /** Categories kept per column. Default 1000. */
  readonly maxCategories?: number;
  /** Seed of the reservoir sampler, so the same data gives the same profile. Default 1. */
  readonly seed?: number;
  /** Columns to treat as categorical even though they hold numbers. */
  readonly categorical?: readonly string[];
}
