import type { Clock } from '../../core/clock.js';
import type { ResponseCacheLogger } from '../response-cache.js';

/**
 * Logs a recurring failure at most once per interval, saying how many were held back since the last line: a dead
 * Redis under 20k requests a second must cost a counter increment per request, not a log line.
 */
export class ThrottledWarning {
  readonly #logger: ResponseCacheLogger;
  readonly #message: string;
  readonly #intervalMs: number;
  readonly #clock: Clock;
  #lastAt = -Infinity;
  #suppressed = 0;

  constructor(logger: ResponseCacheLogger, message: string, intervalMs: number, clock: Clock) {
    this.#logger = logger;
    this.#message = message;
    this.#intervalMs = intervalMs;
    this.#clock = clock;
  }

  /** Records one failure; logs it (with the count held back) when the interval since the last line has passed. */
  note(fields: Readonly<Record<string, unknown>>): void {
    const now = this.#clock();
    if (now - this.#lastAt < this.#intervalMs) {
      this.#suppressed++;
      return;
    }
    this.#lastAt = now;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.#logger.warn({ ...fields, suppressed }, this.#message);
  }
}
