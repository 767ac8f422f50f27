import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { fail } from '../core/errors.js';
import {
  INPUTS_UNSERIALIZABLE_FLAG,
  OUTPUTS_UNSERIALIZABLE_FLAG,
  predictionRecordProblem,
} from '../core/monitoring/prediction-record.js';
import type { PredictionRecord } from '../core/monitoring/prediction-record.js';
import type { Scheduler } from '../core/scheduler.js';
import { systemScheduler } from '../core/scheduler.js';
import type { PredictionLog } from '../storage/prediction-log.js';

/**
 * One prediction as the hot path hands it over. Like a PredictionRecord, except that `inputs` and `outputs` may be
 * functions: a function is called at flush time and its result is logged, so the request never pays for turning
 * tensors into JSON. (Pass a function whenever the value is not plain JSON already: a typed array would be logged
 * as an object of indices, a BigInt64Array as decimal strings.) A function that throws logs null and adds
 * INPUTS_UNSERIALIZABLE_FLAG / OUTPUTS_UNSERIALIZABLE_FLAG.
 */
export interface PredictionLogEntry extends Omit<PredictionRecord, 'inputs' | 'outputs'> {
  /** A JSON value, a JsonText (stored verbatim), or a function returning one at flush time. */
  readonly inputs: unknown;
  /** A JSON value or a JsonText (null on error), or a function returning one at flush time. */
  readonly outputs: unknown;
}

/** Where the logger reports failures; a pino logger fits. */
export interface WarnLogger {
  warn(obj: object, msg: string): void;
}

/** What the logger has done so far. */
export interface PredictionLoggerCounters {
  /** Records handed to the log by successful flushes (a retried batch the log already held still counts). */
  readonly written: number;
  /** Entries given up: buffer full, recorded after close, malformed, or still unwritten when close gave up. */
  readonly dropped: number;
  /** Flushes whose `append` failed (their batch was kept for the next one). */
  readonly failedFlushes: number;
  /** Entries waiting, including a batch being written. */
  readonly buffered: number;
  /** Predictions deleted by retention. */
  readonly pruned: number;
}

/** How the logger batches, bounds and prunes. */
export interface PredictionLoggerOptions {
  /** Where batches go. */
  readonly log: Pick<PredictionLog, 'append' | 'deleteBefore'>;
  readonly logger: WarnLogger;
  readonly clock?: Clock;
  readonly scheduler?: Scheduler;
  /** Flush at least this often while entries wait (default 1000). */
  readonly flushIntervalMs?: number;
  /** Entries per `append`; this many waiting also starts a flush at once (default 500). */
  readonly maxBatch?: number;
  /** Entries held at most, counting a batch in flight; past it new entries are dropped (default 50,000). */
  readonly maxBuffered?: number;
  /** Keep predictions this long; null or absent turns periodic pruning off. */
  readonly retentionMs?: number | null;
  /** How often retention runs when it is on (default one hour). */
  readonly pruneIntervalMs?: number;
}

const DEFAULTS = { flushIntervalMs: 1000, maxBatch: 500, maxBuffered: 50_000, pruneIntervalMs: 3_600_000 } as const;

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw fail('CONFIG_INVALID', `prediction logger ${name} must be a positive whole number, got ${String(value)}`, { name });
  }
  return value;
}

function resolveDeferred(value: unknown, flag: string, flags: string[]): unknown {
  if (typeof value !== 'function') return value;
  try {
    return (value as () => unknown)();
  } catch {
    flags.push(flag);
    return null;
  }
}

/** The record an entry stands for: deferred values resolved, flags copied (the caller may reuse its array). */
function materialize(e: PredictionLogEntry): PredictionRecord {
  // A non-array is passed through as it is, for the record check to name it.
  const flags = Array.isArray(e.flags) ? [...e.flags] : (e.flags as unknown as string[]);
  const inputs = resolveDeferred(e.inputs, INPUTS_UNSERIALIZABLE_FLAG, flags);
  const outputs = resolveDeferred(e.outputs, OUTPUTS_UNSERIALIZABLE_FLAG, flags);
  return {
    id: e.id,
    at: e.at,
    model: e.model,
    version: e.version,
    route: e.route,
    rows: e.rows,
    inputs,
    outputs,
    latencyMs: e.latencyMs,
    status: e.status,
    error: e.error,
    flags,
  };
}

/** A batch as it is appended: its records, resolved once, and the key that makes a retry of it a no-op. */
interface Batch {
  readonly key: string;
  readonly records: PredictionRecord[];
}

/**
 * The batching writer in front of the PredictionLog: the hot path calls `record`, which only pushes onto a buffer;
 * the writes happen later, one `append` (one transaction) per batch.
 *
 * - A flush starts every `flushIntervalMs`, or soon after `maxBatch` entries wait; at most one is in flight, and a
 *   backlog drains batch after batch.
 * - Memory is bounded: at most `maxBuffered` entries are held (the batch in flight included); beyond that new
 *   entries are dropped and counted, never queued.
 * - Each batch gets a key (a random UUID) when it is formed, and `append` stores a key once. A failed flush keeps
 *   its batch whole (records already resolved, same key) and writes it again at the next tick, before anything
 *   newer, logging one warning; nothing is retried in a tight loop. So a batch whose commit was in doubt (the
 *   database committed, the answer was lost) is never stored twice. A malformed entry is dropped (counted, warned)
 *   rather than failing every retry of its batch.
 * - `close()` stops the timers and writes what is left, giving up (and counting the rest as dropped) at the first
 *   failure, so shutdown cannot hang on a dead database. It does not close the PredictionLog: its owner does.
 */
export class PredictionLogger {
  readonly #log: Pick<PredictionLog, 'append' | 'deleteBefore'>;
  readonly #logger: WarnLogger;
  readonly #clock: Clock;
  readonly #scheduler: Scheduler;
  readonly #flushIntervalMs: number;
  readonly #maxBatch: number;
  readonly #maxBuffered: number;
  readonly #retentionMs: number | null;
  readonly #pruneIntervalMs: number;

  /** Entries as recorded, oldest first. */
  #buffer: PredictionLogEntry[] = [];
  /** The batch whose append failed, written again before anything in `#buffer` (one at most: one flight at a time). */
  #retry: Batch | null = null;
  #inFlight: Promise<boolean> | null = null;
  #inFlightCount = 0;
  #soon: (() => void) | null = null;
  #flushTimer: (() => void) | null = null;
  #pruneTimer: (() => void) | null = null;
  #pruning: Promise<void> | null = null;
  /** Set by a failed flush, cleared by a successful one: while set, only the interval retries (no storm of 0 ms flushes). */
  #backingOff = false;
  #closed = false;
  #closing: Promise<void> | null = null;

  #written = 0;
  #dropped = 0;
  #failedFlushes = 0;
  #pruned = 0;

  constructor(options: PredictionLoggerOptions) {
    this.#log = options.log;
    this.#logger = options.logger;
    this.#clock = options.clock ?? systemClock;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#flushIntervalMs = positiveInteger(options.flushIntervalMs ?? DEFAULTS.flushIntervalMs, 'flushIntervalMs');
    this.#maxBatch = positiveInteger(options.maxBatch ?? DEFAULTS.maxBatch, 'maxBatch');
    this.#maxBuffered = positiveInteger(options.maxBuffered ?? DEFAULTS.maxBuffered, 'maxBuffered');
    if (this.#maxBuffered < this.#maxBatch) {
      throw fail('CONFIG_INVALID', 'prediction logger maxBuffered must be at least maxBatch', { name: 'maxBuffered' });
    }
    this.#retentionMs = options.retentionMs == null ? null : positiveInteger(options.retentionMs, 'retentionMs');
    this.#pruneIntervalMs = positiveInteger(options.pruneIntervalMs ?? DEFAULTS.pruneIntervalMs, 'pruneIntervalMs');
    this.#armFlushTimer();
    if (this.#retentionMs !== null) this.#armPruneTimer();
  }

  /**
   * Queues one prediction for the log. Synchronous and O(1): it never awaits, never throws, and does no JSON work;
   * when the buffer is full or the logger closed, the entry is dropped and counted.
   */
  record(entry: PredictionLogEntry): void {
    try {
      if (this.#closed || this.#pending() >= this.#maxBuffered) {
        this.#dropped++;
        return;
      }
      this.#buffer.push(entry);
      if (this.#buffer.length >= this.#maxBatch) this.#flushSoon();
    } catch {
      // Nothing above should throw; if something does, the prediction must still be answered.
      this.#dropped++;
    }
  }

  /** The counters, as of now. */
  counters(): PredictionLoggerCounters {
    return {
      written: this.#written,
      dropped: this.#dropped,
      failedFlushes: this.#failedFlushes,
      buffered: this.#pending(),
      pruned: this.#pruned,
    };
  }

  /**
   * Writes what is buffered now (batch by batch, waiting for a flush already in flight); resolves false when a
   * flush failed (its entries stay buffered). Entries recorded meanwhile may or may not be included.
   */
  async flush(): Promise<boolean> {
    if (this.#inFlight !== null) await this.#inFlight;
    // Bounded, so a steady stream of new entries cannot keep this loop going forever.
    let rounds = Math.ceil(this.#pending() / this.#maxBatch);
    while (rounds-- > 0 && this.#pending() > 0) {
      if (!(await this.#flushOnce())) return false;
    }
    return true;
  }

  /**
   * Deletes predictions older than `ms` before now (`deleteBefore(now - ms)`); resolves to how many went. Rejects
   * as the log does; the periodic run logs failures instead.
   */
  async pruneOlderThan(ms: number): Promise<number> {
    const deleted = await this.#log.deleteBefore(Math.floor(this.#clock() - ms));
    this.#pruned += deleted;
    return deleted;
  }

  /** Stops the timers and writes everything still buffered (see the class comment for when it gives up). */
  async close(): Promise<void> {
    if (this.#closing === null) this.#closing = this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closed = true;
    for (const cancel of [this.#flushTimer, this.#pruneTimer, this.#soon]) cancel?.();
    this.#flushTimer = this.#pruneTimer = this.#soon = null;
    if (this.#pruning !== null) await this.#pruning;
    if (this.#inFlight !== null) await this.#inFlight;
    while (this.#pending() > 0) {
      if (!(await this.#flushOnce())) break;
    }
    const lost = this.#buffer.length + this.#retryCount();
    if (lost > 0) {
      this.#dropped += lost;
      this.#buffer = [];
      this.#retry = null;
      this.#logger.warn({ lost }, 'prediction log: entries not written at close');
    }
  }

  #pending(): number {
    return this.#buffer.length + this.#retryCount() + this.#inFlightCount;
  }

  #retryCount(): number {
    return this.#retry?.records.length ?? 0;
  }

  #armFlushTimer(): void {
    this.#flushTimer = this.#scheduler.after(this.#flushIntervalMs, () => {
      this.#armFlushTimer();
      if (this.#inFlight === null && this.#pending() > 0) void this.#flushOnce();
    });
  }

  #armPruneTimer(): void {
    this.#pruneTimer = this.#scheduler.after(this.#pruneIntervalMs, () => {
      this.#armPruneTimer();
      if (this.#pruning !== null || this.#retentionMs === null) return;
      this.#pruning = this.pruneOlderThan(this.#retentionMs)
        .then(
          () => undefined,
          (err: unknown) => this.#logger.warn({ err }, 'prediction log: retention failed; it runs again at the next interval'),
        )
        .finally(() => {
          this.#pruning = null;
        });
    });
  }

  // A timer of 0 ms, not a direct call: the flush resolves deferred values (the JSON work), which must not run on
  // the stack of the request that filled the batch.
  #flushSoon(): void {
    if (this.#soon !== null || this.#inFlight !== null || this.#closed || this.#backingOff) return;
    this.#soon = this.#scheduler.after(0, () => {
      this.#soon = null;
      void this.#flushOnce();
    });
  }

  /** Starts one batch unless one is in flight (then it shares that one); resolves true unless `append` failed. */
  #flushOnce(): Promise<boolean> {
    if (this.#inFlight !== null) return this.#inFlight;
    // writeBatch handles its own failures; the catch is for a logger that throws, which must not leave a flight open.
    const flight = this.#writeBatch().catch(() => false);
    this.#inFlight = flight;
    void flight.then((ok) => {
      this.#inFlight = null;
      if (ok && this.#buffer.length + this.#retryCount() >= this.#maxBatch) this.#flushSoon();
    });
    return flight;
  }

  async #writeBatch(): Promise<boolean> {
    try {
      let batch = this.#retry;
      this.#retry = null;
      if (batch === null) {
        // The key is made once, here: every retry of this batch carries it again.
        const fresh = this.#buffer.splice(0, this.#maxBatch);
        this.#inFlightCount = fresh.length;
        batch = { key: randomUUID(), records: this.#resolve(fresh) };
      }
      this.#inFlightCount = batch.records.length;
      if (batch.records.length === 0) return true;
      try {
        await this.#log.append(batch.records, { key: batch.key });
      } catch (err) {
        this.#failedFlushes++;
        this.#backingOff = true;
        // Kept whole with its key: the retry neither repeats the JSON work nor stores twice what did commit.
        this.#retry = batch;
        this.#logger.warn(
          { err, batch: batch.records.length, buffered: this.#buffer.length + batch.records.length },
          'prediction log: flush failed; the batch is kept for the next flush',
        );
        return false;
      }
      this.#written += batch.records.length;
      this.#backingOff = false;
      return true;
    } finally {
      this.#inFlightCount = 0;
    }
  }

  /** Resolves entries into records; malformed ones are dropped, counted and warned about. */
  #resolve(entries: readonly PredictionLogEntry[]): PredictionRecord[] {
    const batch: PredictionRecord[] = [];
    let malformed = 0;
    let problem: string | null = null;
    for (const entry of entries) {
      let record: PredictionRecord | null = null;
      let found: string | null;
      try {
        record = materialize(entry);
        found = predictionRecordProblem(record);
      } catch {
        found = 'the entry could not be read';
      }
      if (found === null && record !== null) {
        batch.push(record);
      } else {
        malformed++;
        problem ??= found;
      }
    }
    if (malformed > 0) {
      this.#dropped += malformed;
      this.#logger.warn({ malformed, problem }, 'prediction log: malformed entries dropped');
    }
    return batch;
  }
}
