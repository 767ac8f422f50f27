/**
 * The ONNX backend of the ModelRuntime port, on onnxruntime-node (CPU).
 *
 * Core tensors already hold the typed arrays onnxruntime wants (see `DATATYPE_INFO`), so `infer` wraps them in
 * `ort.Tensor` objects without copying and unwraps the results the same way. Everything that depends only on the
 * model (fetch list, expected array kinds) is computed once at load.
 */
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { fail } from '../../core/errors.js';
import { DATATYPE_BY_ORT, DATATYPE_INFO, TYPED_ARRAY_OF } from '../../core/inference/datatypes.js';
import type { Datatype, Signature, Tensor, TensorData } from '../../core/inference/tensor.js';
import type { LoadOptions, LoadedModel, ModelInfo, ModelRuntime } from '../model-runtime.js';
import { message, readOnnxModel } from './onnx-model-reader.js';

/** Session options shared by `inspect` and `load`, so a model that passes inspect loads the same way. */
function sessionOptions(intraOpThreads: number): InferenceSession.SessionOptions {
  return {
    intraOpNumThreads: intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    // errors only: warnings (e.g. "initializer appears in graph inputs") would go to stderr past the app's logger
    logSeverityLevel: 3,
  };
}

/** Runs ONNX models with onnxruntime-node; platform `onnx_onnxv1` in Open Inference Protocol metadata. */
export class OnnxModelRuntime implements ModelRuntime {
  readonly platform = 'onnx_onnxv1';

  /** Reads the signature and refuses unsafe models, then creates (and releases) a real session to prove it loads. */
  async inspect(bytes: Uint8Array): Promise<ModelInfo> {
    const info = readOnnxModel(bytes);
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, sessionOptions(1));
    } catch (err) {
      throw fail('INVALID_MODEL', `onnxruntime cannot load the model: ${message(err)}`);
    }
    await session.release();
    return info;
  }

  /** Creates the session that serves the model; MODEL_LOAD_FAILED carries onnxruntime's message. */
  async load(bytes: Uint8Array, options?: LoadOptions): Promise<LoadedModel> {
    let signature: Signature;
    try {
      signature = readOnnxModel(bytes).signature;
    } catch (err) {
      throw fail('MODEL_LOAD_FAILED', `cannot load the model: ${message(err)}`);
    }
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, sessionOptions(options?.intraOpThreads ?? 1));
    } catch (err) {
      throw fail('MODEL_LOAD_FAILED', `onnxruntime cannot load the model: ${message(err)}`);
    }
    return new OnnxLoadedModel(session, signature);
  }
}

/** onnxruntime tensor type for each datatype, typed for the `ort.Tensor` constructor. */
const ORT_TYPE = Object.fromEntries(
  (Object.keys(DATATYPE_INFO) as Datatype[]).map((dt) => [dt, DATATYPE_INFO[dt].ort as OrtTensor.Type]),
) as Record<Datatype, OrtTensor.Type>;

type OrtData = OrtTensor['data'];

/**
 * A result's data as the typed array its datatype is held in (TYPED_ARRAY_OF). onnxruntime may return another
 * view of the same bytes (BOOL as a Buffer or Int8Array; FP16 as a Float16Array where the global exists), so
 * results are re-viewed, never copied.
 */
function asCoreData(datatype: Datatype, data: OrtData): TensorData {
  if (datatype === 'BYTES') return data as string[];
  const Kind = TYPED_ARRAY_OF[datatype];
  if (data.constructor === Kind) return data as TensorData;
  const view = data as ArrayBufferView & { length: number };
  return new Kind(view.buffer, view.byteOffset, view.length);
}

class OnnxLoadedModel implements LoadedModel {
  readonly signature: Signature;
  private session: InferenceSession | undefined;
  private readonly allOutputs: readonly string[];
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(session: InferenceSession, signature: Signature) {
    this.session = session;
    this.signature = signature;
    this.allOutputs = signature.outputs.map((o) => o.name);
  }

  async infer(inputs: readonly Tensor[], outputs?: readonly string[]): Promise<Tensor[]> {
    const session = this.session;
    if (!session) throw fail('INFERENCE_FAILED', 'the model was unloaded (infer after dispose)');
    const fetches = outputs ?? this.allOutputs;
    const feeds: Record<string, OrtTensor> = {};
    let result: InferenceSession.ReturnType;
    this.inFlight++;
    try {
      for (let i = 0; i < inputs.length; i++) {
        const t = inputs[i]!;
        // Tensor's overloads are per literal type; the general one takes the union, which the cast selects.
        feeds[t.name] = new OrtTensor(ORT_TYPE[t.datatype], t.data as OrtTensor.DataType, t.shape);
      }
      result = await session.run(feeds, fetches);
    } catch (err) {
      throw fail('INFERENCE_FAILED', `onnxruntime failed to run the model: ${message(err)}`);
    } finally {
      if (--this.inFlight === 0 && this.drained) this.drained();
    }
    const out: Tensor[] = new Array(fetches.length);
    for (let i = 0; i < fetches.length; i++) {
      const name = fetches[i]!;
      const value = result[name] as OrtTensor | undefined;
      const datatype = value ? DATATYPE_BY_ORT[value.type] : undefined;
      if (!value || !datatype) {
        throw fail('INFERENCE_FAILED', `onnxruntime returned no usable tensor for output "${name}"`, { output: name });
      }
      out[i] = { name, datatype, shape: value.dims, data: asCoreData(datatype, value.data) };
    }
    return out;
  }

  /** Stops new calls at once, lets calls already running finish, then frees the native session. */
  async dispose(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await session.release();
  }
}
