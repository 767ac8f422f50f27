/**
 * The numbers monitoring watches, per model, over a trailing window: what alert rules compare with thresholds
 * and what the monitor exports as gauges. Each is computed from the prediction log (and, for drift, the serving
 * version's training profile), so every replica sees the same values. `null` means "not enough data to say".
 */

/** Accuracy metrics computed from predictions joined with ground-truth feedback. */
export const ACCURACY_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'auc', 'mae', 'rmse'] as const;
/** One accuracy metric. */
export type AccuracyMetric = (typeof ACCURACY_METRICS)[number];

/** What every signal is asked with. */
export interface SignalWindow {
  readonly model: string;
  /** The version to look at; default: the version serving `production` now. */
  readonly version?: number;
  /** Trailing window length in milliseconds, ending now. */
  readonly windowMs: number;
}

/** The signals alert rules can watch. */
export interface ModelSignals {
  /** Share of requests in the window that failed (status error), 0..1. */
  errorRate(w: SignalWindow): Promise<number | null>;
  /** 99th percentile of request latency in the window, in milliseconds. */
  latencyP99Ms(w: SignalWindow): Promise<number | null>;
  /** A live accuracy metric over predictions in the window that have a label. */
  accuracy(w: SignalWindow, metric: AccuracyMetric): Promise<number | null>;
  /** Share of feature columns whose drift test says "drift", 0..1. */
  driftShare(w: SignalWindow): Promise<number | null>;
  /** Drift statistic of one column (feature or output) under its default test. */
  columnDrift(w: SignalWindow, column: string): Promise<number | null>;
  /** Drift statistic of the model's main prediction output against its training-time distribution. */
  predictionShift(w: SignalWindow): Promise<number | null>;
  /**
   * 1 when the model's latest canary rollout was rolled back automatically within the window, else 0 (per model:
   * the window's `version` is not used). It raises the alert of a rollback (the `rollout-<model>` rule).
   */
  rolloutRolledBack(w: SignalWindow): Promise<number | null>;
}
