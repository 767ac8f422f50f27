import type { DriftMethod } from '../../core/monitoring/drift/select.js';

export type { DriftColumnReport, DriftReport } from '../../core/monitoring/drift-report.js';

/**
 * What a drift report is asked with over the admin API (CLI flags and query parameters alike). The report itself
 * (`DriftReport`) is already the wire format: snake_case, exactly the JSON `mooring drift report --json` prints.
 */
export interface DriftReportQuery {
  /** A version number, `latest` or an alias, resolved now; default: the version `production` points at. */
  version?: string;
  /**
   * Start of the window: ISO-8601 or epoch ms, or a duration (`1h`, `7d`) for a trailing window of that length
   * ending now. Not with `last`. Without `since` and `last`, the window is the last 24 hours.
   */
  since?: string;
  /** End of the window (exclusive): ISO-8601, epoch ms, or a duration meaning "that long ago"; default now. */
  until?: string;
  /** The newest `last` predictions (log records, whatever rows each carries) instead of a time window. */
  last?: number;
  /** One test for every column instead of Evidently's defaults. */
  method?: DriftMethod;
}
