/**
 * The one registry of Mooring's coded errors.
 *
 * Every failure a user can see carries a stable `code` from this table. The table says which kind of failure it
 * is (`category`); the HTTP layer maps categories to status codes and the CLI maps them to exit codes, so neither
 * the domain nor the services know about HTTP. `docs/reference/errors.md` lists the same codes: a test keeps the two
 * equal.
 */

/** What kind of failure an error is; adapters (HTTP, CLI) map this to their own status vocabulary. */
export type ErrorCategory =
  | 'invalid_input' // the caller sent something wrong: fix the request
  | 'unauthorized' // credentials missing or wrong
  | 'not_found' // the named thing does not exist
  | 'conflict' // the request is valid but the current state forbids it
  | 'too_large' // the request is over a size limit
  | 'unprocessable' // well-formed, but the content fails a semantic check
  | 'unavailable' // not ready, shutting down, or overloaded: try again later
  | 'not_implemented' // a valid request for something Mooring does not do
  | 'internal'; // a bug or an outage on the server side, never the caller's mistake

/** One entry of the registry: its category and a sentence for the reference docs. */
export interface ErrorSpec {
  readonly category: ErrorCategory;
  readonly description: string;
}

/** Every error code Mooring emits. Adding one here requires a row in docs/reference/errors.md (a test checks). */
export const ERROR_CODES = {
  INVALID_JSON: { category: 'invalid_input', description: 'The request body is not valid JSON.' },
  INVALID_REQUEST: {
    category: 'invalid_input',
    description: 'The request does not have the shape the endpoint expects (missing or mistyped field).',
  },
  INVALID_DATATYPE: {
    category: 'invalid_input',
    description: 'A tensor datatype is unknown, or differs from the datatype the model declares for that input.',
  },
  SHAPE_MISMATCH: {
    category: 'invalid_input',
    description: 'A tensor shape is malformed, does not match the number of data elements, or does not fit the model.',
  },
  NON_FINITE_NUMBER: {
    category: 'invalid_input',
    description: 'A number is NaN, Infinity, or too large to represent (for example 1e400).',
  },
  VALUE_OUT_OF_RANGE: {
    category: 'invalid_input',
    description: 'A value does not fit the tensor datatype (for example 300 for UINT8, 1.5 for INT32, 2^63 for INT64).',
  },
  UNKNOWN_INPUT: { category: 'invalid_input', description: 'The request names an input the model does not have.' },
  MISSING_INPUT: { category: 'invalid_input', description: 'The request omits an input the model requires.' },
  DUPLICATE_INPUT: { category: 'invalid_input', description: 'The request names the same input twice.' },
  UNKNOWN_OUTPUT: {
    category: 'invalid_input',
    description: 'The `outputs` filter names an output the model does not have.',
  },
  INVALID_NAME: {
    category: 'invalid_input',
    description: 'A model name or tag key is empty, too long, or has characters outside [A-Za-z0-9_.-].',
  },
  INVALID_ALIAS: {
    category: 'invalid_input',
    description: 'An alias is not of the form ^[\\w-]+$ (at most 255 characters), or is reserved (`latest`, `v<N>`).',
  },
  INVALID_VERSION: { category: 'invalid_input', description: 'A version is not a positive whole number.' },
  INVALID_MODEL: {
    category: 'unprocessable',
    description:
      'The artifact is not a loadable ONNX model, or it is refused (external tensor data, unsupported input types).',
  },
  INVALID_FEATURES: {
    category: 'invalid_input',
    description:
      'The named features or the training profile given at registration are malformed, or do not fit the model (one numeric rank-2 input as wide as the packed features; profile columns equal to the features).',
  },
  INVALID_TIME: { category: 'invalid_input', description: 'A time is not an ISO-8601 date-time or epoch milliseconds.' },
  PAYLOAD_TOO_LARGE: { category: 'too_large', description: 'The request body is larger than the configured limit.' },
  LIMIT_EXCEEDED: {
    category: 'too_large',
    description: 'The request has more rows, tensor elements or tensor bytes than the deployment allows.',
  },
  VALIDATION_FAILED: {
    category: 'unprocessable',
    description:
      'The input fails the model version\'s checks (schema, or the training profile under a `reject` policy); `details.problems` lists each `{row, field, problem}`.',
  },
  UNAUTHORIZED: {
    category: 'unauthorized',
    description: 'The admin API needs `Authorization: Bearer <token>` with the server admin token.',
  },
  MODEL_NOT_FOUND: { category: 'not_found', description: 'No registered model has that name.' },
  VERSION_NOT_FOUND: { category: 'not_found', description: 'The model has no version with that number.' },
  ALIAS_NOT_FOUND: { category: 'not_found', description: 'The model has no alias with that name.' },
  ARTIFACT_NOT_FOUND: { category: 'not_found', description: 'No stored artifact has that sha256 digest.' },
  ROUTE_NOT_FOUND: { category: 'not_found', description: 'No endpoint answers that method and path.' },
  PROFILE_NOT_FOUND: {
    category: 'not_found',
    description:
      'The model version was registered without reference data (a training profile), so drift has nothing to compare with.',
  },
  ALERT_RULE_NOT_FOUND: { category: 'not_found', description: 'No alert rule has that name.' },
  ROLLOUT_NOT_FOUND: { category: 'not_found', description: 'The model has no canary rollout: none was ever started.' },
  EXPERIMENT_NOT_FOUND: { category: 'not_found', description: 'The model has no A/B test, running or finished: none was ever started.' },
  NOTHING_TO_ROLL_BACK: {
    category: 'conflict',
    description: 'The alias has no earlier version to return to (it was set once, or never).',
  },
  ROLLOUT_CONFLICT: {
    category: 'conflict',
    description:
      'The rollout is not in a phase that allows this (resume one that is not paused, promote one that was aborted, start one while another is progressing or paused, or start one for the version production already serves).',
  },
  EXPERIMENT_CONFLICT: {
    category: 'conflict',
    description:
      'The A/B test cannot start now: another one is running (stop it first), the model has a canary of its own, has no production version, or the version named is the production version.',
  },
  MODEL_NOT_READY: {
    category: 'unavailable',
    description:
      'The model has no version loaded and warm for serving yet (no `production` alias, or it is still loading).',
  },
  SHUTTING_DOWN: { category: 'unavailable', description: 'The server is draining for shutdown; send the request elsewhere.' },
  OVERLOADED: {
    category: 'unavailable',
    description:
      'The model version already has its deployment\'s `limits.max_concurrent` requests running and `limits.max_queued` waiting; retry after `Retry-After` seconds.',
  },
  DEADLINE_EXCEEDED: {
    category: 'unavailable',
    description: 'The request used up the deployment\'s `latency_budget_ms` before the model answered, and no fallback answered.',
  },
  CIRCUIT_OPEN: {
    category: 'unavailable',
    description:
      'The model version\'s circuit breaker is open after too many failures; requests skip the model until it half-opens.',
  },
  FALLBACK_EXHAUSTED: {
    category: 'unavailable',
    description:
      'The model could not answer and no fallback of the chain could either; `details.tried` lists each `{kind, reason}` and `details.cause` the primary failure.',
  },
  SERVER_UNREACHABLE: {
    category: 'unavailable',
    description: 'The CLI could not reach the server it was told to use (`--url`, or the one recorded in the home).',
  },
  ARTIFACT_INTEGRITY: {
    category: 'internal',
    description: 'A stored artifact no longer matches its sha256 digest (tampered or corrupted); it is not loaded.',
  },
  MODEL_LOAD_FAILED: {
    category: 'internal',
    description: 'The runtime could not load or warm up a model version; the version serving before stays in place.',
  },
  INFERENCE_FAILED: { category: 'internal', description: 'The runtime failed while running the model.' },
  NON_FINITE_OUTPUT: {
    category: 'internal',
    description: 'The model produced NaN or Infinity; Mooring refuses to turn it into null silently.',
  },
  CONFIG_INVALID: { category: 'invalid_input', description: 'The configuration file or environment has an invalid value.' },
  NOT_IMPLEMENTED: { category: 'not_implemented', description: 'The request asks for a protocol feature Mooring does not implement.' },
  INTERNAL: { category: 'internal', description: 'An unexpected failure inside Mooring (a bug): see the server log.' },
} as const satisfies Record<string, ErrorSpec>;

/** A stable error code, e.g. `MODEL_NOT_FOUND`. */
export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * The one error class Mooring throws for expected failures. `details` carries machine-readable context (for
 * example the offending input name) that adapters may include in their answer.
 */
export class MooringError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MooringError';
    this.code = code;
    this.details = details;
  }

  /** The category from the registry, which adapters map to status or exit codes. */
  get category(): ErrorCategory {
    return ERROR_CODES[this.code].category;
  }
}

/** True when `value` is a MooringError (also across module copies, by shape). */
export function isMooringError(value: unknown): value is MooringError {
  return value instanceof MooringError;
}

/** Shorthand for `new MooringError(...)`, so call sites read as one line: `throw fail('MODEL_NOT_FOUND', ...)`. */
export function fail(code: ErrorCode, message: string, details?: Record<string, unknown>): MooringError {
  return new MooringError(code, message, details);
}
