import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.js';
import { fail } from '../core/errors.js';
import type { Scheduler } from '../core/scheduler.js';
import type { AlertStore } from '../storage/alert-store.js';

/**
 * A periodic round that one replica runs at a time: every round first takes or renews a named lease in the alert
 * store (one lease table per database), and a replica that does not hold it skips the round; when the holder stops
 * renewing (it crashed) or releases the lease (it stopped), another takes over. Rounds never overlap: the next is
 * scheduled when one ends. Shared by the alert evaluator and the rollout controller.
 */

/** Where a loop logs. */
export interface LoopLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** How a leased loop is set up. */
export interface LeasedLoopOptions {
  readonly leases: Pick<AlertStore, 'acquireLease' | 'releaseLease'>;
  /** The lease's name: loops sharing it share the work. */
  readonly name: string;
  /** This process's name in the lease (default `host:pid:random`). */
  readonly holder?: string;
  /** How long the lease lasts without renewal; default: 3 loop intervals, at least 30 s (`defaultTtlMs` before start). */
  readonly leaseTtlMs?: number;
  readonly defaultTtlMs: number;
  readonly clock: Clock;
  readonly scheduler: Scheduler;
  readonly logger: LoopLogger;
  /** What the loop does, for its messages (`alert evaluation`, `rollout`). */
  readonly what: string;
}

/** A lease and the loop that renews it. */
export class LeasedLoop {
  readonly holder: string;
  readonly #o: LeasedLoopOptions;
  readonly #explicitTtl: boolean;
  #ttlMs: number;
  #leaseUntil = 0;
  #cancelTimer: (() => void) | null = null;
  #round: Promise<unknown> | null = null;
  #running = false;

  constructor(options: LeasedLoopOptions) {
    this.#o = options;
    this.holder = options.holder ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
    this.#explicitTtl = options.leaseTtlMs !== undefined;
    this.#ttlMs = options.leaseTtlMs ?? options.defaultTtlMs;
  }

  /** Takes or renews the lease; true when this process holds it now (until `leaseUntil` by its clock). */
  async acquire(): Promise<boolean> {
    const ttl = this.#ttlMs;
    if (!(await this.#o.leases.acquireLease(this.#o.name, this.holder, ttl))) {
      this.#leaseUntil = 0;
      return false;
    }
    this.#leaseUntil = this.#o.clock() + ttl;
    return true;
  }

  /** Whether the lease is still this process's by its clock (a round that outlived it must not write). */
  held(): boolean {
    return this.#o.clock() < this.#leaseUntil;
  }

  /** Records that the lease moved to another replica (a fenced write was refused). */
  lost(): void {
    this.#leaseUntil = 0;
  }

  /**
   * Runs `round` every `intervalMs` (the first at once) until `stop`. The lease lasts 3 intervals (at least 30 s)
   * unless `leaseTtlMs` was given. CONFIG_INVALID for an interval that is not a positive whole number.
   */
  start(intervalMs: number, round: () => Promise<unknown>): void {
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 1) {
      throw fail('CONFIG_INVALID', `the ${this.#o.what} interval must be a positive whole number of milliseconds, got ${String(intervalMs)}`);
    }
    if (this.#running) return;
    this.#running = true;
    if (!this.#explicitTtl) this.#ttlMs = Math.max(30_000, 3 * intervalMs);
    const tick = (): void => {
      this.#cancelTimer = null;
      this.#round = round()
        .catch((e: unknown) => this.#o.logger.error({ err: (e as Error).message }, `${this.#o.what} round failed`))
        .finally(() => {
          this.#round = null;
          if (this.#running) this.#cancelTimer = this.#o.scheduler.after(intervalMs, tick);
        });
    };
    this.#cancelTimer = this.#o.scheduler.after(0, tick);
  }

  /**
   * Stops the loop, waits for the round in flight (then `drain`, e.g. deliveries), and releases the lease so another
   * replica takes over at once; a release that fails is logged (the lease expires on its own).
   */
  async stop(drain?: () => Promise<void>): Promise<void> {
    this.#running = false;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    await this.#round;
    await drain?.();
    this.#leaseUntil = 0;
    await this.#o.leases.releaseLease(this.#o.name, this.holder).catch((e: unknown) =>
      this.#o.logger.warn({ err: (e as Error).message }, `the ${this.#o.what} lease could not be released; it expires on its own`),
    );
  }
}
