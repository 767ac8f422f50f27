/**
 * The series the monitoring assets in deploy/ may read, and their labels: Mooring's own registry (built the way the
 * server builds it, so a rename in src/services/metrics.ts breaks the checks), the metrics later issues will add
 * (an allow-list, each entry naming its issue), and the few series Prometheus itself makes (`up`, `ALERTS`).
 */
import type { Registry } from 'prom-client';
import { Metrics } from '../../src/services/metrics.js';
import { PROBLEM_KINDS } from '../../src/core/validation/problems.js';
import { ACCURACY_METRICS } from '../../src/core/monitoring/signals.js';
import { PREDICTION_ROUTES } from '../../src/core/monitoring/prediction-record.js';
import type { ValidationOutcome } from '../../src/services/metrics.js';

/** A metric's type as prom-client names it. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One metric family a query may select. */
export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  /** Where the entry comes from: the registry, a planned issue, or Prometheus itself. */
  readonly origin: 'registry' | 'planned' | 'prometheus';
  /** For planned metrics: the issue that brings the metric. */
  readonly issue?: number;
  /** For planned metrics: what brings it, in a sentence. */
  readonly note?: string;
}

/**
 * Metrics the dashboard already shows although no code exports them yet (their panels say so in the description).
 * When one lands in src/services/metrics.ts, the registry's definition wins and a test asks for the entry here to be
 * deleted, so the allow-list never hides a label mismatch for long.
 */
export const PLANNED_METRICS: readonly MetricSpec[] = [
  {
    name: 'mooring_queue_depth',
    type: 'gauge',
    labels: ['queue'],
    origin: 'planned',
    issue: 4,
    note: 'listed by issue 4 point 1; exported once async predictions exist (the `queue` fallback of issue 5)',
  },
];

/** Series Prometheus makes itself. `ALERTS` carries every label of its alert; these are the ones the rules set. */
export const PROMETHEUS_SERIES: readonly MetricSpec[] = [
  { name: 'up', type: 'gauge', labels: ['job', 'instance'], origin: 'prometheus' },
  {
    name: 'ALERTS',
    type: 'gauge',
    labels: ['alertname', 'alertstate', 'severity', 'model', 'version', 'column', 'metric', 'job', 'instance'],
    origin: 'prometheus',
  },
];

/** Labels Prometheus attaches to every scraped series (the target's). */
export const TARGET_LABELS: readonly string[] = ['job', 'instance'];

/** Suffixes of a histogram's series, and the extra label the bucket series has. */
export const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/**
 * The values a label may take where Mooring's code fixes them, so a typo in a matcher (`outcome="flaged"`) is
 * caught. Keys are `metric/label` or `* /label` (any metric).
 */
export const LABEL_VALUES: ReadonlyMap<string, readonly string[]> = new Map<string, readonly string[]>([
  ['*/route', PREDICTION_ROUTES],
  ['mooring_validation_problems_total/problem', PROBLEM_KINDS],
  ['mooring_validation_requests_total/outcome', ['rejected', 'flagged', 'ignored'] satisfies readonly ValidationOutcome[]],
  ['mooring_accuracy/metric', ACCURACY_METRICS],
  ['mooring_alerts/state', ['pending', 'firing']],
  ['mooring_cache_requests_total/result', ['hit', 'miss']],
  ['ALERTS/alertstate', ['pending', 'firing']],
]);

/** The metric families a registry holds, with their declared label names (not only the ones observed so far). */
export function registryMetrics(registry: Registry): MetricSpec[] {
  return registry.getMetricsAsArray().map((m) => {
    // prom-client keeps the declared label names on the metric object but does not type the field.
    const declared = (m as unknown as { labelNames?: readonly string[] }).labelNames ?? [];
    // The typings declare an enum; at run time the field holds prom-client's lower-case type name.
    const type = String(m.type) as MetricType;
    return { name: m.name, type, labels: [...declared], origin: 'registry' as const };
  });
}

/** Everything a query may read: the registry given (default: a fresh server's), planned metrics not yet in it, and Prometheus's own series. */
export class MetricCatalog {
  readonly families = new Map<string, MetricSpec>();

  constructor(registryFamilies: readonly MetricSpec[], planned: readonly MetricSpec[] = PLANNED_METRICS) {
    for (const s of [...PROMETHEUS_SERIES, ...planned, ...registryFamilies]) this.families.set(s.name, s);
  }

  /** The catalog of the metrics a running server exports (process metrics included, as `mooring serve` does). */
  static fromServer(): MetricCatalog {
    return new MetricCatalog(registryMetrics(new Metrics({ processMetrics: true }).registry));
  }

  /**
   * Resolves a series name to its family: the name itself, or a histogram's `_bucket`, `_sum` or `_count`.
   * Returns the labels the series has (the family's, the target's, and `le` on buckets) and whether it is a
   * counter (a value that only makes sense through rate/increase).
   */
  series(name: string): { family: MetricSpec; labels: ReadonlySet<string>; monotonic: boolean } | null {
    const direct = this.families.get(name);
    if (direct !== undefined && direct.type !== 'histogram' && direct.type !== 'summary') {
      const labels = new Set([...direct.labels, ...(direct.origin === 'prometheus' ? [] : TARGET_LABELS)]);
      return { family: direct, labels, monotonic: direct.type === 'counter' };
    }
    for (const suffix of HISTOGRAM_SUFFIXES) {
      if (!name.endsWith(suffix)) continue;
      const family = this.families.get(name.slice(0, -suffix.length));
      if (family === undefined || (family.type !== 'histogram' && family.type !== 'summary')) continue;
      const labels = new Set([...family.labels, ...TARGET_LABELS]);
      if (suffix === '_bucket') labels.add('le');
      return { family, labels, monotonic: true };
    }
    return null;
  }
}
