import type { Clock } from '../../core/clock.js';
import type { CircuitPhase } from './version-guard.js';

/**
 * What the server remembers of each model's recent degradation, for `/api/health`: fallbacks served and requests no
 * fallback could answer over the last minute (per-second buckets, so memory stays bounded at any rate), and the last
 * circuit-breaker move of each version with the failure that opened it.
 */

/** A model's degradation over the last window. */
export interface RecentDegradation {
  /** Answers by fallback kind. */
  readonly fallbacks: Readonly<Record<string, number>>;
  /** Fallback answers and exhausted requests by the reason the model did not answer. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Requests no fallback could answer. */
  readonly exhausted: number;
  /** When the last of them happened (epoch ms), null when none did. */
  readonly lastAt: number | null;
}

/** The last circuit move of a version. */
export interface CircuitNote {
  readonly phase: CircuitPhase;
  /** The failure code that opened it (null when it closed or half-opened). */
  readonly cause: string | null;
  readonly at: number;
}

interface Bucket {
  readonly second: number;
  readonly fallbacks: Map<string, number>;
  readonly reasons: Map<string, number>;
  exhausted: number;
  lastAt: number;
}

/** The degradation tracker of one server. */
export class DegradationTracker {
  readonly #clock: Clock;
  readonly #windowMs: number;
  readonly #buckets = new Map<string, Bucket[]>();
  readonly #circuits = new Map<string, CircuitNote>();

  /** @param windowMs how far back `recent` looks (default one minute). */
  constructor(clock: Clock, windowMs = 60_000) {
    this.#clock = clock;
    this.#windowMs = windowMs;
  }

  /** A fallback answered a request of `model`. */
  served(model: string, kind: string, reason: string): void {
    const b = this.#bucket(model);
    b.fallbacks.set(kind, (b.fallbacks.get(kind) ?? 0) + 1);
    b.reasons.set(reason, (b.reasons.get(reason) ?? 0) + 1);
  }

  /** No fallback could answer a request of `model`. */
  exhausted(model: string, reason: string): void {
    const b = this.#bucket(model);
    b.exhausted++;
    b.reasons.set(reason, (b.reasons.get(reason) ?? 0) + 1);
  }

  /** A version's circuit breaker moved. */
  circuit(model: string, version: number, phase: CircuitPhase, cause: string | null): void {
    this.#circuits.set(`${model}/${version}`, { phase, cause, at: this.#clock() });
  }

  /** The last circuit move of a version, if its breaker ever moved. */
  circuitOf(model: string, version: number): CircuitNote | undefined {
    return this.#circuits.get(`${model}/${version}`);
  }

  /** The model's degradation over the window, or null when nothing happened in it. */
  recent(model: string): RecentDegradation | null {
    const buckets = this.#prune(model);
    if (buckets.length === 0) return null;
    const fallbacks: Record<string, number> = {};
    const reasons: Record<string, number> = {};
    let exhausted = 0;
    let lastAt = 0;
    for (const b of buckets) {
      for (const [k, n] of b.fallbacks) fallbacks[k] = (fallbacks[k] ?? 0) + n;
      for (const [k, n] of b.reasons) reasons[k] = (reasons[k] ?? 0) + n;
      exhausted += b.exhausted;
      lastAt = Math.max(lastAt, b.lastAt);
    }
    return { fallbacks, reasons, exhausted, lastAt };
  }

  #bucket(model: string): Bucket {
    const now = this.#clock();
    const second = Math.floor(now / 1000);
    const buckets = this.#prune(model);
    let last = buckets[buckets.length - 1];
    if (last === undefined || last.second !== second) {
      last = { second, fallbacks: new Map(), reasons: new Map(), exhausted: 0, lastAt: now };
      buckets.push(last);
    }
    last.lastAt = now;
    return last;
  }

  #prune(model: string): Bucket[] {
    let buckets = this.#buckets.get(model);
    if (buckets === undefined) this.#buckets.set(model, (buckets = []));
    const oldest = Math.floor((this.#clock() - this.#windowMs) / 1000);
    let drop = 0;
    while (drop < buckets.length && buckets[drop]!.second <= oldest) drop++;
    if (drop > 0) buckets.splice(0, drop);
    return buckets;
  }
}
