/**
 * The dynamic batcher (Triton's idea): requests for one model version that wait at the same moment run as one
 * inference, stacked along the batch dimension, and each gets back exactly its own rows.
 *
 * When a batch runs. Requests queue in lanes (one lane per input shape signature, since only tensors with equal
 * trailing dimensions can be stacked). While fewer than `maxInflight` batches are running, a lane runs:
 * - at once, inside `submit`, when it holds `maxBatchSize` rows or more;
 * - otherwise at the next event-loop turn (`setImmediate`, after the I/O phase that delivered the request), unless
 *   requests are still arriving: a turn in which at least one new request arrived is followed by another turn,
 *   until a turn brings nothing, the lane fills, or its oldest request has waited `maxQueueDelayMicros`.
 * So a lone request at low load pays one loop turn (microseconds), not the delay: waiting only continues while
 * there is evidence more requests are coming, and the delay caps it. `maxQueueDelayMicros: 0` keeps only the
 * first turn (requests decoded in the same I/O phase still share a batch).
 * While `maxInflight` batches are running nothing new is scheduled: arriving requests queue, and the next batch
 * forms from them when a run finishes (continuous batching; most batching under load comes from here). As in
 * Triton, the delay counts from a request's arrival, so requests that already waited out a run are due at once when
 * the slot frees. (onnxruntime-node runs a session on the JavaScript thread, one setImmediate after `run` is
 * called: requests are read from sockets in the poll phases between runs, and with maxInflight 1 each batch holds
 * what was read since the previous batch started.)
 * No timers are used (1 ms granularity, see TurnScheduler) and nothing is scheduled while the queue is empty.
 *
 * A request with more rows than `maxBatchSize`, or whose inputs disagree on their first dimension (broadcasting),
 * runs alone. When a batch's output cannot be cut back by rows (its first dimension is not the batch), its
 * requests are run one by one (answers stay correct), `onUnsplittable` is told, and the batcher stops combining
 * requests for good, so the caller may also turn batching off for that version. A failed run rejects each of its
 * requests with the run's error; other batches are unaffected.
 */
import { fail } from '../errors.js';
import type { Tensor } from '../inference/tensor.js';
import { IDLE_LANES, Lane, keyOf, uniformRows, type Pending } from './batch-lane.js';
import { concatRows, splitOutputs } from './tensor-rows.js';
import { immediateTurns, type TurnScheduler } from './turn-scheduler.js';

/** Runs the model on (batched) inputs in signature order and returns every output in signature order. */
export type RunBatch = (inputs: readonly Tensor[]) => Promise<Tensor[]>;

/** How one batcher behaves; `maxBatchSize` and `maxQueueDelayMicros` come from the deployment's batching policy. */
export interface DynamicBatcherOptions {
  /** Most rows one batched run carries (a request with more runs alone). */
  readonly maxBatchSize: number;
  /**
   * Longest a request waits for others, from its arrival, in microseconds (Triton's `max_queue_delay_microseconds`).
   * A request may wait longer when every run slot is busy: that wait is for the model, not for others.
   */
  readonly maxQueueDelayMicros: number;
  /**
   * Batches running at the same time (default 1). While all are running, arriving requests form the next batch.
   * onnxruntime-node runs a session on the JavaScript thread, so more than 1 adds no parallelism there: a second
   * batch is only formed earlier, and waits its turn (bench/batching-inprocess.ts measured no gain from 2).
   */
  readonly maxInflight?: number;
  /** Where turns come from (default `setImmediate`); tests step them by hand. */
  readonly scheduler?: TurnScheduler;
  /** A monotonic clock in microseconds (default `performance.now() * 1000`); tests drive it by hand. */
  readonly now?: () => number;
  /** Called once per model run with its rows and requests (the batch size metric). Must not throw. */
  readonly onBatch?: (rows: number, requests: number) => void;
  /** Called when a batch's outputs could not be split by rows (the batcher has stopped combining). Must not throw. */
  readonly onUnsplittable?: (reason: string) => void;
}

/** What a batcher has done so far, and what it holds now. */
export interface BatcherCounters {
  /** Requests accepted by `submit`. */
  readonly requests: number;
  /** Model runs: batches, lone requests, and requests re-run alone after an unsplittable batch. */
  readonly runs: number;
  /** Runs that carried more than one request. */
  readonly batchedRuns: number;
  /** Rows over all runs. */
  readonly rows: number;
  /** Runs that failed (their requests were rejected with the run's error). */
  readonly failedRuns: number;
  /** Batches whose outputs could not be split by rows. */
  readonly unsplittableBatches: number;
  /** Requests waiting now. */
  readonly queued: number;
  /** Runs in progress now. */
  readonly inflight: number;
}

const defaultNow = (): number => performance.now() * 1000;

/**
 * Batches the requests of one served version (the caller creates one per version, so a batch never mixes
 * versions). `submit` resolves with every output of the model for that request's rows, in signature order.
 */
export class DynamicBatcher {
  private readonly run: RunBatch;
  private readonly maxBatchSize: number;
  private readonly delay: number;
  private readonly maxInflight: number;
  private readonly scheduler: TurnScheduler;
  private readonly now: () => number;
  private readonly onBatch: ((rows: number, requests: number) => void) | undefined;
  private readonly onUnsplittable: ((reason: string) => void) | undefined;
  /** lanes[0] is the solo lane (requests that run alone); the others hold one shape signature each. */
  private readonly lanes: Lane[];
  private seq = 0;
  private queued = 0;
  private inflight = 0;
  private turnPending = false;
  /** Requests that arrived since the pending turn was scheduled. */
  private arrivals = 0;
  private combine = true;
  private closing = false;
  private drained: Promise<void> | undefined;
  private resolveDrained: (() => void) | undefined;
  private readonly stats = { requests: 0, runs: 0, batchedRuns: 0, rows: 0, failedRuns: 0, unsplittableBatches: 0 };

  constructor(run: RunBatch, options: DynamicBatcherOptions) {
    const maxInflight = options.maxInflight ?? 1;
    if (!Number.isInteger(options.maxBatchSize) || options.maxBatchSize < 1) {
      throw fail('INTERNAL', `maxBatchSize must be a whole number >= 1, got ${options.maxBatchSize}`);
    }
    if (!(options.maxQueueDelayMicros >= 0)) {
      throw fail('INTERNAL', `maxQueueDelayMicros must be >= 0, got ${options.maxQueueDelayMicros}`);
    }
    if (!Number.isInteger(maxInflight) || maxInflight < 1) {
      throw fail('INTERNAL', `maxInflight must be a whole number >= 1, got ${maxInflight}`);
    }
    this.run = run;
    this.maxBatchSize = options.maxBatchSize;
    this.delay = options.maxQueueDelayMicros;
    this.maxInflight = maxInflight;
    this.scheduler = options.scheduler ?? immediateTurns;
    this.now = options.now ?? defaultNow;
    this.onBatch = options.onBatch;
    this.onUnsplittable = options.onUnsplittable;
    this.lanes = [new Lane(true, [])];
  }

  /** False once a batch's outputs could not be split by rows: from then on every request runs alone. */
  get combining(): boolean {
    return this.combine;
  }

  /** True once `close` was called: `submit` refuses new requests (callers may run them unbatched instead). */
  get closed(): boolean {
    return this.closing;
  }

  /** A snapshot of the counters (for metrics and tests). */
  get counters(): BatcherCounters {
    return { ...this.stats, queued: this.queued, inflight: this.inflight };
  }

  /**
   * Queues one request (inputs checked and in signature order) and resolves with all of the model's outputs for
   * its rows, in signature order. Rejects with the run's error when its batch fails, and with SHUTTING_DOWN after
   * `close`.
   */
  submit(inputs: readonly Tensor[]): Promise<Tensor[]> {
    if (this.closing) return Promise.reject(fail('SHUTTING_DOWN', 'the model version is being unloaded'));
    const uniform = uniformRows(inputs);
    const rows = uniform >= 0 ? uniform : (inputs[0]?.shape[0] ?? 1);
    const lane = uniform < 0 || uniform > this.maxBatchSize || !this.combine ? this.lanes[0]! : this.laneFor(inputs);
    const seq = this.seq++;
    const at = this.delay > 0 ? this.now() : 0;
    let pending!: Pending;
    const answer = new Promise<Tensor[]>((resolve, reject) => {
      pending = { inputs, rows, seq, at, resolve, reject };
    });
    lane.push(pending);
    this.queued++;
    this.stats.requests++;
    const free = this.inflight < this.maxInflight;
    if (free && (lane.solo || lane.rows >= this.maxBatchSize)) this.dispatch(lane);
    else if (this.turnPending) this.arrivals++;
    else if (free) this.scheduleTurn();
    return answer;
  }

  /**
   * Runs everything already queued (without waiting for the delay), refuses new requests with SHUTTING_DOWN from
   * now on, and resolves once every run has finished.
   */
  close(): Promise<void> {
    if (this.drained === undefined) {
      this.closing = true;
      this.drained = new Promise<void>((resolve) => (this.resolveDrained = resolve));
      if (this.queued > 0) this.pump(true);
      this.checkDrained();
    }
    return this.drained;
  }

  private laneFor(inputs: readonly Tensor[]): Lane {
    const lanes = this.lanes;
    for (let i = 1; i < lanes.length; i++) if (lanes[i]!.accepts(inputs)) return lanes[i]!;
    if (lanes.length > IDLE_LANES) {
      for (let i = lanes.length - 1; i >= 1; i--) if (lanes[i]!.empty) lanes.splice(i, 1);
    }
    const lane = new Lane(false, keyOf(inputs));
    lanes.push(lane);
    return lane;
  }

  private scheduleTurn(): void {
    if (this.turnPending) return;
    this.turnPending = true;
    this.arrivals = 0;
    this.scheduler.turn(this.onTurn);
  }

  private readonly onTurn = (): void => {
    this.turnPending = false;
    if (this.queued > 0) this.pump(this.arrivals === 0);
  };

  /**
   * Starts due lanes, oldest request first, while a run slot is free; schedules another turn for lanes not due
   * yet. `quiet`: the last turn brought no new request, so every waiting lane is due.
   */
  private pump(quiet: boolean): void {
    const lanes = this.lanes;
    let now = -1;
    while (this.inflight < this.maxInflight && this.queued > 0) {
      let best: Lane | undefined;
      let bestSeq = Infinity;
      for (let i = 0; i < lanes.length; i++) {
        const lane = lanes[i]!;
        if (lane.empty) continue;
        const head = lane.peek();
        if (head.seq >= bestSeq) continue;
        let due = quiet || this.closing || lane.solo || !this.combine || lane.rows >= this.maxBatchSize || this.delay === 0;
        if (!due) {
          if (now < 0) now = this.now();
          due = now - head.at >= this.delay;
        }
        if (due) {
          best = lane;
          bestSeq = head.seq;
        }
      }
      if (best === undefined) break;
      this.dispatch(best);
    }
    if (this.queued > 0 && this.inflight < this.maxInflight) this.scheduleTurn();
  }

  /** Takes the lane's next batch (as many requests as fit in `maxBatchSize`, in order) and starts its run. */
  private dispatch(lane: Lane): void {
    const q = lane.queue;
    const start = lane.head;
    const first = q[start]!;
    let end = start + 1;
    let rows = first.rows;
    if (!lane.solo && this.combine) {
      while (end < q.length) {
        const next = q[end]!;
        if (rows + next.rows > this.maxBatchSize) break;
        rows += next.rows;
        end++;
      }
    }
    const count = end - start;
    const batch = count === 1 ? null : (q.slice(start, end) as Pending[]);
    lane.drop(count, rows);
    this.queued -= count;
    this.inflight++;
    if (batch === null) this.runAlone(first);
    else this.runBatch(batch, rows);
  }

  private invoke(inputs: readonly Tensor[], rows: number, requests: number): Promise<Tensor[]> {
    this.stats.runs++;
    this.stats.rows += rows;
    if (requests > 1) this.stats.batchedRuns++;
    this.onBatch?.(rows, requests);
    try {
      return this.run(inputs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private runAlone(p: Pending): void {
    this.invoke(p.inputs, p.rows, 1).then(
      (outputs) => {
        this.finished();
        p.resolve(outputs);
      },
      (error: unknown) => {
        this.stats.failedRuns++;
        this.finished();
        p.reject(error);
      },
    );
  }

  private runBatch(batch: Pending[], rows: number): void {
    let inputs: Tensor[];
    try {
      inputs = stack(batch);
    } catch (error) {
      this.finished();
      for (const p of batch) p.reject(error);
      return;
    }
    this.invoke(inputs, rows, batch.length).then(
      (outputs) => this.deliver(batch, outputs),
      (error: unknown) => {
        this.stats.failedRuns++;
        this.finished();
        for (const p of batch) p.reject(error);
      },
    );
  }

  private deliver(batch: Pending[], outputs: Tensor[]): void {
    const rows = batch.map((p) => p.rows);
    const split = splitOutputs(outputs, rows);
    if (split.ok) {
      this.finished();
      for (let j = 0; j < batch.length; j++) batch[j]!.resolve(split.pieces[j]!);
      return;
    }
    this.stats.unsplittableBatches++;
    this.combine = false;
    this.onUnsplittable?.(split.reason);
    void this.oneByOne(batch);
  }

  /** Re-runs an unsplittable batch's requests alone, in the same run slot. */
  private async oneByOne(batch: Pending[]): Promise<void> {
    for (const p of batch) {
      try {
        p.resolve(await this.invoke(p.inputs, p.rows, 1));
      } catch (error) {
        this.stats.failedRuns++;
        p.reject(error);
      }
    }
    this.finished();
  }

  /** A run slot is free again: start what is due (full lanes at once), and resolve `close` when all is done. */
  private finished(): void {
    this.inflight--;
    if (this.queued > 0) this.pump(false);
    else this.checkDrained();
  }

  private checkDrained(): void {
    if (this.closing && this.queued === 0 && this.inflight === 0) this.resolveDrained?.();
  }
}

/** The batch's inputs: input i of every request stacked along dimension 0. */
function stack(batch: readonly Pending[]): Tensor[] {
  const inputs = batch[0]!.inputs;
  const out = new Array<Tensor>(inputs.length);
  const parts = new Array<Tensor>(batch.length);
  for (let i = 0; i < inputs.length; i++) {
    for (let j = 0; j < batch.length; j++) parts[j] = batch[j]!.inputs[i]!;
    out[i] = concatRows(parts);
  }
  return out;
}
