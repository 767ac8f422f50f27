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

/** The runtime: the real ONNX runtime plus per-artifact faults. */
export class FaultyRuntime implements ModelRuntime {
  readonly platform: string;
  readonly #inner: ModelRuntime;
  readonly #faults = new Map<string, Fault>();
  readonly #hung: Array<() => void> = [];
  /** Inference calls per artifact (faulted or not), for assertions on how often a model was reached. */
  readonly calls = new Map<string, number>();

  constructor(inner: ModelRuntime = new OnnxModelRuntime()) {
    this.#inner = inner;
    this.platform = inner.platform;
  }

  /** The key faults are set under: the artifact's sha256 (lower-case hex). */
  static keyOf(bytes: Uint8Array): string {
    return createHash('sha256').update(bytes).digest('hex');
  }

  /** Sets (or, with null, clears) the fault of the model loaded from `bytes`. */
  set(bytes: Uint8Array, fault: Fault | null): void {
    const k = FaultyRuntime.keyOf(bytes);
    if (fault === null) this.#faults.delete(k);
    else this.#faults.set(k, fault);
  }

  /** Lets every hanging inference answer (with the real model's outputs). */
  release(): void {
    for (const r of this.#hung.splice(0)) r();
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
          throw fail('INFERENCE_FAILED', 'injected fault: the model threw');
        case 'hang':
          await new Promise<void>((resolve) => this.#hung.push(resolve));
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
