import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/clock.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { isMooringError } from '../../src/core/errors.js';
import type { NewModelVersion } from '../../src/core/registry/types.js';
import type { RegistryStore } from '../../src/storage/registry-store.js';

/** A clock that only moves when a test says so, so every recorded time is known exactly. */
export class FakeClock {
  #now: number;

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.#now = start;
  }

  /** The Clock to inject into a store. */
  readonly clock: Clock = () => this.#now;

  get now(): number {
    return this.#now;
  }

  /** Moves time forward by `ms` and returns the new time. */
  advance(ms: number): number {
    this.#now += ms;
    return this.#now;
  }
}

/** A valid new version of `name` with only the required fields. */
export function minimalVersion(name: string, sha256 = 'ab'.repeat(32)): NewModelVersion {
  return {
    name,
    artifact: { sha256, sizeBytes: 1234, format: 'onnx' },
    signature: {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }],
    },
  };
}

/** Asserts that `promise` rejects with a MooringError carrying `code`. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isMooringError(error), `expected a MooringError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/** Everything a failed mutation must leave untouched, to compare before and after. */
export async function snapshot(store: RegistryStore, name: string) {
  return {
    revision: await store.revision(),
    audit: await store.listAudit(),
    history: await store.aliasHistory(name),
    model: await store.getModel(name),
    versions: await store.listVersions(name),
  };
}

/** Opens a store on a fresh fake clock, runs `fn`, and always closes the store. */
export type WithStore = (fn: (store: RegistryStore, clock: FakeClock) => Promise<void>) => Promise<void>;

/** Builds a WithStore from a backend's open function. */
export function withStoreFrom(open: (clock: Clock) => Promise<RegistryStore>): WithStore {
  return async (fn) => {
    const clock = new FakeClock();
    const store = await open(clock.clock);
    try {
      await fn(store, clock);
    } finally {
      await store.close();
    }
  };
}
