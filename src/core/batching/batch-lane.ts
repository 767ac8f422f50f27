/**
 * The batcher's queues. A lane is a FIFO of requests that can share a batch (equal input names, datatypes and
 * trailing dimensions); internal to the batcher, exported only for it.
 */
import type { Tensor } from '../inference/tensor.js';
import { rowsCompatible } from './tensor-rows.js';

/** One queued request. */
export interface Pending {
  readonly inputs: readonly Tensor[];
  readonly rows: number;
  /** Arrival order, to run the lane with the oldest request first. */
  readonly seq: number;
  /** Arrival time in microseconds (0 when the delay is 0: never read then). */
  readonly at: number;
  readonly resolve: (outputs: Tensor[]) => void;
  readonly reject: (error: unknown) => void;
}

/** Lanes kept while empty (so steady traffic does not re-create them); past this, empty lanes are dropped. */
export const IDLE_LANES = 8;

/**
 * A FIFO of requests that can share a batch; `key` holds the shape signature (no data). A `solo` lane holds
 * requests that run alone (oversized, broadcasting), one per run. The queue is an array read from `head`, so
 * taking a batch shifts nothing.
 */
export class Lane {
  readonly queue: (Pending | undefined)[] = [];
  /** Index of the oldest queued request. */
  head = 0;
  /** Rows queued. */
  rows = 0;

  constructor(
    readonly solo: boolean,
    private readonly key: readonly Tensor[],
  ) {}

  /** True when nothing is queued. */
  get empty(): boolean {
    return this.head === this.queue.length;
  }

  /** The oldest queued request (call only when not empty). */
  peek(): Pending {
    return this.queue[this.head]!;
  }

  /** True when a request with these inputs can be stacked with this lane's requests. */
  accepts(inputs: readonly Tensor[]): boolean {
    const key = this.key;
    if (inputs.length !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (!rowsCompatible(key[i]!, inputs[i]!)) return false;
    return true;
  }

  /** Queues a request at the back. */
  push(p: Pending): void {
    this.queue.push(p);
    this.rows += p.rows;
  }

  /** Drops the first `count` requests (`rows` rows), releasing their references. */
  drop(count: number, rows: number): void {
    const q = this.queue;
    for (let i = 0; i < count; i++) q[this.head++] = undefined;
    this.rows -= rows;
    if (this.head === q.length) {
      q.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= q.length) {
      q.copyWithin(0, this.head);
      q.length -= this.head;
      this.head = 0;
    }
  }
}

/** The shape signature of a request: its tensors without data, so a lane never keeps a request's memory alive. */
export function keyOf(inputs: readonly Tensor[]): Tensor[] {
  return inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape.slice(), data: [] }));
}

/** The rows of a request whose inputs all share their first dimension, or -1 (a scalar, or broadcasting). */
export function uniformRows(inputs: readonly Tensor[]): number {
  const first = inputs[0];
  if (first === undefined || first.shape.length === 0) return -1;
  const rows = first.shape[0]!;
  for (let i = 1; i < inputs.length; i++) {
    const s = inputs[i]!.shape;
    if (s.length === 0 || s[0] !== rows) return -1;
  }
  return rows;
}

