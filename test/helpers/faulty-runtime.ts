/**
 * A model runtime that injects faults into real models: it loads each artifact with the real ONNX runtime and,
 * per artifact (by sha256), can make inference throw, hang, answer NaN, or be slow on some calls. Warm-up at load
 * time is never faulted (a fault applies only once it is set), so a version loads and is deployed normally and the
 * test then breaks it under traffic. Used by the fallback fault-injection tests and bench/fallback.ts.
 */
import { createHash } from 'node:crypto';
import { fail } from '../../src/core/errors.js';
import type { Tensor } from '../../src/core/inference/tensor.js';
import type { LoadOptions, LoadedModel, ModelInfo, ModelRuntime } from '../../src/runtime/model-runtime.js';
import { OnnxModelRuntime } from '../../src/runtime/onnx/onnx-model-runtime.js';

/** What a faulted model does on each inference. */
export type Fault =
  | { readonly kind: 'throw' }
  /** Never answers until `release()` (or forever). */
  | { readonly kind: 'hang' }
  /** Answers, with NaN in every floating-point output. */
  | { readonly kind: 'nan' }
  /** Every `every`-th call (1st, every+1-th, ...) waits `delayMs` before answering; the others answer at once. */
  | { readonly kind: 'slow'; readonly every: number; readonly delayMs: number };

/** Makes the error a `throw` fault raises (the bench passes the compiled code's own `fail`, so `instanceof` holds). */
export type FaultError = (message: string) => Error;

/** The runtime: a real runtime (ONNX by default) plus per-artifact faults. */
export class FaultyRuntime implements ModelRuntime {
  readonly platform: string;
  readonly #inner: ModelRuntime;
  readonly #error: FaultError;
  readonly #faults = new Map<string, Fault>();
  /** Hanging inferences per artifact key, each released by calling it. */
  readonly #hung = new Map<string, Array<() => void>>();
  /** Inference calls per artifact key (faulted or not), for assertions on how often a model was reached. */
  readonly calls = new Map<string, number>();

  constructor(inner: ModelRuntime = new OnnxModelRuntime(), error: FaultError = (m) => fail('INFERENCE_FAILED', m)) {
    this.#inner = inner;
    this.#error = error;
    this.platform = inner.platform;
  }

  /** The key faults are set under: the artifact's sha256 (lower-case hex). */
  static keyOf(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  /** Sets (or, with null, clears) the fault of the model loaded from `bytes`; see `setKey`. */
  set(bytes: Uint8Array, fault: Fault | null): number {
    return this.setKey(FaultyRuntime.keyOf(bytes), fault);
  }

  /**
   * Sets (null: clears) the fault of the artifact with sha256 `key`. Clearing or replacing a `hang` lets that
   * artifact's hanging inferences answer (the model "comes back"); returns how many it released.
   */
  setKey(key: string, fault: Fault | null): number {
    if (fault === null) this.#faults.delete(key);
    else this.#faults.set(key, fault);
    if (fault?.kind === 'hang') return 0;
    const hung = this.#hung.get(key) ?? [];
    this.#hung.delete(key);
    for (const release of hung) release();
    return hung.length;
  }

  /** Lets every hanging inference answer (with the real model's outputs). */
  release(): void {
    const lists = [...this.#hung.values()];
    this.#hung.clear();
    for (const list of lists) for (const release of list) release();
  }

  /** Inferences of the artifact with sha256 `key` hanging now. */
  hanging(key: string): number {
    return this.#hung.get(key)?.length ?? 0;
  }

  /** Inference calls so far on the model loaded from `bytes`. */
  callsOf(bytes: Uint8Array): number {
    return this.calls.get(FaultyRuntime.keyOf(bytes)) ?? 0;
  }

  inspect(bytes: Uint8Array): Promise<ModelInfo> {
    return this.#inner.inspect(bytes);
  }

  async load(bytes: Uint8Array, options?: LoadOptions): Promise<LoadedModel> {
    const real = await this.#inner.load(bytes, options);
    const key = FaultyRuntime.keyOf(bytes);
    let n = 0;
    const infer = async (inputs: readonly Tensor[], outputs?: readonly string[]): Promise<Tensor[]> => {
      this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
      const fault = this.#faults.get(key);
      if (fault === undefined) return real.infer(inputs, outputs);
      switch (fault.kind) {
        case 'throw':
          throw this.#error('injected fault: the model threw');
        case 'hang':
          await new Promise<void>((resolve) => {
            const list = this.#hung.get(key) ?? [];
            list.push(resolve);
            this.#hung.set(key, list);
          });
          return real.infer(inputs, outputs);
        case 'nan':
          return (await real.infer(inputs, outputs)).map(withNaN);
        case 'slow':
          if (n++ % fault.every === 0) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
          return real.infer(inputs, outputs);
      }
    };
    return { signature: real.signature, infer, dispose: () => real.dispose() };
  }
}

function withNaN(t: Tensor): Tensor {
  if (t.datatype !== 'FP32' && t.datatype !== 'FP64') return t;
  const data = (t.data as Float32Array).slice();
  data.fill(Number.NaN);
  return { ...t, data };
}
