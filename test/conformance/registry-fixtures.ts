import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/clock.js';
import type { ErrorCode } from '../../src/core/errors.js';
import { isMooringError } from '../../src/core/errors.js';
import type { FeatureSignature } from '../../src/core/features/feature-spec.js';
import type { VersionProfile } from '../../src/core/profile/types.js';
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

/** Named features that fit `minimalVersion`'s input `x` [-1, 4]: two numbers and a one-hot city (two columns). */
export function sampleFeatures(): FeatureSignature {
  return {
    input: 'x',
    features: [
      { name: 'age', type: 'numerical', encoding: { kind: 'value' } },
      { name: 'income', type: 'numerical', encoding: { kind: 'value' }, nullable: true },
      { name: 'city', type: 'categorical', encoding: { kind: 'onehot', categories: ['ny', 'sf'] } },
    ],
  };
}

/** A training profile of `sampleFeatures` with `sampleSize` values kept per numerical column. */
export function sampleProfile(sampleSize = 5): VersionProfile {
  const sample = Array.from({ length: sampleSize }, (_, i) => 18 + (i % 60) + i / 1e6);
  const numerical = (name: string, missing: number) => ({
    name,
    type: 'numerical' as const,
    count: 100 - missing,
    missing,
    missingRate: missing / 100,
    nonFinite: 0,
    min: 18,
    max: 77.5,
    mean: 41.25,
    std: 12.000000000000002,
    quantiles: [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99].map((q) => ({ q, value: 18 + q * 59.5 })),
    histogram: { edges: [18, 38, 58, 77.5], counts: [40, 35, 25 - missing] },
    uniqueCount: 60,
    integer: false,
    sample,
  });
  return {
    format: 1,
    createdAt: Date.UTC(2024, 4, 1),
    source: 'train.parquet',
    rows: 100,
    features: {
      rows: 100,
      columns: [
        numerical('age', 0),
        numerical('income', 3),
        {
          name: 'city',
          type: 'categorical',
          count: 100,
          missing: 0,
          missingRate: 0,
          uniqueCount: 3,
          categories: [
            { value: 'ny', count: 60 },
            { value: '__proto__', count: 39 },
          ],
          otherCount: 1,
        },
      ],
    },
    target: null,
    outputs: { rows: 100, columns: [numerical('y', 0)] },
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
    deployments: await store.deploymentHistory(name),
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
