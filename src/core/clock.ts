/** A source of the current time in UTC epoch milliseconds; injected so tests can drive time by hand. */
export type Clock = () => number;

/** The wall clock. */
export const systemClock: Clock = () => Date.now();
