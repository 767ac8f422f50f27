/**
 * A source of timers, injected (like the Clock) so background work can be driven by hand in tests instead of by
 * waiting.
 */
export interface Scheduler {
  /** Runs `fn` once after `ms` milliseconds; the returned function cancels it. A timer never keeps the process alive. */
  after(ms: number, fn: () => void): () => void;
}

/** Node's timers, unref'd so a pending background timer never holds the process open. */
export const systemScheduler: Scheduler = {
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};
