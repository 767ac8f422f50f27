import type { ErrorCode } from '../../core/errors.js';
import type { Datatype, Signature, TensorSpec } from '../../core/inference/tensor.js';

/**
 * Encoders of the Open Inference Protocol v2 metadata, health and error bodies. Each returns a fresh plain object
 * with exactly the spec's keys, so the HTTP layer only serializes.
 */

/** `GET /v2`: server metadata. */
export interface ServerMetadataBody {
  name: string;
  version: string;
  extensions: string[];
}

/** One tensor in model metadata; `-1` in `shape` is a variable dimension. */
export interface MetadataTensor {
  name: string;
  datatype: Datatype;
  shape: number[];
}

/** `GET /v2/models/{m}[/versions/{v}]`: model metadata. */
export interface ModelMetadataBody {
  name: string;
  versions?: string[];
  platform: string;
  inputs: MetadataTensor[];
  outputs: MetadataTensor[];
}

/** `GET /v2/models/{m}[/versions/{v}]/ready`. */
export interface ModelReadyBody {
  name: string;
  ready: boolean;
}

/** `GET /v2/health/live`. */
export interface LiveBody {
  live: boolean;
}

/** `GET /v2/health/ready`. */
export interface ReadyBody {
  ready: boolean;
}

/**
 * The error body of every v2 endpoint. The spec requires only `error`; `code` (Mooring's stable error code) is an
 * extra key clients may rely on, which the spec's open objects allow.
 */
export interface ErrorBody {
  error: string;
  code?: ErrorCode;
}

/** Builds the server metadata body; `extensions` names the protocol extensions served (e.g. `model_repository`). */
export function encodeServerMetadata(m: { name: string; version: string; extensions: readonly string[] }): ServerMetadataBody {
  return { name: m.name, version: m.version, extensions: m.extensions.slice() };
}

/**
 * Builds model metadata from a core signature. `versions` lists the versions that can be addressed (as strings,
 * as the spec types them) and is omitted when not given; `platform` is the runtime's string, e.g. `onnx_onnxv1`.
 */
export function encodeModelMetadata(m: {
  name: string;
  versions?: readonly (string | number)[];
  platform: string;
  signature: Signature;
}): ModelMetadataBody {
  const inputs = m.signature.inputs.map(metadataTensor);
  const outputs = m.signature.outputs.map(metadataTensor);
  if (m.versions === undefined) return { name: m.name, platform: m.platform, inputs, outputs };
  return { name: m.name, versions: m.versions.map(String), platform: m.platform, inputs, outputs };
}

function metadataTensor(spec: TensorSpec): MetadataTensor {
  return { name: spec.name, datatype: spec.datatype, shape: spec.shape.slice() };
}

/** Builds the model ready body. */
export function encodeModelReady(name: string, ready: boolean): ModelReadyBody {
  return { name, ready };
}

/** Builds the server live body (the liveness probe). */
export function encodeLive(live: boolean): LiveBody {
  return { live };
}

/** Builds the server ready body (the readiness probe). */
export function encodeReady(ready: boolean): ReadyBody {
  return { ready };
}

/** Builds the error body: the message, plus Mooring's error code when there is one. */
export function encodeError(message: string, code?: ErrorCode): ErrorBody {
  return code === undefined ? { error: message } : { error: message, code };
}
