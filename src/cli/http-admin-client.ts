import type { DeploymentPolicyInput } from '../core/deployment/policy.js';
import { ERROR_CODES, MooringError, fail, type ErrorCode } from '../core/errors.js';
import { PRODUCTION_ALIAS, parseModelRef, type ModelRef } from '../core/registry/names.js';
import type { AdminApi, PredictResult, RegisterInput, SetDeploymentOptions } from '../protocol/admin/admin-api.js';
import type { AlertDto, AlertHistoryDto, AlertRuleChangeDto, AlertRuleDto } from '../protocol/admin/alert-dto.js';
import type { AlertHistoryFilter, AlertRuleBody } from '../protocol/admin/alerts-admin-api.js';
import { policyPatchDto } from '../protocol/admin/deployment-dto.js';
import type { DeploymentChangeDto, DeploymentDto } from '../protocol/admin/deployment-dto.js';
import type { DriftReport, DriftReportQuery } from '../protocol/admin/drift-dto.js';
import type { AliasEventDto, AuditRecordDto, ModelDetailDto, ModelDto, ModelVersionDto } from '../protocol/admin/dto.js';
import type {
  AccuracyAnswerDto,
  AccuracyQueryInput,
  FeedbackAnswerDto,
  FeedbackItemDto,
  PredictionListQuery,
  PredictionPageDto,
} from '../protocol/admin/monitoring-dto.js';
import { profileDto } from '../protocol/admin/profile-dto.js';
import { HttpAlertsClient } from './http-alerts-client.js';
import { HttpDeliveryClient } from './http-delivery-client.js';
import { HttpAbClient } from './http-ab-client.js';
import type { AbChangeDto, AbReportDto, AbReportInput, AbStartInput } from '../protocol/admin/ab-admin-api.js';
import { HttpRolloutClient } from './http-rollout-client.js';
import type { RolloutStartInput } from '../protocol/admin/rollout-admin-api.js';
import type { RolloutStatusDto } from '../protocol/admin/rollout-dto.js';
import type { ComparisonReportDto } from '../protocol/admin/comparison-dto.js';
import type { ReplayInput, ShadowReportInput, ShadowStartOptions } from '../protocol/admin/delivery-admin-api.js';
import type { VersionProfileAnswerDto } from '../protocol/admin/profile-dto.js';

/** How to reach one server's admin API. */
export interface HttpAdminClientOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** The admin bearer token; null sends no `Authorization` header (the server then answers UNAUTHORIZED). */
  token: string | null;
  /** Who is acting, sent as `x-mooring-actor` (informational: the server records it in alias events and audit). */
  actor: string;
  /** The longest one request may take, connection included. Deploys wait for a model to load, so it is generous. */
  timeoutMs?: number;
}

/** A decoded answer: status, headers, and the JSON body (null when there was none). */
interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;

/**
 * AdminApi over a running server's HTTP admin API (and its prediction routes), so every CLI command works the same
 * against a server as in local mode. Server errors come back as the same MooringErrors the services throw: the
 * `{ error, code, details }` body is rebuilt into one; a server that cannot be reached is SERVER_UNREACHABLE.
 */
export class HttpAdminClient implements AdminApi {
  private readonly baseUrl: string;
  private readonly token: string | null;
  private readonly actor: string;
  private readonly timeoutMs: number;
  private readonly alerts: HttpAlertsClient;
  private readonly delivery: HttpDeliveryClient;
  private readonly ab: HttpAbClient;
  private readonly rollouts: HttpRolloutClient;

  constructor(options: HttpAdminClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.token = options.token;
    this.actor = options.actor;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.alerts = new HttpAlertsClient((method, path, payload) => this.json(method, path, payload));
    this.delivery = new HttpDeliveryClient((method, path, payload) => this.json(method, path, payload));
    this.ab = new HttpAbClient((method, path, payload) => this.json(method, path, payload));
    this.rollouts = new HttpRolloutClient((method, path, payload) => this.json(method, path, payload));
  }

  async listModels(): Promise<ModelDto[]> {
    const answer = await this.json<{ models: ModelDto[] }>('GET', '/api/models');
    return answer.models;
  }

  getModel(name: string): Promise<ModelDetailDto> {
    return this.json('GET', `/api/models/${seg(name)}`);
  }

  getVersion(ref: string): Promise<ModelVersionDto> {
    const parsed = parseModelRef(ref);
    return this.json('GET', `/api/models/${seg(parsed.name)}/versions/${seg(selectorText(parsed))}`);
  }

  async register(input: RegisterInput): Promise<ModelVersionDto> {
    const artifact = await this.request('POST', '/api/artifacts', {
      body: input.artifact,
      contentType: 'application/octet-stream',
    });
    const { sha256 } = artifact.body as { sha256: string };
    return this.json('POST', `/api/models/${seg(input.name)}/versions`, {
      artifact_sha256: sha256,
      metrics: input.metrics,
      params: input.params,
      tags: input.tags,
      dataset_version: input.datasetVersion ?? undefined,
      trained_at: input.trainedAt ?? undefined,
      description: input.description ?? undefined,
      source: input.source ?? undefined,
      alias: input.alias ?? undefined,
      features: input.features ?? undefined,
      profile: input.profile ? profileDto(input.profile) : undefined,
    });
  }

  getProfile(ref: string): Promise<VersionProfileAnswerDto> {
    const parsed = parseModelRef(ref);
    return this.json('GET', `/api/models/${seg(parsed.name)}/versions/${seg(selectorText(parsed))}/profile`);
  }

  getDeployment(name: string): Promise<DeploymentDto> {
    return this.json('GET', `/api/models/${seg(name)}/deployment`);
  }

  setDeployment(name: string, patch: DeploymentPolicyInput, reason?: string, options: SetDeploymentOptions = {}): Promise<DeploymentChangeDto> {
    // `replace` is sent only when true, so a merge still works against a server that predates the field.
    const replace = options.replace === true ? { replace: true } : {};
    return this.json('PUT', `/api/models/${seg(name)}/deployment`, { policy: policyPatchDto(patch), reason, ...replace });
  }

  async deploymentHistory(name: string): Promise<DeploymentDto[]> {
    const answer = await this.json<{ revisions: DeploymentDto[] }>('GET', `/api/models/${seg(name)}/deployment/history`);
    return answer.revisions;
  }

  setAlias(name: string, alias: string, version: number, reason?: string): Promise<AliasEventDto> {
    return this.json('PUT', `/api/models/${seg(name)}/aliases/${seg(alias)}`, { version, reason });
  }

  deleteAlias(name: string, alias: string, reason?: string): Promise<AliasEventDto> {
    return this.json('DELETE', `/api/models/${seg(name)}/aliases/${seg(alias)}${query({ reason })}`);
  }

  deploy(name: string, version: number, reason?: string): Promise<AliasEventDto> {
    return this.json('POST', `/api/models/${seg(name)}/deploy`, { version, reason });
  }

  rollback(name: string, reason?: string): Promise<AliasEventDto> {
    return this.json('POST', `/api/models/${seg(name)}/rollback`, { reason });
  }

  async history(name: string, alias?: string): Promise<AliasEventDto[]> {
    const answer = await this.json<{ events: AliasEventDto[] }>('GET', `/api/models/${seg(name)}/history${query({ alias })}`);
    return answer.events;
  }

  aliasAt(name: string, alias: string, at: number): Promise<{ name: string; alias: string; at: string; version: number | null }> {
    return this.json('GET', `/api/models/${seg(name)}/aliases/${seg(alias)}/at${query({ time: String(at) })}`);
  }

  async audit(filter: { target?: string; limit?: number } = {}): Promise<AuditRecordDto[]> {
    const q = query({ target: filter.target, limit: filter.limit === undefined ? undefined : String(filter.limit) });
    const answer = await this.json<{ records: AuditRecordDto[] }>('GET', `/api/audit${q}`);
    return answer.records;
  }

  /**
   * Sends `body` to the v2 infer route when it has `inputs`, to the records route when it has `instances` (a bare
   * array is taken as the instances). The version segment comes from the reference; `production` needs none.
   */
  async predict(ref: string, body: unknown): Promise<PredictResult> {
    const parsed = parseModelRef(ref);
    const request = Array.isArray(body) ? { instances: body } : body;
    const version = parsed.selector.kind === 'alias' && parsed.selector.alias === PRODUCTION_ALIAS ? null : selectorText(parsed);
    let path: string;
    if (hasKey(request, 'inputs')) {
      path = `/v2/models/${seg(parsed.name)}${version === null ? '' : `/versions/${seg(version)}`}/infer`;
    } else if (hasKey(request, 'instances')) {
      path = `/v1/models/${seg(parsed.name)}${version === null ? '' : `/versions/${seg(version)}`}:predict`;
    } else {
      throw fail('INVALID_REQUEST', 'a prediction request needs "inputs" (Open Inference Protocol v2) or "instances" (records)');
    }
    const answer = await this.request('POST', path, { body: JSON.stringify(request), contentType: 'application/json' });
    const bodyVersion = hasKey(answer.body, 'model_version') ? String(answer.body.model_version) : '';
    return { modelVersion: answer.headers.get('x-model-version') ?? bodyVersion, body: answer.body };
  }

  listPredictions(name: string, q: PredictionListQuery = {}): Promise<PredictionPageDto> {
    const params = query({
      version: q.version,
      since: q.since,
      until: q.until,
      flag: q.flag,
      limit: q.limit === undefined ? undefined : String(q.limit),
      after: q.after,
    });
    return this.json('GET', `/api/models/${seg(name)}/predictions${params}`);
  }

  sendFeedback(items: readonly FeedbackItemDto[]): Promise<FeedbackAnswerDto> {
    return this.json('POST', '/api/feedback', { items });
  }

  accuracy(name: string, q: AccuracyQueryInput = {}): Promise<AccuracyAnswerDto> {
    const params = query({ version: q.version, since: q.since, until: q.until, window: q.window });
    return this.json('GET', `/api/models/${seg(name)}/accuracy${params}`);
  }

  driftReport(name: string, q: DriftReportQuery = {}): Promise<DriftReport> {
    return this.json('GET', `/api/models/${seg(name)}/drift${driftParams(q)}`);
  }

  async driftReportHtml(name: string, q: DriftReportQuery = {}): Promise<string> {
    const answer = await this.request('GET', `/api/models/${seg(name)}/drift${driftParams(q, 'html')}`, {});
    if (typeof answer.body !== 'string') throw fail('INTERNAL', `the server at ${this.baseUrl} did not answer the drift report as HTML`);
    return answer.body;
  }

  // Alerting (src/cli/http-alerts-client.ts does the work).
  listAlerts(): Promise<AlertDto[]> {
    return this.alerts.listAlerts();
  }

  listAlertRules(): Promise<AlertRuleDto[]> {
    return this.alerts.listAlertRules();
  }

  getAlertRule(name: string): Promise<AlertRuleDto> {
    return this.alerts.getAlertRule(name);
  }

  setAlertRule(name: string, rule: AlertRuleBody): Promise<AlertRuleChangeDto> {
    return this.alerts.setAlertRule(name, rule);
  }

  deleteAlertRule(name: string): Promise<AlertRuleDto> {
    return this.alerts.deleteAlertRule(name);
  }

  alertHistory(filter?: AlertHistoryFilter): Promise<AlertHistoryDto> {
    return this.alerts.alertHistory(filter);
  }

  // Shadows and replay (src/cli/http-delivery-client.ts does the work).
  startShadow(name: string, version: number, options?: ShadowStartOptions): Promise<DeploymentChangeDto> {
    return this.delivery.startShadow(name, version, options);
  }

  stopShadow(name: string, version?: number): Promise<DeploymentChangeDto> {
    return this.delivery.stopShadow(name, version);
  }

  shadowReport(name: string, query?: ShadowReportInput): Promise<ComparisonReportDto> {
    return this.delivery.shadowReport(name, query);
  }

  replay(name: string, version: number, options?: ReplayInput): Promise<ComparisonReportDto> {
    return this.delivery.replay(name, version, options);
  }

  // A/B tests (src/cli/http-ab-client.ts does the work).
  startAb(name: string, version: number, options: AbStartInput): Promise<AbChangeDto> {
    return this.ab.startAb(name, version, options);
  }

  stopAb(name: string): Promise<AbChangeDto> {
    return this.ab.stopAb(name);
  }

  abReport(name: string, query?: AbReportInput): Promise<AbReportDto> {
    return this.ab.abReport(name, query);
  }

  // Canary rollouts (src/cli/http-rollout-client.ts does the work).
  startRollout(name: string, input: RolloutStartInput, reason?: string): Promise<RolloutStatusDto> {
    return this.rollouts.startRollout(name, input, reason);
  }

  rolloutStatus(name: string): Promise<RolloutStatusDto> {
    return this.rollouts.rolloutStatus(name);
  }

  pauseRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rollouts.pauseRollout(name, reason);
  }

  resumeRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rollouts.resumeRollout(name, reason);
  }

  promoteRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rollouts.promoteRollout(name, reason);
  }

  abortRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rollouts.abortRollout(name, reason);
  }

  /** One JSON request; `payload` (when given) is sent as the JSON body. */
  private async json<T>(method: string, path: string, payload?: unknown): Promise<T> {
    const init = payload === undefined ? {} : { body: JSON.stringify(payload), contentType: 'application/json' };
    const answer = await this.request(method, path, init);
    return answer.body as T;
  }

  private async request(
    method: string,
    path: string,
    init: { body?: string | Uint8Array; contentType?: string },
  ): Promise<Answer> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { accept: 'application/json', 'x-mooring-actor': this.actor };
    if (this.token !== null) headers.authorization = `Bearer ${this.token}`;
    if (init.contentType !== undefined) headers['content-type'] = init.contentType;
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { method, headers, body: init.body, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (e) {
      throw unreachable(this.baseUrl, e);
    }
    let body: unknown = null;
    if (response.ok && (response.headers.get('content-type') ?? '').startsWith('text/html')) {
      body = text; // a page (the drift report's HTML form), not JSON
    } else if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        if (response.ok) throw fail('INTERNAL', `the server at ${this.baseUrl} answered ${method} ${path} with a body that is not JSON`);
        body = { error: text.slice(0, 500) };
      }
    }
    if (!response.ok) throw errorFromAnswer(response.status, body, `${method} ${path}`);
    return { status: response.status, headers: response.headers, body };
  }
}

/** Rebuilds the server's coded error; a body without a known code becomes INTERNAL (or the status's obvious code). */
function errorFromAnswer(status: number, body: unknown, what: string): MooringError {
  const message = hasKey(body, 'error') && typeof body.error === 'string' ? body.error : `${what} failed with HTTP ${status}`;
  const code = hasKey(body, 'code') && typeof body.code === 'string' ? body.code : undefined;
  const details = hasKey(body, 'details') && typeof body.details === 'object' && body.details !== null ? (body.details as Record<string, unknown>) : undefined;
  if (code !== undefined && Object.hasOwn(ERROR_CODES, code)) return new MooringError(code as ErrorCode, message, details);
  // No code at all: something other than Mooring answered (a proxy, another server); keep what the status says.
  if (code === undefined && status === 401) return new MooringError('UNAUTHORIZED', message, details);
  if (code === undefined && status === 404) return new MooringError('ROUTE_NOT_FOUND', message, details);
  return new MooringError('INTERNAL', `HTTP ${status}${code === undefined ? '' : ` ${code}`}: ${message}`, details);
}

/** SERVER_UNREACHABLE for a failed connection, DNS lookup or timeout, naming the URL and the cause. */
function unreachable(baseUrl: string, e: unknown): MooringError {
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  const reason =
    err.name === 'TimeoutError' ? 'timed out' : (err.cause?.code ?? err.cause?.message ?? err.message ?? String(e));
  return new MooringError('SERVER_UNREACHABLE', `cannot reach the Mooring server at ${baseUrl}: ${reason}`, { url: baseUrl }, { cause: e });
}

/** The version path segment the server accepts for a reference's selector. */
function selectorText(ref: ModelRef): string {
  const s = ref.selector;
  if (s.kind === 'version') return String(s.version);
  if (s.kind === 'latest') return 'latest';
  return s.alias;
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

/** The query string of a drift report request. */
function driftParams(q: DriftReportQuery, format?: 'html'): string {
  return query({
    version: q.version,
    since: q.since,
    until: q.until,
    last: q.last === undefined ? undefined : String(q.last),
    method: q.method,
    format,
  });
}

function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  const text = q.toString();
  return text.length > 0 ? `?${text}` : '';
}

function hasKey<K extends string>(value: unknown, key: K): value is Record<K, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && key in value;
}
