/**
 * Seeded uniform reservoir sampling (Li's Algorithm L): a bounded, reproducible sample of a stream whose length is
 * not known in advance. The training profile keeps one per numerical column for the drift tests; the drift
 * accumulators keep one of live traffic. Algorithm L draws O(k·log(n/k)) random numbers instead of one per item.
 */
import { mulberry32 } from '../random.js';
import type { Random } from '../random.js';
import { fail } from '../errors.js';

/**
 * A reservoir of at most `capacity` items from a stream, every item equally likely to be kept, the same items for
 * the same seed and stream. `sample()` returns the kept items in the order they arrived.
 */
export class ReservoirSampler<T> {
  readonly capacity: number;
  private readonly random: Random;
  private readonly items: T[] = [];
  private readonly positions: number[] = [];
  private seen = 0;
  /** Position (0-based) of the next item to keep once the reservoir is full. */
  private next = 0;
  /** Algorithm L's running weight. */
  private w = 1;

  /** `capacity` is a whole number >= 0; throws INVALID_REQUEST otherwise. */
  constructor(capacity: number, seed = 1) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) {
      throw fail('INVALID_REQUEST', `reservoir capacity ${capacity} is not a whole number >= 0`, { capacity });
    }
    this.capacity = capacity;
    this.random = mulberry32(seed);
  }

  /** Items offered so far. */
  get count(): number {
    return this.seen;
  }

  /** Offers one item. */
  add(item: T): void {
    const position = this.seen++;
    const k = this.capacity;
    if (position < k) {
      this.items.push(item);
      this.positions.push(position);
      if (position === k - 1) {
        this.w = Math.exp(Math.log(this.uniform()) / k);
        this.next = position + this.skip() + 1;
      }
      return;
    }
    if (k === 0 || position !== this.next) return;
    const slot = Math.floor(this.random() * k);
    this.items[slot] = item;
    this.positions[slot] = position;
    this.w *= Math.exp(Math.log(this.uniform()) / k);
    this.next = position + this.skip() + 1;
  }

  /**
   * Offers `count` items at once, calling `itemAt(i)` (i counted from the stream's start) only for the items that
   * are kept: how a whole array is sampled without touching every element.
   */
  addMany(count: number, itemAt: (position: number) => T): void {
    const end = this.seen + count;
    if (this.capacity === 0) {
      this.seen = end;
      return;
    }
    while (this.seen < end) {
      if (this.seen < this.capacity || this.seen === this.next) {
        this.add(itemAt(this.seen));
      } else {
        // Jump straight to the next kept position (or the end of this batch).
        this.seen = Math.min(end, this.next);
      }
    }
  }

  /** The kept items in arrival order. */
  sample(): T[] {
    const order = this.positions.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
    return order.map(([, i]) => this.items[i]!);
  }

  /** A uniform number in (0, 1]: log(0) would be -Infinity. */
  private uniform(): number {
    return 1 - this.random();
  }

  /** Items to pass over before the next one kept; Infinity once the weight has underflowed (nothing more is kept). */
  private skip(): number {
    if (!(this.w > 0)) return Infinity;
    return Math.floor(Math.log(this.uniform()) / Math.log1p(-this.w));
  }
}

/**
 * A uniform sample of `size` values of `values` (all of them, copied, when there are at most `size`), in their
 * original order. The same values and seed give the same sample.
 */
export function reservoirSample(values: ArrayLike<number>, size: number, seed = 1): number[] {
  if (values.length <= size) return Array.from(values);
  const sampler = new ReservoirSampler<number>(size, seed);
  sampler.addMany(values.length, (i) => values[i]!);
  return sampler.sample();
}
