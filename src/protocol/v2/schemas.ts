import { DATATYPES } from '../../core/inference/tensor.js';

/**
 * JSON Schemas (draft-07, and valid OpenAPI 3.0 schema objects: no type arrays, no `$ref`) of the Open Inference
 * Protocol v2 REST bodies, written from the protocol's specification for the OpenAPI document the server serves.
 *
 * Objects stay open (no `additionalProperties: false`) as in the spec, so clients that send extension fields are
 * not refused. The request schemas document; they are not meant to validate on the inference path: the codec
 * (`decodeInferRequest`) checks the body in the same pass that converts it and answers with coded errors, while a
 * schema validator would walk the data a second time and (with Fastify's default `coerceTypes`) rewrite it.
 * The response schemas are safe to use as Fastify response serializers.
 */

/** A JSON Schema object, as Fastify and @fastify/swagger take it. */
export type JsonSchema = Readonly<Record<string, unknown>>;

const datatype: JsonSchema = {
  type: 'string',
  enum: [...DATATYPES],
  description: 'Tensor element datatype.',
};

/** Free-form `parameters` objects (request, input, output, response). */
export const parametersSchema: JsonSchema = {
  type: 'object',
  additionalProperties: true,
  description: 'Free-form parameters. The binary tensor data extension (binary_data, binary_data_size, binary_data_output) is not implemented.',
};

/** Request tensor data: row-major, flat or nested up to the shape's rank. */
export const requestTensorDataSchema: JsonSchema = {
  type: 'array',
  items: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }, { type: 'array' }] },
  description:
    'Elements in row-major order, flat or nested. BOOL: true/false; integer types: whole numbers; INT64/UINT64: ' +
    'numbers up to 2^53-1, or decimal strings for exact 64-bit values; FP16/FP32/FP64: finite numbers; BYTES: strings.',
};

/** Response tensor data: always flat, row-major. */
export const responseTensorDataSchema: JsonSchema = {
  type: 'array',
  items: { anyOf: [{ type: 'number' }, { type: 'string' }, { type: 'boolean' }] },
  description: 'Elements in row-major order, flat. INT64/UINT64 values beyond 2^53-1 are decimal strings.',
};

/** A concrete tensor shape (requests and responses). */
const concreteShape: JsonSchema = { type: 'array', items: { type: 'integer', minimum: 0 } };

/** One input tensor of an inference request. */
export const requestInputSchema: JsonSchema = {
  type: 'object',
  required: ['name', 'shape', 'datatype', 'data'],
  properties: {
    name: { type: 'string', minLength: 1 },
    shape: concreteShape,
    datatype,
    parameters: parametersSchema,
    data: requestTensorDataSchema,
  },
};

/** One entry of an inference request's `outputs` filter. */
export const requestOutputSchema: JsonSchema = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1 }, parameters: parametersSchema },
};

/** `POST /v2/models/{m}[/versions/{v}]/infer` request body. */
export const inferenceRequestSchema: JsonSchema = {
  title: 'inference_request',
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string', description: 'Echoed in the response.' },
    parameters: parametersSchema,
    inputs: { type: 'array', minItems: 1, items: requestInputSchema },
    outputs: { type: 'array', items: requestOutputSchema, description: 'Outputs to return; all when absent.' },
  },
};

/** One output tensor of an inference response. */
export const responseOutputSchema: JsonSchema = {
  type: 'object',
  required: ['name', 'shape', 'datatype', 'data'],
  properties: {
    name: { type: 'string' },
    shape: concreteShape,
    datatype,
    parameters: parametersSchema,
    data: responseTensorDataSchema,
  },
};

/** Inference response body. */
export const inferenceResponseSchema: JsonSchema = {
  title: 'inference_response',
  type: 'object',
  required: ['model_name', 'outputs'],
  properties: {
    model_name: { type: 'string' },
    model_version: { type: 'string' },
    id: { type: 'string' },
    parameters: parametersSchema,
    outputs: { type: 'array', items: responseOutputSchema },
  },
};

/** `GET /v2` response body. */
export const serverMetadataSchema: JsonSchema = {
  title: 'metadata_server_response',
  type: 'object',
  required: ['name', 'version', 'extensions'],
  properties: {
    name: { type: 'string' },
    version: { type: 'string' },
    extensions: { type: 'array', items: { type: 'string' } },
  },
};

/** A tensor as model metadata declares it; -1 marks a variable dimension. */
export const metadataTensorSchema: JsonSchema = {
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string' },
    datatype,
    shape: { type: 'array', items: { type: 'integer', minimum: -1 }, description: '-1 is a variable dimension.' },
  },
};

/** `GET /v2/models/{m}[/versions/{v}]` response body. */
export const modelMetadataSchema: JsonSchema = {
  title: 'metadata_model_response',
  type: 'object',
  required: ['name', 'platform'],
  properties: {
    name: { type: 'string' },
    versions: { type: 'array', items: { type: 'string' } },
    platform: { type: 'string', description: 'onnx_onnxv1 for ONNX models.' },
    inputs: { type: 'array', items: metadataTensorSchema },
    outputs: { type: 'array', items: metadataTensorSchema },
  },
};

/** `GET /v2/models/{m}[/versions/{v}]/ready` response body. */
export const modelReadySchema: JsonSchema = {
  type: 'object',
  required: ['name', 'ready'],
  properties: { name: { type: 'string' }, ready: { type: 'boolean' } },
};

/** `GET /v2/health/live` response body. */
export const liveSchema: JsonSchema = { type: 'object', required: ['live'], properties: { live: { type: 'boolean' } } };

/** `GET /v2/health/ready` response body. */
export const readySchema: JsonSchema = { type: 'object', required: ['ready'], properties: { ready: { type: 'boolean' } } };

/** The error body of every v2 endpoint: `error` from the spec, plus Mooring's stable `code`. */
export const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'string' },
    code: { type: 'string', description: 'Mooring error code, see docs/reference/errors.md.' },
  },
};

/** Every v2 body schema by name, for building the OpenAPI document in one loop. */
export const V2_SCHEMAS: Readonly<Record<string, JsonSchema>> = {
  inferenceRequest: inferenceRequestSchema,
  inferenceResponse: inferenceResponseSchema,
  serverMetadata: serverMetadataSchema,
  modelMetadata: modelMetadataSchema,
  modelReady: modelReadySchema,
  live: liveSchema,
  ready: readySchema,
  error: errorSchema,
};
