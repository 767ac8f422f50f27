import { fail } from '../../core/errors.js';
import { formatModelRef, parseModelRef, parseSelector } from '../../core/registry/names.js';
import type { Actor } from '../../core/registry/types.js';
import { isDuration, parseDuration, parseTime, parseTimeOrAgo } from '../../core/time.js';
import type { DeploymentPolicyInput } from '../../core/deployment/policy.js';
import type { Dataplane } from '../../services/dataplane.js';
import type { AlertRuleService } from '../../services/alert-rules.js';
import type { DeploymentService } from '../../services/deployment-service.js';
import type { DriftQuery, DriftService } from '../../services/drift-service.js';
import type { PredictionServices } from '../../services/prediction-services.js';
import type { RegistryService } from '../../services/registry-service.js';
import { DEFAULT_DECODE_LIMITS } from '../json-tensor.js';
import { predictRecords, predictV2 } from '../predict.js';
import { decodeInferRequest } from '../v2/infer-request.js';
import type { AdminApi, PredictResult, RegisterInput, SetDeploymentOptions } from './admin-api.js';
import type { AlertDto, AlertHistoryDto, AlertRuleChangeDto, AlertRuleDto } from './alert-dto.js';
import { ServiceAlertsAdmin } from './alerts-admin.js';
import type { ComparisonReportDto } from './comparison-dto.js';
import { ServiceDeliveryAdmin } from './delivery-admin.js';
import { ServiceAbAdmin } from './ab-admin.js';
import type { AbChangeDto, AbReportDto, AbReportInput, AbStartInput } from './ab-admin-api.js';
import type { ReplayInput, ShadowReportInput, ShadowStartOptions } from './delivery-admin-api.js';
import type { RolloutController } from '../../services/rollout/rollout-controller.js';
import { ServiceRolloutAdmin } from './rollout-admin.js';
import type { RolloutStartInput } from './rollout-admin-api.js';
import type { RolloutStatusDto } from './rollout-dto.js';
import type { AlertHistoryFilter, AlertRuleBody } from './alerts-admin-api.js';
import { deploymentChangeDto, deploymentDto } from './deployment-dto.js';
import type { DriftReport, DriftReportQuery } from './drift-dto.js';
import type { DeploymentChangeDto, DeploymentDto } from './deployment-dto.js';
import { aliasEventDto, auditDto, iso, modelDto, versionDto } from './dto.js';
import type { AliasEventDto, AuditRecordDto, ModelDetailDto, ModelDto, ModelVersionDto } from './dto.js';
import { accuracyDto, predictionDto } from './monitoring-dto.js';
import type {
  AccuracyAnswerDto,
  AccuracyQueryInput,
  FeedbackAnswerDto,
  FeedbackItemDto,
  PredictionListQuery,
  PredictionPageDto,
} from './monitoring-dto.js';
import { profileDto } from './profile-dto.js';
import type { VersionProfileAnswerDto } from './profile-dto.js';

/**
 * AdminApi over the in-process services: what the HTTP admin routes call, and what the CLI uses when no server
 * runs on its home. One instance per caller identity (`actor` lands on every audit record).
 */
export class ServiceAdmin implements AdminApi {
  private readonly by: Actor;
  private readonly alertsAdmin: ServiceAlertsAdmin;
  private readonly deliveryAdmin: ServiceDeliveryAdmin;
  private readonly abAdmin: ServiceAbAdmin;
  private readonly rolloutAdmin: ServiceRolloutAdmin;

  constructor(
    private readonly registry: RegistryService,
    private readonly deployments: DeploymentService,
    private readonly dataplane: Dataplane | null,
    actor: string,
    private readonly predictions: PredictionServices | null = null,
    alerts: AlertRuleService | null = null,
    private readonly drift: DriftService | null = null,
    rollouts: RolloutController | null = null,
  ) {
    this.by = { actor };
    this.alertsAdmin = new ServiceAlertsAdmin(alerts, this.by);
    this.rolloutAdmin = new ServiceRolloutAdmin(rollouts, actor);
    this.deliveryAdmin = new ServiceDeliveryAdmin({ registry, deployments, dataplane, predictions, limits: DEFAULT_DECODE_LIMITS }, this.by);
    this.abAdmin = new ServiceAbAdmin({ registry, deployments, predictions }, this.by);
  }

  private as(reason?: string): Actor {
    return reason ? { actor: this.by.actor, reason } : this.by;
  }

  async listModels(): Promise<ModelDto[]> {
    return (await this.registry.store.listModels()).map(modelDto);
  }

  async getModel(name: string): Promise<ModelDetailDto> {
    const model = await this.registry.model(name);
    const versions = await this.registry.store.listVersions(name);
    return { ...modelDto(model), versions: versions.map((v) => versionDto(v, model.aliases)) };
  }

  async getVersion(ref: string): Promise<ModelVersionDto> {
    const r = parseModelRef(ref);
    const version = await this.registry.resolve(r);
    const model = await this.registry.model(r.name);
    return versionDto(version, model.aliases);
  }

  async register(input: RegisterInput): Promise<ModelVersionDto> {
    const version = await this.registry.register(
      {
        name: input.name,
        artifact: input.artifact,
        metrics: input.metrics,
        params: input.params,
        tags: input.tags,
        datasetVersion: input.datasetVersion ?? null,
        trainedAt: input.trainedAt ? parseTime(input.trainedAt, 'trained_at') : null,
        description: input.description ?? null,
        source: input.source ?? null,
        alias: input.alias ?? null,
        features: input.features ?? null,
        profile: input.profile ?? null,
      },
      this.by,
    );
    const model = await this.registry.model(input.name);
    return versionDto(version, model.aliases);
  }

  async getProfile(ref: string): Promise<VersionProfileAnswerDto> {
    const version = await this.registry.resolve(ref);
    const profile = version.hasProfile ? await this.registry.store.getProfile(version.name, version.version) : null;
    return { name: version.name, version: version.version, profile: profile === null ? null : profileDto(profile) };
  }

  async getDeployment(name: string): Promise<DeploymentDto> {
    return deploymentDto(await this.deployments.show(name));
  }

  async setDeployment(name: string, patch: DeploymentPolicyInput, reason?: string, options: SetDeploymentOptions = {}): Promise<DeploymentChangeDto> {
    const by = this.as(reason);
    const change = options.replace === true ? await this.deployments.replace(name, patch, by) : await this.deployments.set(name, patch, by);
    return deploymentChangeDto(change);
  }

  async deploymentHistory(name: string): Promise<DeploymentDto[]> {
    return (await this.deployments.history(name)).map(deploymentDto);
  }

  async setAlias(name: string, alias: string, version: number, reason?: string): Promise<AliasEventDto> {
    return aliasEventDto(await this.registry.setAlias(name, alias, version, this.as(reason)));
  }

  async deleteAlias(name: string, alias: string, reason?: string): Promise<AliasEventDto> {
    return aliasEventDto(await this.registry.deleteAlias(name, alias, this.as(reason)));
  }

  async deploy(name: string, version: number, reason?: string): Promise<AliasEventDto> {
    return aliasEventDto(await this.registry.deploy(name, version, this.as(reason)));
  }

  async rollback(name: string, reason?: string): Promise<AliasEventDto> {
    return aliasEventDto(await this.registry.rollback(name, this.as(reason)));
  }

  async history(name: string, alias?: string): Promise<AliasEventDto[]> {
    await this.registry.model(name);
    return (await this.registry.store.aliasHistory(name, alias)).map(aliasEventDto);
  }

  async aliasAt(name: string, alias: string, at: number): Promise<{ name: string; alias: string; at: string; version: number | null }> {
    await this.registry.model(name);
    return { name, alias, at: iso(at), version: await this.registry.store.aliasAt(name, alias, at) };
  }

  async audit(filter?: { target?: string; limit?: number }): Promise<AuditRecordDto[]> {
    return (await this.registry.store.listAudit(filter)).map(auditDto);
  }

  async predict(ref: string, body: unknown): Promise<PredictResult> {
    if (!this.dataplane) throw fail('NOT_IMPLEMENTED', 'this context has no dataplane');
    const r = parseModelRef(ref);
    const s = r.selector;
    const selector = s.kind === 'version' ? String(s.version) : s.kind === 'latest' ? 'latest' : s.alias === 'production' ? undefined : s.alias;
    const request = Array.isArray(body) ? { instances: body } : body;
    const ctx = { startedAt: performance.now() };
    const answer =
      isObject(request) && 'instances' in request
        ? await predictRecords(this.dataplane, r.name, selector, request, DEFAULT_DECODE_LIMITS, ctx)
        : await predictV2(this.dataplane, r.name, selector, decodeInferRequest(request), request, ctx);
    return { modelVersion: answer.label, body: answer.body };
  }

  async listPredictions(name: string, query: PredictionListQuery = {}): Promise<PredictionPageDto> {
    const p = this.monitoring();
    await this.registry.model(name);
    const now = Math.floor(p.clock());
    const version = await this.versionOf(name, query.version);
    const page = await p.log.query({
      model: name,
      ...(version === undefined ? {} : { version }),
      ...(query.since === undefined ? {} : { since: parseTimeOrAgo(query.since, now, 'since') }),
      ...(query.until === undefined ? {} : { until: parseTimeOrAgo(query.until, now, 'until') }),
      ...(query.flag === undefined ? {} : { flag: query.flag }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
      ...(query.after === undefined ? {} : { after: query.after }),
    });
    return { items: page.items.map(predictionDto), next: page.next };
  }

  async sendFeedback(items: readonly FeedbackItemDto[]): Promise<FeedbackAnswerDto> {
    return { accepted: await this.monitoring().feedback.send(items) };
  }

  async accuracy(name: string, query: AccuracyQueryInput = {}): Promise<AccuracyAnswerDto> {
    const p = this.monitoring();
    await this.registry.model(name);
    const now = Math.floor(p.clock());
    const version = await this.versionOf(name, query.version);
    const until = query.until === undefined ? now + 1 : parseTimeOrAgo(query.until, now, 'until');
    const since = query.since === undefined ? Math.max(0, until - DEFAULT_ACCURACY_RANGE_MS) : parseTimeOrAgo(query.since, now, 'since');
    const windowMs = query.window === undefined ? null : parseDuration(query.window, 'window');
    const report = await p.accuracy.report({ model: name, since, until, windowMs, ...(version === undefined ? {} : { version }) });
    return accuracyDto(report);
  }

  async driftReport(name: string, query: DriftReportQuery = {}): Promise<DriftReport> {
    return this.driftService().report(this.driftQuery(name, query));
  }

  async driftReportHtml(name: string, query: DriftReportQuery = {}): Promise<string> {
    return this.driftService().html(this.driftQuery(name, query));
  }

  private driftService(): DriftService {
    if (this.drift === null) throw fail('NOT_IMPLEMENTED', 'this context has no drift service');
    return this.drift;
  }

  /** The edge's text times as a DriftQuery: `since` as a duration alone is a trailing window (cached by length). */
  private driftQuery(name: string, q: DriftReportQuery): DriftQuery {
    const now = this.driftService().now();
    const { since, until } = q;
    const trailing = since !== undefined && until === undefined && isDuration(since);
    return {
      model: name,
      version: q.version,
      since: since === undefined || trailing ? undefined : parseTimeOrAgo(since, now, 'since'),
      windowMs: trailing ? parseDuration(since, 'since') : undefined,
      until: until === undefined ? undefined : parseTimeOrAgo(until, now, 'until'),
      last: q.last,
      method: q.method,
    };
  }

  private monitoring(): PredictionServices {
    if (this.predictions === null) throw fail('NOT_IMPLEMENTED', 'this context has no prediction log services');
    return this.predictions;
  }

  /** A version selector (number or alias) as the version number it names now; undefined stays undefined. */
  private async versionOf(name: string, selector: string | undefined): Promise<number | undefined> {
    if (selector === undefined) return undefined;
    return (await this.registry.resolve(formatModelRef(parseSelector(name, selector)))).version;
  }

  // Alerting (src/protocol/admin/alerts-admin.ts does the work).
  listAlerts(): Promise<AlertDto[]> {
    return this.alertsAdmin.listAlerts();
  }

  listAlertRules(): Promise<AlertRuleDto[]> {
    return this.alertsAdmin.listAlertRules();
  }

  getAlertRule(name: string): Promise<AlertRuleDto> {
    return this.alertsAdmin.getAlertRule(name);
  }

  setAlertRule(name: string, rule: AlertRuleBody): Promise<AlertRuleChangeDto> {
    return this.alertsAdmin.setAlertRule(name, rule);
  }

  deleteAlertRule(name: string): Promise<AlertRuleDto> {
    return this.alertsAdmin.deleteAlertRule(name);
  }

  alertHistory(filter?: AlertHistoryFilter): Promise<AlertHistoryDto> {
    return this.alertsAdmin.alertHistory(filter);
  }

  // Shadows and replay (src/protocol/admin/delivery-admin.ts does the work).
  startShadow(name: string, version: number, options?: ShadowStartOptions): Promise<DeploymentChangeDto> {
    return this.deliveryAdmin.startShadow(name, version, options);
  }

  stopShadow(name: string, version?: number): Promise<DeploymentChangeDto> {
    return this.deliveryAdmin.stopShadow(name, version);
  }

  shadowReport(name: string, query?: ShadowReportInput): Promise<ComparisonReportDto> {
    return this.deliveryAdmin.shadowReport(name, query);
  }

  replay(name: string, version: number, options?: ReplayInput): Promise<ComparisonReportDto> {
    return this.deliveryAdmin.replay(name, version, options);
  }

  // A/B tests (src/protocol/admin/ab-admin.ts does the work).
  startAb(name: string, version: number, options: AbStartInput): Promise<AbChangeDto> {
    return this.abAdmin.startAb(name, version, options);
  }

  stopAb(name: string): Promise<AbChangeDto> {
    return this.abAdmin.stopAb(name);
  }

  abReport(name: string, query?: AbReportInput): Promise<AbReportDto> {
    return this.abAdmin.abReport(name, query);
  }

  // Canary rollouts (src/protocol/admin/rollout-admin.ts does the work).
  startRollout(name: string, input: RolloutStartInput, reason?: string): Promise<RolloutStatusDto> {
    return this.rolloutAdmin.startRollout(name, input, reason);
  }

  rolloutStatus(name: string): Promise<RolloutStatusDto> {
    return this.rolloutAdmin.rolloutStatus(name);
  }

  pauseRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rolloutAdmin.pauseRollout(name, reason);
  }

  resumeRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rolloutAdmin.resumeRollout(name, reason);
  }

  promoteRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rolloutAdmin.promoteRollout(name, reason);
  }

  abortRollout(name: string, reason?: string): Promise<RolloutStatusDto> {
    return this.rolloutAdmin.abortRollout(name, reason);
  }
}

/** The range `accuracy` covers when no `since` is given: labels often come days after the prediction. */
const DEFAULT_ACCURACY_RANGE_MS = 7 * 86_400_000;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
