import { CircuitState } from 'cockatiel';
import type { IBreaker } from 'cockatiel';

/**
 * The rule that decides when a version's circuit opens: more than `errorRatio` of the requests in the last
 * `windowMs` failed, and at least `minRequests` requests were seen in that window. Plugged into cockatiel's
 * CircuitBreakerPolicy (which keeps the open / half-open / closed state machine) as its IBreaker.
 *
 * Written here rather than using cockatiel's SamplingBreaker (ADR 16): that one advances one bucket per request, so
 * after a quiet spell longer than the window the older buckets still count (3 failures, a minute of silence, then 1
 * failure opened a breaker that needs 4 in 10 s), and its volume check goes through a rate multiplied back by a
 * rounded duration, which made it wait for `minRequests + 1` for windows that are not a whole number of its buckets.
 * Here buckets expire by time and the volume check is a plain count.
 */
export class WindowedBreaker implements IBreaker {
  readonly #ratio: number;
  readonly #minRequests: number;
  readonly #bucketMs: number;
  readonly #now: () => number;
  /** Ring of buckets; bucket `b` holds the requests of the time slice `floor(t / bucketMs) === b`. */
  readonly #slices: Float64Array;
  readonly #successes: Uint32Array;
  readonly #failures: Uint32Array;

  /** @param now the clock (ms); cockatiel itself reads `Date.now()`, so that is the default. */
  constructor(options: { errorRatio: number; minRequests: number; windowMs: number; buckets?: number }, now: () => number = Date.now) {
    const buckets = options.buckets ?? 10;
    this.#ratio = options.errorRatio;
    this.#minRequests = options.minRequests;
    this.#bucketMs = options.windowMs / buckets;
    this.#now = now;
    this.#slices = new Float64Array(buckets).fill(-Infinity);
    this.#successes = new Uint32Array(buckets);
    this.#failures = new Uint32Array(buckets);
  }

  /** Counts per bucket, for cockatiel's `toJSON`. */
  get state(): unknown {
    return { slices: [...this.#slices], successes: [...this.#successes], failures: [...this.#failures] };
  }

  set state(value: unknown) {
    const v = value as { slices: number[]; successes: number[]; failures: number[] };
    this.#slices.set(v.slices);
    this.#successes.set(v.successes);
    this.#failures.set(v.failures);
  }

  success(state: CircuitState): void {
    // The half-open trial succeeded: the circuit closes with a clean window.
    if (state === CircuitState.HalfOpen) this.#reset();
    this.#successes[this.#bucket()]!++;
  }

  failure(state: CircuitState): boolean {
    this.#failures[this.#bucket()]!++;
    if (state !== CircuitState.Closed) return true;
    const oldest = Math.floor(this.#now() / this.#bucketMs) - this.#slices.length + 1;
    let failures = 0;
    let total = 0;
    for (let i = 0; i < this.#slices.length; i++) {
      if (this.#slices[i]! < oldest) continue;
      failures += this.#failures[i]!;
      total += this.#failures[i]! + this.#successes[i]!;
    }
    return total >= this.#minRequests && failures > this.#ratio * total;
  }

  /** The ring index of the current time slice, cleared first if it held an older slice. */
  #bucket(): number {
    const slice = Math.floor(this.#now() / this.#bucketMs);
    const i = slice % this.#slices.length;
    if (this.#slices[i] !== slice) {
      this.#slices[i] = slice;
      this.#successes[i] = 0;
      this.#failures[i] = 0;
    }
    return i;
  }

  #reset(): void {
    this.#slices.fill(-Infinity);
    this.#successes.fill(0);
    this.#failures.fill(0);
  }
}
