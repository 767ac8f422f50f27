import type { FastifyInstance, FastifyReply } from 'fastify';
import { predictRecords, predictV2 } from '../../protocol/predict.js';
import type { PredictContext, Served } from '../../protocol/predict.js';
import { ShadowMirror } from '../../protocol/shadow-mirror.js';
import type { MirroredRequest } from '../../protocol/shadow-mirror.js';
import { decodeInferRequest } from '../../protocol/v2/infer-request.js';
import type { DecodeLimits } from '../../protocol/json-tensor.js';
import type { Dataplane } from '../../services/dataplane.js';
import type { ServedVersion } from '../../services/serving-pool.js';
import { fail } from '../../core/errors.js';
import { JsonText } from '../../core/monitoring/prediction-record.js';
import { STATUS_BY_CATEGORY, toMooringError } from '../plugins/errors.js';
import type { DrainState } from '../plugins/errors.js';

/**
 * The inference routes: Open Inference Protocol v2 `infer` (with and without a version) and the records endpoint
 * for web apps (`POST /v1/models/{name}:predict`). Each is decode -> dataplane -> encode; every answer names the
 * version that produced it in `model_version` and the `x-model-version` header. An answer a fallback gave says so
 * in `"fallback": "<kind>"` and the `x-mooring-fallback` header.
 */
export function registerInferRoutes(app: FastifyInstance, dataplane: Dataplane, limits: DecodeLimits, state: DrainState): void {
  const shadows = new ShadowMirror(dataplane, (err) => STATUS_BY_CATEGORY[err.category]);
  const send = (reply: FastifyReply, name: string, request: unknown, served: Served<unknown>, mirrored: MirroredRequest | null): FastifyReply => {
    const id = reply.request.id;
    reply.header('x-model-version', served.label).header('x-request-id', id);
    if (served.warnings) reply.header('x-mooring-warnings', served.warnings.length);
    const fallback = served.fallback;
    if (fallback !== null) reply.header('x-mooring-fallback', fallback.kind);
    if (state.draining) reply.header('connection', 'close');
    // Serialized here, once: the same text is the answer and the prediction log's copy of it.
    const text = JSON.stringify(served.body);
    reply.header('content-type', JSON_TYPE).send(text);
    // After the answer is on its way: the log entry is a buffer push, written in a batch later.
    const logged = asLogged(reply.request.bodyText, request);
    if (fallback !== null) {
      dataplane.answeredByFallback({ model: name, id, rows: served.rows, request: logged, response: new JsonText(text), latencyMs: reply.elapsedTime, fallback });
      return reply;
    }
    dataplane.answered({
      target: served.target!,
      id,
      route: served.route,
      rows: served.rows,
      request: logged,
      response: new JsonText(text),
      latencyMs: reply.elapsedTime,
      warnings: served.warnings,
      flags: served.flags,
    });
    if (mirrored !== null) shadows.mirror(served, id, logged, mirrored);
    return reply;
  };
  /**
   * The request's context: the latency budget counts from when Fastify received it; the canary split's sticky key is
   * the `x-mooring-key` header; a canary's failure (answered by production instead) is logged against the canary.
   */
  const context = (reply: FastifyReply, name: string, body: unknown): PredictContext => {
    const header = reply.request.headers['x-mooring-key'];
    return {
      startedAt: performance.now() - reply.elapsedTime,
      key: typeof header === 'string' && header.length > 0 ? header : null,
      onCanaryFailure: (canary, e) => {
        const err = toMooringError(e);
        dataplane.failed({
          model: name,
          target: canary,
          id: reply.request.id,
          route: 'canary',
          request: asLogged(reply.request.bodyText, body),
          status: STATUS_BY_CATEGORY[err.category],
          code: err.code,
          latencyMs: reply.elapsedTime,
        });
      },
    };
  };
  const v2 = async (name: string, version: string | undefined, body: unknown, reply: FastifyReply) => {
    const ctx = context(reply, name, body);
    try {
      // Decoded before the version is resolved: a malformed body never costs a model load.
      const request = decodeInferRequest(body, limits);
      return send(reply, name, body, await predictV2(dataplane, name, version, request, body, ctx), { kind: 'v2', request });
    } catch (e) {
      throw failed(name, ctx.target, version, body, reply, e);
    }
  };
  const failed = (name: string, target: ServedVersion | undefined, version: string | undefined, body: unknown, reply: FastifyReply, e: unknown) => {
    const err = toMooringError(e);
    dataplane.failed({
      model: name,
      target,
      id: reply.request.id,
      route: routeOf(version),
      request: asLogged(reply.request.bodyText, body),
      status: STATUS_BY_CATEGORY[err.category],
      code: err.code,
      latencyMs: reply.elapsedTime,
    });
    return err;
  };
  app.post<{ Params: { name: string } }>('/v2/models/:name/infer', (req, reply) => v2(req.params.name, undefined, req.body, reply));
  app.post<{ Params: { name: string; version: string } }>('/v2/models/:name/versions/:version/infer', (req, reply) =>
    v2(req.params.name, req.params.version, req.body, reply),
  );

  const records = async (name: string, version: string | undefined, body: unknown, reply: FastifyReply) => {
    const ctx = context(reply, name, body);
    try {
      return send(reply, name, body, await predictRecords(dataplane, name, version, body, limits, ctx), { kind: 'records', body, limits });
    } catch (e) {
      throw failed(name, ctx.target, version, body, reply, e);
    }
  };
  // find-my-way has no literal-colon suffix for parameters, so `{name}:predict` arrives as one segment.
  app.post<{ Params: { target: string } }>('/v1/models/:target', (req, reply) =>
    records(verb(req.params.target), undefined, req.body, reply),
  );
  app.post<{ Params: { name: string; target: string } }>('/v1/models/:name/versions/:target', (req, reply) =>
    records(req.params.name, verb(req.params.target), req.body, reply),
  );
}

const JSON_TYPE = 'application/json; charset=utf-8';

/** The request as the log keeps it: the text it arrived as (no serializing on the hot path), else the value. */
function asLogged(text: string | null, value: unknown): unknown {
  return text === null ? value : new JsonText(text);
}

/** A request naming no version is served by `production`; one naming a version or alias went there directly. */
function routeOf(selector: string | undefined): 'production' | 'direct' {
  return selector === undefined ? 'production' : 'direct';
}

/** Splits `churn:predict` into `churn`; any other verb is not an endpoint. */
function verb(segment: string): string {
  const i = segment.lastIndexOf(':');
  if (i <= 0 || segment.slice(i + 1) !== 'predict') {
    throw fail('ROUTE_NOT_FOUND', `no endpoint for ${JSON.stringify(segment)}: the records endpoint is POST /v1/models/{name}:predict`);
  }
  return segment.slice(0, i);
}

