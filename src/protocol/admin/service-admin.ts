import { fail } from '../../core/errors.js';
import { parseModelRef } from '../../core/registry/names.js';
import type { Actor } from '../../core/registry/types.js';
import { parseTime } from '../../core/time.js';
import type { DeploymentPolicyInput } from '../../core/deployment/policy.js';
import type { Dataplane } from '../../services/dataplane.js';
import type { DeploymentService } from '../../services/deployment-service.js';
import type { RegistryService } from '../../services/registry-service.js';
import { DEFAULT_DECODE_LIMITS } from '../json-tensor.js';
import { answerRecords, answerV2 } from '../predict.js';
import { decodeInferRequest } from '../v2/infer-request.js';
import type { AdminApi, PredictResult, RegisterInput } from './admin-api.js';
import { deploymentChangeDto, deploymentDto } from './deployment-dto.js';
import type { DeploymentChangeDto, DeploymentDto } from './deployment-dto.js';
import { aliasEventDto, auditDto, iso, modelDto, versionDto } from './dto.js';
import type { AliasEventDto, AuditRecordDto, ModelDetailDto, ModelDto, ModelVersionDto } from './dto.js';
import { profileDto } from './profile-dto.js';
import type { VersionProfileAnswerDto } from './profile-dto.js';

/**
 * AdminApi over the in-process services: what the HTTP admin routes call, and what the CLI uses when no server
 * runs on its home. One instance per caller identity (`actor` lands on every audit record).
 */
export class ServiceAdmin implements AdminApi {
  private readonly by: Actor;

  constructor(
    private readonly registry: RegistryService,
    private readonly deployments: DeploymentService,
    private readonly dataplane: Dataplane | null,
    actor: string,
  ) {
    this.by = { actor };
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

  async setDeployment(name: string, patch: DeploymentPolicyInput, reason?: string): Promise<DeploymentChangeDto> {
    return deploymentChangeDto(await this.deployments.set(name, patch, this.as(reason)));
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
    const target = await this.dataplane.target(r.name, selector);
    const request = Array.isArray(body) ? { instances: body } : body;
    const answer =
      isObject(request) && 'instances' in request
        ? await answerRecords(this.dataplane, target, request, DEFAULT_DECODE_LIMITS)
        : await answerV2(this.dataplane, target, decodeInferRequest(request));
    return { modelVersion: target.label, body: answer.body };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
