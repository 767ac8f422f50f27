/**
 * Request coalescing (singleflight): while one run for a key is in flight, every later call with the same key
 * shares its promise instead of starting another, so N identical requests arriving together cost one model run.
 *
 * Semantics:
 * - `fn` runs at most once per key at a time; later callers get the very promise the first caller got.
 * - Once that promise settles, fulfilled or rejected, the key is free: the next call runs `fn` again. Nothing is
 *   remembered after settling (that is the response cache's job), so a failure is never replayed to a request that
 *   arrives after it.
 * - A failure rejects every waiter with the same error object.
 * - A synchronous throw from `fn` becomes a rejection, like an async one.
 *
 * Shared results: every waiter receives the same value (for inference, the same Tensor objects and typed arrays).
 * Treat it as immutable: a caller that changed it would change the answer of every other request that joined.
 *
 * Not promised: fairness or ordering between keys; cancelling a run when its callers go away (the run finishes and
 * its result is dropped); coalescing a call made from inside `fn` for its own key (it starts a second run).
 */
export class Coalescer<T> {
  readonly #inflight = new Map<string, Promise<T>>();
  #runs = 0;
  #joined = 0;

  /** Runs `fn` for `key`, or joins the run already in flight for `key`. */
  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.#inflight.get(key);
    if (existing !== undefined) {
      this.#joined++;
      return existing;
    }
    let promise: Promise<T>;
    try {
      promise = Promise.resolve(fn());
    } catch (error) {
      promise = Promise.reject(error);
    }
    this.#runs++;
    this.#inflight.set(key, promise);
    // Registered before any caller can await, so the key is free before any waiter's continuation runs.
    const release = (): void => {
      if (this.#inflight.get(key) === promise) this.#inflight.delete(key);
    };
    promise.then(release, release);
    return promise;
  }

  /** Keys with a run in flight now. */
  get inflight(): number {
    return this.#inflight.size;
  }

  /** Runs started so far (calls that found nothing in flight). */
  get runs(): number {
    return this.#runs;
  }

  /** Calls that joined a run already in flight instead of starting one (the work saved). */
  get joined(): number {
    return this.#joined;
  }
}
