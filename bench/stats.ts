/**
 * Pure statistics of the soak (bench/soak.ts): the least-squares slope of resident memory over time after a
 * warm-up, in MB per 10 minutes. Kept apart from the I/O so test/bench/ can check it.
 */

/**
 * The least-squares slope of `ys` over `xs` (units of y per unit of x); NaN with fewer than two points or when every
 * x is the same. Non-finite pairs are skipped.
 */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const pts: Array<[number, number]> = [];
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    if (Number.isFinite(xs[i]) && Number.isFinite(ys[i])) pts.push([xs[i]!, ys[i]!]);
  }
  if (pts.length < 2) return Number.NaN;
  const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length;
  const my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of pts) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : Number.NaN;
}

/** One memory sample of the soaked process. */
export interface MemorySample {
  /** Seconds since the soak's fixed-rate load began. */
  readonly t: number;
  readonly rssMB: number;
  /** V8 heap in use (MB), NaN when it could not be read. */
  readonly heapMB: number;
}

/** The trend of the samples taken at or after `warmupS`. */
export interface MemoryTrend {
  /** Samples the slope was fitted on. */
  readonly samples: number;
  /** Least-squares slope of RSS, MB per 10 minutes (NaN with fewer than two samples). */
  readonly rssSlopePer10Min: number;
  /** The same for the V8 heap (NaN when it was not sampled). */
  readonly heapSlopePer10Min: number;
  /** RSS of the first and last fitted samples, and the highest of all samples (MB). */
  readonly rssFirst: number;
  readonly rssLast: number;
  readonly rssMax: number;
}

/** The memory trend after the warm-up: slopes in MB per 10 minutes. */
export function memoryTrend(all: readonly MemorySample[], warmupS: number): MemoryTrend {
  const kept = all.filter((s) => s.t >= warmupS);
  const minutes = kept.map((s) => s.t / 60);
  return {
    samples: kept.length,
    rssSlopePer10Min: leastSquaresSlope(minutes, kept.map((s) => s.rssMB)) * 10,
    heapSlopePer10Min: leastSquaresSlope(minutes, kept.map((s) => s.heapMB)) * 10,
    rssFirst: kept[0]?.rssMB ?? Number.NaN,
    rssLast: kept.at(-1)?.rssMB ?? Number.NaN,
    rssMax: all.reduce((m, s) => (s.rssMB > m ? s.rssMB : m), Number.NEGATIVE_INFINITY),
  };
}

/** The soak's default warm-up: the first 2 minutes, or 20% of a run shorter than 10 minutes. */
export function defaultWarmupS(minutes: number): number {
  return Math.min(120, minutes * 60 * 0.2);
}
