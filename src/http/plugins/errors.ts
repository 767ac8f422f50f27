import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MooringError, fail } from '../../core/errors.js';
import type { ErrorCategory } from '../../core/errors.js';

/**
 * The one place errors become HTTP answers. Domain errors carry a code whose category maps to a status here;
 * Fastify's own errors (body too large, bad JSON, schema validation) are translated to the same codes. Every error
 * answer is `{ "error": message, "code": CODE, "details"?: {...} }`: the Open Inference Protocol's `error` field plus
 * a stable code. A 5xx is logged with its stack; a 4xx is the caller's business and is logged at debug.
 */

/** HTTP status for each error category. */
export const STATUS_BY_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  invalid_input: 400,
  unauthorized: 401,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  unavailable: 503,
  not_implemented: 501,
  internal: 500,
};

/** Translates any thrown value to a MooringError (unknown errors become INTERNAL). */
export function toMooringError(err: unknown): MooringError {
  if (err instanceof MooringError) return err;
  const e = err as FastifyError;
  if (e && typeof e === 'object') {
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return fail('PAYLOAD_TOO_LARGE', 'request body is larger than the server accepts');
    if (e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || e instanceof SyntaxError) {
      return fail('INVALID_JSON', `request body is not valid JSON: ${e.message}`);
    }
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return fail('INVALID_REQUEST', `unsupported Content-Type: send application/json (${e.message})`);
    }
    if (e.validation) return fail('INVALID_REQUEST', `invalid request: ${e.message}`);
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return fail('INVALID_REQUEST', e.message);
    }
  }
  return new MooringError('INTERNAL', 'internal error', undefined, { cause: err });
}

/** Whether the server is draining; while it is, answers ask keep-alive clients not to reuse the connection. */
export interface DrainState {
  readonly draining: boolean;
}

/**
 * Headers every answer carries: `x-request-id`, and `Connection: close` while draining (so no keep-alive client is
 * reset under a request at shutdown). Set by the inference routes directly and by a hook everywhere else.
 */
export function commonHeaders(request: FastifyRequest, reply: FastifyReply, state: DrainState): void {
  reply.header('x-request-id', request.id);
  if (state.draining) reply.header('connection', 'close');
}

/** Sends a MooringError as an HTTP answer. */
export function sendError(reply: FastifyReply, err: MooringError): FastifyReply {
  reply.header('x-request-id', reply.request.id);
  const status = STATUS_BY_CATEGORY[err.category];
  const body: Record<string, unknown> = { error: err.message, code: err.code };
  if (err.details) body.details = err.details;
  if (status === 503) {
    // Load shedding names its own wait (the deployment's `limits.retry_after_seconds`); other 503s ask for a second.
    const after = err.details?.['retry_after_seconds'];
    reply.header('retry-after', typeof after === 'number' ? String(after) : '1');
  }
  return reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** Installs the error and not-found handlers. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const m = toMooringError(err);
    if (m.category === 'internal') request.log.error({ req_id: request.id, err: m.cause ?? m, code: m.code }, 'request failed');
    else request.log.debug({ req_id: request.id, code: m.code, msg: m.message }, 'request refused');
    return sendError(reply, m);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, fail('ROUTE_NOT_FOUND', `no endpoint ${request.method} ${request.url.split('?')[0]}`)),
  );
}
