import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { INPUTS_UNSERIALIZABLE_FLAG, OUTPUTS_UNSERIALIZABLE_FLAG } from '../core/monitoring/prediction-record.js';
import type { PredictionFeedback, PredictionRecord } from '../core/monitoring/prediction-record.js';
import { MemoryPredictionLog } from '../storage/memory/memory-prediction-log.js';
import type {
  AppendOptions,
  EncodedBatch,
  PredictionFilter,
  PredictionLog,
  PredictionPage,
  PredictionQuery,
} from '../storage/prediction-log.js';
import { FakeClock } from '../../test/conformance/registry-fixtures.js';
import { ManualScheduler, settle } from '../../test/helpers/manual-scheduler.js';
import { throwsCode } from '../../test/helpers/assert-code.js';
import { PredictionLogger } from './prediction-logger.js';
import type { PredictionLogEntry, PredictionLoggerOptions, WarnLogger } from './prediction-logger.js';

/** A PredictionLog in memory whose appends a test can fail, hold back, and watch for overlap. */
class ControlledLog implements PredictionLog {
  readonly inner = new MemoryPredictionLog();
  /** Sizes of the batches `append` was called with, failed ones included. */
  readonly batches: number[] = [];
  /** The key of each of those calls. */
  readonly keys: (string | undefined)[] = [];
  readonly deletes: number[] = [];
  failAppends = 0;
  /** Appends that store their batch and then fail anyway, as when a commit's answer is lost. */
  failAfterWrite = 0;
  failDeletes = 0;
  maxConcurrent = 0;
  #running = 0;
  #gate: Promise<void> | null = null;
  #open: (() => void) | null = null;

  /** Holds every append until `release()`. */
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  release(): void {
    this.#open?.();
    this.#gate = null;
  }

  async append(records: readonly PredictionRecord[], options?: AppendOptions): Promise<number> {
    this.batches.push(records.length);
    this.keys.push(options?.key);
    this.#running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.#running);
    try {
      if (this.#gate !== null) await this.#gate;
      if (this.failAppends > 0) {
        this.failAppends--;
        throw new Error('database is down');
      }
      const added = await this.inner.append(records, options);
      if (this.failAfterWrite > 0) {
        this.failAfterWrite--;
        throw new Error('connection lost during commit');
      }
      return added;
    } finally {
      this.#running--;
    }
  }

  async deleteBefore(at: number): Promise<number> {
    this.deletes.push(at);
    if (this.failDeletes > 0) {
      this.failDeletes--;
      throw new Error('database is down');
    }
    return this.inner.deleteBefore(at);
  }

  migrate(): Promise<void> {
    return this.inner.migrate();
  }
  appendEncoded(batch: EncodedBatch): Promise<number> {
    return this.inner.appendEncoded(batch);
  }
  query(q: PredictionQuery): Promise<PredictionPage> {
    return this.inner.query(q);
  }
  labelled(q: PredictionQuery): Promise<PredictionPage> {
    return this.inner.labelled(q);
  }
  count(f: PredictionFilter): Promise<number> {
    return this.inner.count(f);
  }
  addFeedback(items: readonly PredictionFeedback[]): Promise<void> {
    return this.inner.addFeedback(items);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

interface Rig {
  readonly logger: PredictionLogger;
  readonly log: ControlledLog;
  readonly clock: FakeClock;
  readonly scheduler: ManualScheduler;
  readonly warnings: { obj: Record<string, unknown>; msg: string }[];
}

function rig(options: Partial<PredictionLoggerOptions> = {}): Rig {
  const clock = new FakeClock();
  const scheduler = new ManualScheduler(clock);
  const log = new ControlledLog();
  const warnings: Rig['warnings'] = [];
  const warn: WarnLogger = { warn: (obj, msg) => warnings.push({ obj: obj as Record<string, unknown>, msg }) };
  const logger = new PredictionLogger({ log, logger: warn, clock: clock.clock, scheduler, ...options });
  return { logger, log, clock, scheduler, warnings };
}

let seq = 0;
function entry(over: Partial<PredictionLogEntry> = {}): PredictionLogEntry {
  return {
    id: `req-${seq++}`,
    at: Date.UTC(2024, 0, 1),
    model: 'iris',
    version: 1,
    route: 'production',
    rows: 1,
    inputs: { x: [1, 2, 3, 4] },
    outputs: { y: [0] },
    latencyMs: 0.5,
    status: 'ok',
    error: null,
    flags: [],
    ...over,
  };
}

const recordMany = (logger: PredictionLogger, n: number, over: Partial<PredictionLogEntry> = {}): void => {
  for (let i = 0; i < n; i++) logger.record(entry(over));
};

describe('PredictionLogger', () => {
  test('record only buffers: no write and no JSON work until the interval flushes one batch', async () => {
    const { logger, log, scheduler } = rig();
    let conversions = 0;
    const lazy = () => {
      conversions++;
      return { x: [[5.1, 3.5]] };
    };
    for (let i = 0; i < 10; i++) logger.record(entry({ inputs: lazy, outputs: () => ({ y: [i] }) }));
    assert.equal(conversions, 0);
    assert.deepEqual(logger.counters(), { written: 0, dropped: 0, failedFlushes: 0, buffered: 10, pruned: 0 });
    await scheduler.advance(999);
    assert.deepEqual(log.batches, []);
    await scheduler.advance(1);
    assert.deepEqual(log.batches, [10]);
    assert.equal(conversions, 10);
    assert.deepEqual(logger.counters(), { written: 10, dropped: 0, failedFlushes: 0, buffered: 0, pruned: 0 });
    const { items } = await log.query({ model: 'iris' });
    assert.deepEqual(items.map((p) => p.inputs), Array.from({ length: 10 }, () => ({ x: [[5.1, 3.5]] })));
    assert.deepEqual(new Set(items.map((p) => JSON.stringify(p.outputs))).size, 10);
    await scheduler.advance(5000);
    assert.deepEqual(log.batches, [10], 'an empty buffer is not flushed');
    await logger.close();
  });

  test('maxBatch waiting entries start a flush at once (off the caller stack), and a backlog drains batch by batch', async () => {
    const { logger, log, scheduler } = rig({ maxBatch: 500 });
    recordMany(logger, 1250);
    assert.deepEqual(log.batches, [], 'record itself never writes');
    await scheduler.advance(0);
    assert.deepEqual(log.batches, [500, 500]);
    await scheduler.advance(1000);
    assert.deepEqual(log.batches, [500, 500, 250]);
    assert.equal(await log.count({ model: 'iris' }), 1250);
    await logger.close();
  });

  test('memory is bounded: past maxBuffered (the batch in flight included) entries are dropped and counted', async () => {
    const { logger, log, scheduler } = rig({ maxBatch: 100, maxBuffered: 1000 });
    recordMany(logger, 1200);
    assert.deepEqual(logger.counters(), { written: 0, dropped: 200, failedFlushes: 0, buffered: 1000, pruned: 0 });
    log.hold();
    await scheduler.advance(0);
    assert.deepEqual(log.batches, [100]);
    assert.equal(logger.counters().buffered, 1000, 'the batch being written still counts');
    recordMany(logger, 5);
    assert.equal(logger.counters().dropped, 205);
    log.release();
    await settle();
    await scheduler.advance(0);
    assert.equal(logger.counters().buffered, 0);
    recordMany(logger, 5);
    assert.equal(logger.counters().dropped, 205, 'room again once written');
    await logger.close();
    assert.deepEqual(logger.counters(), { written: 1005, dropped: 205, failedFlushes: 0, buffered: 0, pruned: 0 });
  });

  test('a failed flush keeps its batch, warns once, and the next tick writes it without redoing the JSON work', async () => {
    const { logger, log, scheduler, warnings } = rig({ maxBatch: 100 });
    let conversions = 0;
    const inputs = () => {
      conversions++;
      return [1];
    };
    log.failAppends = 1;
    recordMany(logger, 150, { inputs });
    await scheduler.advance(0);
    assert.deepEqual(log.batches, [100], 'after a failure nothing retries before the next tick');
    assert.deepEqual(logger.counters(), { written: 0, dropped: 0, failedFlushes: 1, buffered: 150, pruned: 0 });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.msg ?? '', /flush failed/);
    assert.equal((warnings[0]?.obj['err'] as Error).message, 'database is down');
    assert.equal(warnings[0]?.obj['batch'], 100);
    recordMany(logger, 100, { inputs });
    await scheduler.advance(0);
    assert.deepEqual(log.batches, [100], 'while backing off, a full buffer waits for the tick too');
    await scheduler.advance(1000);
    assert.deepEqual(log.batches, [100, 100, 100], 'the kept batch goes first, whole; then full batches drain');
    await scheduler.advance(1000);
    assert.deepEqual(log.batches, [100, 100, 100, 50]);
    assert.equal(conversions, 250, 'each entry was resolved once');
    assert.deepEqual(logger.counters(), { written: 250, dropped: 0, failedFlushes: 1, buffered: 0, pruned: 0 });
    assert.equal(await log.count({ model: 'iris' }), 250);
    assert.equal(warnings.length, 1);
    await logger.close();
  });

  test('every batch has its own key, and a failed batch is retried whole under its key, so an in-doubt commit is stored once', async () => {
    const { logger, log, scheduler } = rig({ maxBatch: 10 });
    recordMany(logger, 25);
    await scheduler.advance(0);
    assert.deepEqual(log.batches, [10, 10]);
    log.failAfterWrite = 1;
    log.failAppends = 1;
    await scheduler.advance(1000);
    assert.deepEqual(log.batches, [10, 10, 5], 'the commit went through but the answer was lost');
    await scheduler.advance(1000);
    assert.deepEqual(log.batches, [10, 10, 5, 5], 'failed outright');
    recordMany(logger, 3);
    await scheduler.advance(1000);
    assert.deepEqual(log.batches, [10, 10, 5, 5, 5], 'the kept batch goes first, whole');
    await scheduler.advance(1000);
    assert.deepEqual(log.batches, [10, 10, 5, 5, 5, 3], 'then the new entries, in a batch of their own');
    const [k1, k2, k3, k4, k5, k6] = log.keys;
    assert.ok(log.keys.every((k) => typeof k === 'string' && k.length > 0));
    assert.equal(new Set([k1, k2, k3, k6]).size, 4, 'each batch formed gets a new key');
    assert.deepEqual([k4, k5], [k3, k3], 'every retry reuses the key of its batch');
    assert.equal(await log.count({ model: 'iris' }), 28, 'stored once, though written three times');
    assert.deepEqual(logger.counters(), { written: 28, dropped: 0, failedFlushes: 2, buffered: 0, pruned: 0 });
    await logger.close();
  });

  test('at most one flush is in flight: ticks and full batches wait for it', async () => {
    const { logger, log, scheduler } = rig({ maxBatch: 50 });
    log.hold();
    recordMany(logger, 60);
    await scheduler.advance(0);
    await scheduler.advance(10_000);
    recordMany(logger, 100);
    await scheduler.advance(10_000);
    assert.deepEqual(log.batches, [50]);
    const flushed = logger.flush();
    log.release();
    assert.equal(await flushed, true);
    assert.equal(log.maxConcurrent, 1);
    assert.deepEqual(logger.counters().written + logger.counters().buffered, 160);
    await logger.close();
    assert.equal(await log.count({ model: 'iris' }), 160);
    assert.equal(log.maxConcurrent, 1);
  });

  test('close writes everything, stops the timers, and drops (counts) what is recorded after it', async () => {
    const { logger, log, scheduler } = rig({ maxBatch: 500, retentionMs: 60_000 });
    recordMany(logger, 1234);
    await logger.close();
    assert.deepEqual(log.batches, [500, 500, 234]);
    assert.equal(await log.count({ model: 'iris' }), 1234);
    assert.equal(scheduler.pending, 0);
    logger.record(entry());
    await logger.close();
    assert.deepEqual(logger.counters(), { written: 1234, dropped: 1, failedFlushes: 0, buffered: 0, pruned: 0 });
  });

  test('close gives up at the first failure instead of hanging on a dead database, and says how much was lost', async () => {
    const { logger, log, warnings } = rig({ maxBatch: 10 });
    log.failAppends = Number.POSITIVE_INFINITY;
    recordMany(logger, 25);
    await logger.close();
    assert.deepEqual(log.batches, [10]);
    assert.deepEqual(logger.counters(), { written: 0, dropped: 25, failedFlushes: 1, buffered: 0, pruned: 0 });
    assert.deepEqual(warnings.at(-1)?.obj, { lost: 25 });
  });

  test('malformed entries and failing conversions never block a batch', async () => {
    const { logger, log, scheduler, warnings } = rig();
    logger.record(entry({ id: 'good' }));
    logger.record(entry({ id: 'bad', version: 0 }));
    logger.record(entry({ id: 'nan', latencyMs: Number.NaN }));
    logger.record(
      entry({
        id: 'throws',
        flags: ['mine'],
        inputs: () => {
          throw new Error('cannot convert');
        },
        outputs: () => {
          throw new Error('cannot convert');
        },
      }),
    );
    logger.record(null as unknown as PredictionLogEntry);
    await scheduler.advance(1000);
    assert.deepEqual(logger.counters(), { written: 2, dropped: 3, failedFlushes: 0, buffered: 0, pruned: 0 });
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]?.obj['malformed'], 3);
    const byId = new Map((await log.query({ model: 'iris' })).items.map((p) => [p.id, p]));
    assert.deepEqual([...byId.keys()].sort(), ['good', 'throws']);
    assert.deepEqual(byId.get('throws')?.flags, ['mine', INPUTS_UNSERIALIZABLE_FLAG, OUTPUTS_UNSERIALIZABLE_FLAG]);
    assert.deepEqual([byId.get('throws')?.inputs, byId.get('throws')?.outputs], [null, null]);
    await logger.close();
  });

  test('retention prunes every interval relative to the clock; a failed run warns and the next one runs', async () => {
    const { logger, log, scheduler, clock, warnings } = rig({ retentionMs: 10_000, pruneIntervalMs: 60_000 });
    const start = clock.now;
    await log.inner.append([0, 5_000, 55_000, 59_999].map((ago) => ({ ...entry(), inputs: null, outputs: null, at: start + ago })));
    await scheduler.advance(60_000);
    assert.deepEqual(log.deletes, [start + 50_000]);
    assert.equal(logger.counters().pruned, 2);
    log.failDeletes = 1;
    await scheduler.advance(60_000);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]?.msg ?? '', /retention failed/);
    await scheduler.advance(60_000);
    assert.deepEqual(log.deletes, [start + 50_000, start + 110_000, start + 170_000]);
    assert.equal(logger.counters().pruned, 4);
    assert.equal(await logger.pruneOlderThan(0), 0);
    await logger.close();
  });

  test('options are checked, and a pino logger fits', () => {
    const log = new MemoryPredictionLog();
    const logger = pino({ enabled: false });
    for (const bad of [{ maxBatch: 0 }, { flushIntervalMs: 1.5 }, { maxBatch: 100, maxBuffered: 50 }, { retentionMs: -1 }]) {
      throwsCode(() => new PredictionLogger({ log, logger, ...bad }), 'CONFIG_INVALID');
    }
    void new PredictionLogger({ log, logger }).close();
  });
});
