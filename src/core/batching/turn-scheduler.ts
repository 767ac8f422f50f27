/**
 * The batcher's only source of waiting: "call me back after the event loop has read the I/O that is ready".
 *
 * Why not timers: Node's timers have 1 ms granularity (a `setTimeout(fn, 0.5)` fires after at least 1 ms, often
 * more), coarser than the sub-millisecond queue delays batching is about, and a shorter wait would need a
 * spinning loop that burns a core while idle. `setImmediate` runs in the check phase, right after the poll phase
 * that delivered the sockets' data, so every request decoded in the same I/O phase is queued by then; a chain of
 * turns lasts only while requests keep arriving (see DynamicBatcher), so an idle process schedules nothing.
 * Injected so tests step turns by hand instead of waiting.
 */
export interface TurnScheduler {
  /** Runs `fn` once, after the current event-loop phase and its microtasks (Node: the next check phase). */
  turn(fn: () => void): void;
}

/**
 * `setImmediate`, kept referenced: a pending turn always belongs to queued requests whose callers wait for an
 * answer, so it must not let the process exit under them (it lasts one loop iteration).
 */
export const immediateTurns: TurnScheduler = {
  turn(fn) {
    setImmediate(fn);
  },
};
