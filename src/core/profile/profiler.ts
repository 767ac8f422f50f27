/**
 * The training profile's statistics: one pass over a column of reference data gives its numerical or categorical
 * profile (see types.ts for what each field means). Pure and synchronous; a numerical column is copied once into a
 * Float64Array and sorted once, which every statistic then reads.
 */
import { fail } from '../errors.js';
import { histogramCountsSorted, sturgesBinEdges } from './histogram.js';
import { moments } from './moments.js';
import { PROFILE_QUANTILE_LEVELS, quantileSorted } from './quantiles.js';
import { reservoirSample } from './reservoir.js';
import type { Column, Table } from './table.js';
import type { CategoricalProfile, CategoryCount, ColumnProfile, DataProfile, NumericalProfile, ProfileOptions } from './types.js';

/** The defaults of `ProfileOptions`. */
export const PROFILE_DEFAULTS = { sampleSize: 5000, maxCategories: 1000, seed: 1 } as const;

interface ResolvedOptions {
  readonly sampleSize: number;
  readonly maxCategories: number;
  readonly seed: number;
  readonly categorical: ReadonlySet<string>;
}

/**
 * Profiles every column of a table but its timestamps (which are never model features), in table order.
 * `options.categorical` may name columns this table does not have (the same options serve the feature table and
 * the target column); checking those names against the user's data is the caller's job.
 * Throws INVALID_REQUEST for invalid options, duplicate column names, or a column whose length is not `rows`.
 */
export function profileTable(table: Table, options: ProfileOptions = {}): DataProfile {
  const resolved = resolveOptions(options);
  const names = new Set<string>();
  for (const column of table.columns) {
    if (names.has(column.name)) throw fail('INVALID_REQUEST', `the table has two columns named ${JSON.stringify(column.name)}`, { column: column.name });
    names.add(column.name);
    if (column.values.length !== table.rows) {
      throw fail('INVALID_REQUEST', `column ${JSON.stringify(column.name)} has ${column.values.length} values for ${table.rows} rows`, {
        column: column.name,
      });
    }
  }
  const columns = table.columns.filter((c) => c.kind !== 'timestamp').map((c) => profileResolved(c, resolved));
  return { rows: table.rows, columns };
}

/**
 * Profiles one column: numbers are numerical unless named in `options.categorical`; strings and booleans are
 * categorical. Numerical statistics skip missing values (counted in `missing`) and NaN/±Infinity (counted in
 * `nonFinite`). A column with no finite value has min, max, mean, std and every quantile 0 (NaN is not JSON),
 * histogram edges [0, 1] with one empty bin (numpy's choice for no data), and `integer` false (no evidence).
 * Every column is sampled with the same seed, so columns without missing or non-finite values keep the same rows.
 * Throws INVALID_REQUEST for a timestamp column, a value that does not match the column's kind, or invalid options.
 */
export function profileColumn(column: Column, options: ProfileOptions = {}): ColumnProfile {
  return profileResolved(column, resolveOptions(options));
}

function profileResolved(column: Column, options: ResolvedOptions): ColumnProfile {
  switch (column.kind) {
    case 'number':
      return options.categorical.has(column.name) ? profileCategorical(column, options) : profileNumerical(column, options);
    case 'string':
    case 'boolean':
      return profileCategorical(column, options);
    case 'timestamp':
      throw fail('INVALID_REQUEST', `column ${JSON.stringify(column.name)} holds timestamps, which are not profiled as features`, {
        column: column.name,
      });
  }
}

function profileNumerical(column: Column, options: ResolvedOptions): NumericalProfile {
  const { name, values } = column;
  const finite = new Float64Array(values.length);
  let kept = 0;
  let missing = 0;
  let nonFinite = 0;
  let integer = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      missing++;
    } else if (typeof v === 'number') {
      if (Number.isFinite(v)) {
        finite[kept++] = v + 0; // -0 becomes 0: JSON cannot tell them apart, so the profile does not either
        if (integer && !Number.isInteger(v)) integer = false;
      } else {
        nonFinite++;
      }
    } else {
      throw fail('INVALID_REQUEST', `column ${JSON.stringify(name)} holds numbers but row ${i} holds ${typeof v} ${JSON.stringify(v)}`, {
        column: name,
        row: i,
      });
    }
  }
  const data = finite.subarray(0, kept);
  // Sampled before sorting: the sample keeps row order.
  const sample = reservoirSample(data, options.sampleSize, options.seed);
  data.sort();
  const count = values.length - missing;
  const base = { name, type: 'numerical' as const, count, missing, missingRate: rate(missing, values.length), nonFinite };
  if (kept === 0) {
    return {
      ...base,
      min: 0,
      max: 0,
      mean: 0,
      std: 0,
      quantiles: PROFILE_QUANTILE_LEVELS.map((q) => ({ q, value: 0 })),
      histogram: { edges: [0, 1], counts: [0] },
      uniqueCount: 0,
      integer: false,
      sample,
    };
  }
  const min = data[0]!;
  const max = data[kept - 1]!;
  const { mean, std } = moments(data);
  const edges = sturgesBinEdges(min, max, kept);
  let uniqueCount = 1;
  for (let i = 1; i < kept; i++) if (data[i] !== data[i - 1]) uniqueCount++;
  return {
    ...base,
    min,
    max,
    mean,
    std,
    quantiles: PROFILE_QUANTILE_LEVELS.map((q) => ({ q, value: quantileSorted(data, q) })),
    histogram: { edges, counts: histogramCountsSorted(data, edges) },
    uniqueCount,
    integer,
    sample,
  };
}

function profileCategorical(column: Column, options: ResolvedOptions): CategoricalProfile {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of column.values) {
    if (v === null) {
      missing++;
      continue;
    }
    const key = String(v);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const all: CategoryCount[] = [];
  for (const [value, count] of counts) all.push({ value, count });
  // Code-unit order for ties, not localeCompare: the same profile on every machine.
  all.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const categories = all.slice(0, options.maxCategories);
  let otherCount = 0;
  for (let i = categories.length; i < all.length; i++) otherCount += all[i]!.count;
  return {
    name: column.name,
    type: 'categorical',
    count: column.values.length - missing,
    missing,
    missingRate: rate(missing, column.values.length),
    uniqueCount: counts.size,
    categories,
    otherCount,
  };
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}

function resolveOptions(options: ProfileOptions): ResolvedOptions {
  const sampleSize = options.sampleSize ?? PROFILE_DEFAULTS.sampleSize;
  const maxCategories = options.maxCategories ?? PROFILE_DEFAULTS.maxCategories;
  const seed = options.seed ?? PROFILE_DEFAULTS.seed;
  for (const [field, value] of [
    ['sampleSize', sampleSize],
    ['maxCategories', maxCategories],
    ['seed', seed],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw fail('INVALID_REQUEST', `profile option ${field} must be a whole number >= 0, got ${String(value)}`, { field });
    }
  }
  return { sampleSize, maxCategories, seed, categorical: new Set(options.categorical ?? []) };
}
