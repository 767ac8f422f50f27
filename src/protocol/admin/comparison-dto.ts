import type { AgreementRule } from '../../core/rollout/comparison.js';
import type { ComparisonReport } from '../../services/rollout/comparison-report.js';
import { iso } from './dto.js';

/**
 * A shadow report or a replay on the wire (`mooring shadow report --json`, `mooring replay --json`, the
 * `/shadows/.../report` and `/replay` routes): the fields issue #6 names (`version`, `requests`, `agreement`,
 * `mean_abs_diff`, `max_abs_diff`, `latency_ms.primary|shadow.p50|p99`, `errors`) and what they were computed over.
 * `shadow` always names the candidate side: the shadow version, or the replayed version.
 */
export interface ComparisonReportDto {
  source: 'shadow' | 'replay';
  model: string;
  /** The candidate version (the shadow, or the replayed version). */
  version: number;
  /** Versions that gave the primary answers, ascending. */
  primary_versions: number[];
  /** Start of the range read (ISO-8601); null for a replay of the last N requests. */
  since: string | null;
  /** End of the range read, exclusive (ISO-8601). */
  until: string;
  /** Requests compared (both answers known; the candidate's failures included). */
  requests: number;
  /** Rows compared (rows of requests both sides answered). */
  rows: number;
  /** Share of compared rows that agree (see `agreement_rule`); null when no row was compared. */
  agreement: number | null;
  /** How rows were judged: class, argmax, threshold (0.5), tolerance (1e-6 relative), mixed; null: no rows. */
  agreement_rule: AgreementRule | 'mixed' | null;
  /** Mean absolute difference over the first float output's elements; null when there is none. */
  mean_abs_diff: number | null;
  max_abs_diff: number | null;
  latency_ms: {
    primary: { p50: number | null; p99: number | null };
    shadow: { p50: number | null; p99: number | null };
  };
  /** Requests the candidate failed. */
  errors: number;
  /** Failures per side, and the candidate's by error code. */
  error_detail: { primary: number; shadow: number; codes: Record<string, number> };
  /** Rows whose answers had different outputs or widths (counted as disagreeing). */
  incomparable_rows: number;
  /** Requests both answered whose bodies could not be read or had different row counts (left out of agreement). */
  unreadable: number;
  /** Requests left out: shadow runs without their primary record, logged requests whose body could not be read. */
  skipped: number;
  /** True when the read stopped at its bound: the newest requests of the range were compared. */
  truncated: boolean;
}

/** Maps a report to its wire form. */
export function comparisonReportDto(r: ComparisonReport): ComparisonReportDto {
  const c = r.comparison;
  return {
    source: r.source,
    model: r.model,
    version: r.version,
    primary_versions: [...r.primaryVersions],
    since: r.since === null ? null : iso(r.since),
    until: iso(r.until),
    requests: c.requests,
    rows: c.rows,
    agreement: c.agreement,
    agreement_rule: c.rule,
    mean_abs_diff: c.meanAbsDiff,
    max_abs_diff: c.maxAbsDiff,
    latency_ms: { primary: { ...c.latencyMs.primary }, shadow: { ...c.latencyMs.candidate } },
    errors: c.errors.candidate,
    error_detail: { primary: c.errors.primary, shadow: c.errors.candidate, codes: { ...c.candidateErrorCodes } },
    incomparable_rows: c.incomparableRows,
    unreadable: c.unreadable,
    skipped: r.skipped,
    truncated: r.truncated,
  };
}
