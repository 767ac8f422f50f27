import type { Clock } from '../core/clock.js';
import type { PredictionLog } from '../storage/prediction-log.js';
import type { RegistryStore } from '../storage/registry-store.js';
import { AccuracyService } from './accuracy-service.js';
import { FeedbackService } from './feedback-service.js';
import { PredictionStats } from './prediction-stats.js';

/**
 * The read side of the prediction log and its feedback, as one bundle the composition root builds and the admin API
 * (in-process or behind HTTP) uses: looking predictions up, taking labels, live accuracy, error rate and latency.
 */
export interface PredictionServices {
  /** The log itself, for listing and exporting predictions. */
  readonly log: PredictionLog;
  /** The clock relative times (`since=1h`) are read against. */
  readonly clock: Clock;
  readonly feedback: FeedbackService;
  readonly accuracy: AccuracyService;
  readonly stats: PredictionStats;
}

/** Builds the bundle over one prediction log and the registry store (for signatures and the production alias). */
export function createPredictionServices(log: PredictionLog, store: RegistryStore, clock: Clock): PredictionServices {
  return {
    log,
    clock,
    feedback: new FeedbackService(log, clock),
    accuracy: new AccuracyService({ log, store, clock }),
    stats: new PredictionStats({ log, clock }),
  };
}
