import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { checkFeedbackItems } from '../core/monitoring/feedback.js';
import type { FeedbackInput } from '../core/monitoring/feedback.js';
import type { PredictionLog } from '../storage/prediction-log.js';

/**
 * Ground-truth labels for logged predictions. Labels are checked whole first and then stored in ONE `addFeedback`
 * call (one transaction), so a request either stores every label or none. A label may name a prediction that is not
 * in the log yet (still in the writer's buffer, or answered by another replica): the log keeps it and joins it when
 * the prediction arrives; a label whose prediction never arrives is removed by retention.
 */
export class FeedbackService {
  constructor(
    private readonly log: PredictionLog,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Stores labels (stamped with the current time; for one id the newest label wins) and resolves to how many were
   * stored. Throws INVALID_REQUEST naming the first bad item before anything is written (see `checkFeedbackItems`).
   */
  async send(items: readonly FeedbackInput[] | unknown): Promise<number> {
    const checked = checkFeedbackItems(items);
    const at = Math.floor(this.clock());
    await this.log.addFeedback(checked.map((i) => ({ id: i.id, label: i.label, at })));
    return checked.length;
  }
}
