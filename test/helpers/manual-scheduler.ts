import type { Scheduler } from '../../src/core/scheduler.js';
import type { FakeClock } from '../conformance/registry-fixtures.js';

interface Timer {
  readonly due: number;
  readonly seq: number;
  readonly fn: () => void;
  cancelled: boolean;
}

/** Lets promises that are already settling run (store calls on in-memory fakes resolve within a few turns). */
export const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A Scheduler driven by a FakeClock: timers run only inside `advance`, in due order, each followed by `settle()`
 * so the async work it started can finish before the next one. Nothing ever waits for real time.
 */
export class ManualScheduler implements Scheduler {
  readonly #clock: FakeClock;
  #timers: Timer[] = [];
  #seq = 0;

  constructor(clock: FakeClock) {
    this.#clock = clock;
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { due: this.#clock.now + ms, seq: this.#seq++, fn, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Timers waiting to run. */
  get pending(): number {
    return this.#timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way (including ones they schedule). */
  async advance(ms: number): Promise<void> {
    const end = this.#clock.now + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled);
      const next = this.#timers.filter((t) => t.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (next === undefined) break;
      if (next.due > this.#clock.now) this.#clock.advance(next.due - this.#clock.now);
      next.cancelled = true;
      next.fn();
      await settle();
    }
    if (end > this.#clock.now) this.#clock.advance(end - this.#clock.now);
  }
}
