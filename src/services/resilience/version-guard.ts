import { BrokenCircuitError, BulkheadPolicy, BulkheadRejectedError, CircuitState, circuitBreaker, handleWhen } from 'cockatiel';
import type { CircuitBreakerPolicy } from 'cockatiel';
import { MooringError, fail } from '../../core/errors.js';
import type { DeploymentPolicy } from '../../core/deployment/policy.js';
import { WindowedBreaker } from './windowed-breaker.js';

/**
 * The guard around one served version's model runs: the circuit breaker, load shedding and the latency budget,
 * in that order:
 *
 *   circuit breaker (cockatiel's policy with our WindowedBreaker rule: CIRCUIT_OPEN while open)
 *     -> admission (cockatiel bulkhead: `limits.maxConcurrent` running, `limits.maxQueued` waiting, the rest OVERLOADED)
 *       -> the work; the request's deadline (DEADLINE_EXCEEDED) covers the wait for a turn and the work
 *
 * What the breaker counts as a failure: everything that means the version cannot answer now: the model failing
 * (INFERENCE_FAILED, NON_FINITE_OUTPUT, anything not a MooringError), the deadline passing (waiting or running), and
 * load shedding (OVERLOADED), as Hystrix counts rejections. A version whose calls hang fills its slots and its queue;
 * counting the timeouts and refusals that follow is what opens its circuit, and a half-open trial that is refused
 * re-opens it instead of (as cockatiel does with errors it does not count) closing it. Not counted: a runner
 * shutting down, and a request whose deadline had passed before its trial began.
 *
 * A request whose deadline passes while it waits for a turn leaves at once; its turn, when it comes, runs nothing.
 * One whose deadline passes while the model runs is answered at once too, but its model call keeps its admission
 * slot until the call settles: a hanging runtime cannot collect more than `maxConcurrent` calls. (onnxruntime-node runs a session on
 * the JavaScript thread, so there a deadline can only be noticed once the run ends: the budget then bounds queueing
 * and batching, and catches asynchronous runtimes that hang.)
 *
 * Built per version from the policy's `circuitBreaker`, `limits` and `latencyBudgetMs`; the serving pool keeps the
 * same guard (and so the breaker's state) across policy changes that leave those three alone.
 */

/** Thrown into a turn whose request already left: the bulkhead frees the slot and moves on. */
const LEFT = Symbol('request left before its turn');

/** The breaker's state as Mooring reports it (metrics, health). */
export type CircuitPhase = 'closed' | 'open' | 'half_open';

/** The settings a guard is built from. */
export type GuardSettings = Pick<DeploymentPolicy, 'circuitBreaker' | 'limits' | 'latencyBudgetMs'>;

/** What a guard tells the server about (metrics, logs, health). */
export interface GuardEvents {
  /** The breaker moved; `cause` is the last failure's code when it opened. */
  onCircuit?(phase: CircuitPhase, cause: string | null): void;
  /** A request was refused because the version was at its limits. */
  onShed?(): void;
}

/** Codes that say the version could not answer (counted by the breaker). */
const MODEL_FAILURES: ReadonlySet<string> = new Set(['INFERENCE_FAILED', 'NON_FINITE_OUTPUT', 'DEADLINE_EXCEEDED', 'OVERLOADED', 'INTERNAL']);

/** Whether an error from a guarded run counts against the version's circuit. */
export function countsAsModelFailure(err: unknown): boolean {
  if (err === LEFT) return false;
  return !(err instanceof MooringError) || MODEL_FAILURES.has(err.code);
}

const PHASE: Readonly<Record<CircuitState, CircuitPhase>> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half_open',
  [CircuitState.Isolated]: 'open',
};

const NOTHING = (): undefined => undefined;

/** One version's admission, breaker and budget. */
export class VersionGuard {
  /** The latency budget in milliseconds (0: none). */
  readonly budgetMs: number;
  readonly settings: GuardSettings;
  readonly #admission: BulkheadPolicy;
  readonly #breaker: CircuitBreakerPolicy | null;
  readonly #retryAfterSeconds: number;
  readonly #events: GuardEvents;
  readonly #label: string;

  /** @param label names the version in error messages (`churn version 3`). */
  constructor(settings: GuardSettings, label: string, events: GuardEvents = {}) {
    this.settings = settings;
    this.budgetMs = settings.latencyBudgetMs;
    this.#label = label;
    this.#events = events;
    this.#retryAfterSeconds = settings.limits.retryAfterSeconds;
    this.#admission = new BulkheadPolicy(settings.limits.maxConcurrent, settings.limits.maxQueued);
    const b = settings.circuitBreaker;
    if (b.enabled) {
      const breaker = circuitBreaker(handleWhen(countsAsModelFailure), {
        halfOpenAfter: b.halfOpenAfterMs,
        breaker: new WindowedBreaker({ errorRatio: b.errorRatio, minRequests: b.minRequests, windowMs: b.windowMs }),
      });
      breaker.onStateChange((state) => {
        const last = breaker.lastFailure;
        const cause = state === CircuitState.Open && last && 'error' in last ? codeOf(last.error) : null;
        this.#events.onCircuit?.(PHASE[state], cause);
      });
      this.#breaker = breaker;
    } else {
      this.#breaker = null;
    }
  }

  /** Whether the guard's settings are `settings` (then a policy change can keep this guard and its state). */
  sameSettings(settings: GuardSettings): boolean {
    return JSON.stringify(settings) === JSON.stringify(this.settings);
  }

  /** The breaker's state ('closed' when the breaker is off). */
  get circuit(): CircuitPhase {
    return this.#breaker === null ? 'closed' : PHASE[this.#breaker.state];
  }

  /** Requests running under this guard, and waiting for a turn. */
  get load(): { readonly running: number; readonly queued: number } {
    const a = this.#admission;
    return { running: this.settings.limits.maxConcurrent - a.executionSlots, queued: this.settings.limits.maxQueued - a.queueSlots };
  }

  /**
   * Runs `work` under the guard. `deadline` is a `performance.now()` time (Infinity: none). Throws OVERLOADED,
   * CIRCUIT_OPEN, DEADLINE_EXCEEDED, or what `work` throws.
   */
  run<T>(deadline: number, work: () => Promise<T>): Promise<T> {
    const breaker = this.#breaker;
    if (deadline === Infinity) {
      const admitted = (): Promise<T> => this.#admission.execute(work).catch((e: unknown) => Promise.reject(this.#translate(e)));
      return (breaker === null ? admitted() : breaker.execute(admitted)).catch((e: unknown) => {
        throw this.#translate(e);
      });
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) return Promise.reject(this.#deadline());
    return new Promise<T>((resolve, reject) => {
      let left = false;
      let interrupt: ((e: unknown) => void) | null = null;
      const timer = setTimeout(() => {
        left = true;
        const err = this.#deadline();
        // Past the breaker (waiting for a turn, or running): fail the attempt, so the breaker counts it.
        // Still before the breaker (a half-open trial is under way): leave now.
        if (interrupt !== null) interrupt(err);
        else reject(err);
      }, remaining);
      const attempt = (): Promise<T> =>
        new Promise<T>((res, rej) => {
          if (left) {
            rej(LEFT);
            return;
          }
          interrupt = rej;
          this.#admission
            .execute(() => {
              // A request that left while it waited: its turn runs nothing.
              if (left) return Promise.reject(LEFT);
              const running = work();
              running.then(res, rej);
              // The turn is held until the model call itself settles: a call that outlives its deadline keeps its
              // slot, so a hanging runtime cannot collect more than `maxConcurrent` calls.
              return running.then(NOTHING, NOTHING);
            })
            .catch((e: unknown) => rej(e === LEFT ? e : this.#translate(e)));
        });
      (breaker === null ? attempt() : breaker.execute(attempt)).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (e: unknown) => {
          clearTimeout(timer);
          if (e !== LEFT) reject(this.#translate(e));
        },
      );
    });
  }

  #translate(e: unknown): unknown {
    if (e instanceof MooringError) return e;
    if (e instanceof BrokenCircuitError) {
      return fail('CIRCUIT_OPEN', `${this.#label} is failing: its circuit breaker is open, so the model is not called`, {
        circuit: this.circuit,
      });
    }
    if (e instanceof BulkheadRejectedError) {
      this.#events.onShed?.();
      const { maxConcurrent, maxQueued } = this.settings.limits;
      return fail('OVERLOADED', `${this.#label} has ${maxConcurrent} requests running and ${maxQueued} waiting: retry later`, {
        retry_after_seconds: this.#retryAfterSeconds,
      });
    }
    return e;
  }

  #deadline(): MooringError {
    return fail('DEADLINE_EXCEEDED', `${this.#label} did not answer within the latency budget of ${this.budgetMs} ms`, {
      latency_budget_ms: this.budgetMs,
    });
  }
}

function codeOf(e: unknown): string {
  return e instanceof MooringError ? e.code : 'INTERNAL';
}
