/**
 * The A/B test part of the AdminApi: start a fixed split between production and another version, stop it, and report
 * the two arms with a significance test on a labelled metric. Two implementations, like the rest of the AdminApi:
 * in-process (`ServiceAbAdmin`) and over HTTP (`HttpAbClient`, routes under `/api/models/{name}/ab`). Errors are the
 * registry's MooringErrors in both. Wire names are snake_case; times are ISO-8601.
 */
export interface AbAdminApi {
  /**
   * Sends `weight` percent (default 50) of production-routed requests to `version` by sticky key and records the
   * experiment (`metric`, started now). A policy change (a new revision, audited). Starting the running test again
   * only changes its weight. INVALID_REQUEST (metric f1 or unknown, weight outside (0, 100)), VERSION_NOT_FOUND,
   * ROLLOUT_CONFLICT (a rollout holds the canary), EXPERIMENT_CONFLICT (another test or a canary runs, the version is
   * production, or there is no production version).
   */
  startAb(name: string, version: number, options: AbStartInput): Promise<AbChangeDto>;
  /** Stops the running test (clears the split and the experiment); `changed: false` when none runs. */
  stopAb(name: string): Promise<AbChangeDto>;
  /**
   * The running test's report, or the last finished one's (up to when it stopped): per arm the requests, labelled
   * predictions and metric, and the test of B against A. EXPERIMENT_NOT_FOUND when no test ever ran.
   */
  abReport(name: string, query?: AbReportInput): Promise<AbReportDto>;
}

/** How `startAb` starts a test. */
export interface AbStartInput {
  /** The labelled metric to test: accuracy, precision, recall, mae or rmse. */
  metric: string;
  /** Percent of production-routed requests version B answers (default 50). */
  weight?: number;
  /** Recorded on the policy revision and its audit record (default: `ab start: version V at W% on METRIC`). */
  reason?: string;
}

/** Which window `abReport` reads. */
export interface AbReportInput {
  /** ISO-8601, epoch ms, or a duration ago (`1h`); default: when the test started. */
  since?: string;
}

/** A running test as the API shows it. */
export interface AbExperimentDto {
  /** Arm B. */
  version: number;
  /** Arm A: the production version when the test started. */
  production_version: number | null;
  weight: number;
  metric: string;
  since: string;
}

/** What `startAb` and `stopAb` answer. */
export interface AbChangeDto {
  model: string;
  /** False when nothing changed (no revision written). */
  changed: boolean;
  /** The deployment policy revision now in force. */
  revision: number;
  /** The test now running; null after a stop. */
  experiment: AbExperimentDto | null;
}

/** One arm of a report. */
export interface AbArmDto {
  version: number;
  route: 'production' | 'canary';
  requests: number;
  errors: number;
  labelled: number;
  rows: number;
  value: number | null;
}

/** One side of the test: the rows counted (trials for a rate) and the tested value (the MSE for rmse). */
export interface AbTestSideDto {
  version: number;
  n: number;
  value: number;
}

/** The significance test: B minus A, two-sided, significant when p < 0.05. */
export interface AbTestDto {
  metric: string;
  test: 'two-proportion z' | 'welch t';
  /** What `difference`, `ci95` and the sides' values are of: the metric, or `mse` for rmse. */
  difference_of: string;
  a: AbTestSideDto;
  b: AbTestSideDto;
  difference: number;
  ci95: [number, number];
  p_value: number;
  significant: boolean;
  statistic: number | null;
  df: number | null;
}

/** What `abReport` answers. */
export interface AbReportDto {
  model: string;
  metric: string;
  weight: number;
  running: boolean;
  started_at: string;
  since: string;
  until: string;
  task: string | null;
  positive_class: string | null;
  a: AbArmDto;
  b: AbArmDto;
  test: AbTestDto | null;
  /** Why `test` is null. */
  reason: string | null;
  truncated: boolean;
}
