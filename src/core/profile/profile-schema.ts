import { z } from 'zod';
import { fail } from '../errors.js';
import { describeIssue, snakeCase } from '../schema-issue.js';
import type { VersionProfile } from './types.js';

/**
 * The zod schema of a VersionProfile (types.ts): what the registry accepts at registration, whoever computed the
 * profile. Strict (an unknown key is refused, not dropped), every number finite (zod 4 refuses NaN and ±Infinity),
 * counts whole and non-negative, and every list bounded, so a stored profile is always safe to compile into a
 * validator and to use as a drift baseline.
 */

/** Most columns one DataProfile may hold (features, or outputs with one column per output element). */
export const MAX_PROFILE_COLUMNS = 10_000;
/** Most values one numerical column may keep as its sample (the profiler's default is 5,000). */
export const MAX_SAMPLE_SIZE = 100_000;
/** Most categories one categorical column may list (the profiler's default is 1,000). */
export const MAX_PROFILE_CATEGORIES = 10_000;
/** Most histogram edges (Sturges' rule gives 31 bins for a billion rows). */
export const MAX_HISTOGRAM_EDGES = 10_001;
/** Most quantiles per column. */
export const MAX_QUANTILES = 1_001;
/** Longest column name (outputs are named `name[j]`) or category value. */
export const MAX_PROFILE_TEXT = 1024;

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const finite = z.number();
const rate = z.number().min(0).max(1);
const columnName = z.string().min(1).max(MAX_PROFILE_TEXT);

const NumericalProfileSchema = z
  .strictObject({
    name: columnName,
    type: z.literal('numerical'),
    count,
    missing: count,
    missingRate: rate,
    nonFinite: count,
    min: finite,
    max: finite,
    mean: finite,
    std: z.number().min(0),
    quantiles: z.array(z.strictObject({ q: rate, value: finite })).max(MAX_QUANTILES),
    histogram: z
      .strictObject({
        edges: z.array(finite).max(MAX_HISTOGRAM_EDGES),
        counts: z.array(count).max(MAX_HISTOGRAM_EDGES - 1),
      })
      .refine((h) => h.edges.length === 0 ? h.counts.length === 0 : h.counts.length === h.edges.length - 1, {
        message: 'a histogram has one count fewer than it has edges',
      }),
    uniqueCount: count,
    integer: z.boolean(),
    sample: z.array(finite).max(MAX_SAMPLE_SIZE),
  })
  .refine((c) => c.min <= c.max, { message: 'min is greater than max', path: ['min'] });

const CategoricalProfileSchema = z.strictObject({
  name: columnName,
  type: z.literal('categorical'),
  count,
  missing: count,
  missingRate: rate,
  uniqueCount: count,
  categories: z
    .array(z.strictObject({ value: z.string().max(MAX_PROFILE_TEXT), count }))
    .max(MAX_PROFILE_CATEGORIES),
  otherCount: count,
});

const ColumnProfileSchema = z.discriminatedUnion('type', [NumericalProfileSchema, CategoricalProfileSchema]);

const DataProfileSchema = z.strictObject({
  rows: count,
  columns: z.array(ColumnProfileSchema).max(MAX_PROFILE_COLUMNS),
});

/** A whole training profile. */
export const VersionProfileSchema = z.strictObject({
  format: z.literal(1),
  createdAt: count,
  source: z.string().max(4096).nullable(),
  rows: count,
  features: DataProfileSchema,
  target: ColumnProfileSchema.nullable(),
  outputs: DataProfileSchema,
});

/**
 * Checks `value` as a VersionProfile and returns it as parsed (a clean copy). Throws INVALID_FEATURES naming the
 * first field that is wrong, e.g. `profile.features.columns[2].missing_rate: Too big: expected number to be <=1`.
 */
export function parseProfile(value: unknown): VersionProfile {
  const parsed = VersionProfileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw fail('INVALID_FEATURES', `invalid profile: ${describeIssue(issue, { root: 'profile', key: snakeCase })}`, { path: issue.path.map(String) });
  }
  return parsed.data;
}
