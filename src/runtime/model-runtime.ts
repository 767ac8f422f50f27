import type { Signature, Tensor } from '../core/inference/tensor.js';

/**
 * ModelRuntime: the port that turns verified artifact bytes into something that runs inference.
 *
 * Contract (every backend passes test/conformance/model-runtime.suite.ts):
 * - `inspect` reads an artifact without keeping it loaded and returns its signature; it throws MooringError
 *   INVALID_MODEL for bytes that are not a model of this runtime's format, or that the runtime refuses
 *   (for ONNX: tensors with external data, whose location could point anywhere on disk).
 * - `load` returns a LoadedModel that is ready: a backend may compile or optimize here, the caller warms it up.
 *   It throws MODEL_LOAD_FAILED (with the runtime's message) when the bytes do not load.
 * - `LoadedModel.infer` takes tensors whose names, datatypes and shapes the caller has already checked against
 *   `signature` (the dataplane does this once per request) and returns every requested output; it throws
 *   INFERENCE_FAILED on a runtime error. It may be called concurrently.
 * - `dispose` frees native memory; calling `infer` after it is a bug (it throws INFERENCE_FAILED).
 * Not promised: thread or core pinning; GPU execution.
 */
export interface ModelRuntime {
  /** The Open Inference Protocol platform string, e.g. `onnx_onnxv1`. */
  readonly platform: string;
  inspect(bytes: Uint8Array): Promise<ModelInfo>;
  load(bytes: Uint8Array, options?: LoadOptions): Promise<LoadedModel>;
}

/** What `inspect` learns from an artifact. */
export interface ModelInfo {
  readonly signature: Signature;
  /** Free-form facts from the file, e.g. `{ producer: "mooring", opset: "17", ir_version: "8" }`. */
  readonly properties: Readonly<Record<string, string>>;
}

/** Tuning for one loaded model. */
export interface LoadOptions {
  /** Threads one inference may use (onnxruntime intra-op); 1 is best for many small concurrent requests. */
  readonly intraOpThreads?: number;
}

/** A model in memory, ready to run. */
export interface LoadedModel {
  readonly signature: Signature;
  /**
   * Runs the model. `inputs` holds one tensor per signature input; `outputs` names the outputs wanted
   * (all when omitted). Returned tensors are in the order of `outputs` (or of the signature).
   */
  infer(inputs: readonly Tensor[], outputs?: readonly string[]): Promise<Tensor[]>;
  dispose(): Promise<void>;
}
