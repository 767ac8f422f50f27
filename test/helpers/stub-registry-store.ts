import type { TensorSpec } from '../../src/core/inference/tensor.js';
import type { ModelVersion, RegisteredModel } from '../../src/core/registry/types.js';
import type { RegistryStore } from '../../src/storage/registry-store.js';

/**
 * A RegistryStore that answers only the two reads the prediction-log services make: a version's output signature
 * (`outputs` by version number) and the model's `production` alias. Any other call fails the test.
 */
export function stubRegistryStore(outputs: Record<number, TensorSpec[]>, production?: number): RegistryStore {
  const reads: Pick<RegistryStore, 'getVersion' | 'getModel'> = {
    getVersion: async (_name, version) =>
      outputs[version] ? ({ signature: { inputs: [], outputs: outputs[version] } } as unknown as ModelVersion) : null,
    getModel: async () => ({ aliases: production === undefined ? {} : { production } }) as unknown as RegisteredModel,
  };
  return new Proxy(reads, {
    get(target, key) {
      if (key in target) return target[key as keyof typeof target];
      if (key === 'then') return undefined;
      throw new Error(`the stub registry store has no ${String(key)}`);
    },
  }) as RegistryStore;
}
