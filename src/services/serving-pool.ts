import { fail } from '../core/errors.js';
import type { SignatureCheck } from '../core/inference/signature-check.js';
import { DEFAULT_POLICY } from '../core/deployment/policy.js';
import type { DeploymentPolicy } from '../core/deployment/policy.js';
import type { VersionProfile } from '../core/profile/types.js';
import type { VersionValidator } from '../core/validation/validator.js';
import type { VersionMetrics } from './metrics.js';
import type { InferenceRunner } from './inference-runner.js';
import type { VersionGuard } from './resilience/version-guard.js';
import { VersionLoader, versionKey } from './version-loader.js';
import type { VersionLoaderDeps } from './version-loader.js';
import { PRODUCTION_ALIAS, parseSelector } from '../core/registry/names.js';
import type { ModelRef } from '../core/registry/names.js';
import type { AliasEvent, ModelVersion } from '../core/registry/types.js';
import type { LoadedModel } from '../runtime/model-runtime.js';
import type { ProductionGate } from './registry-service.js';

/**
 * The serving pool keeps model versions loaded and decides which one answers a request.
 *
 * - A version is loaded once (version-loader.ts: concurrent requests for it share one load), verified (the artifact
 *   store checks the sha256), and warmed up with one inference before it can take traffic.
 * - The versions a model's routing names (canary, shadows) and, when its fallback chain lists `previous`, the version
 *   production held before stay loaded too.
 * - `production` switches only to a warm version; the version it replaces stays loaded as the rollback target, so
 *   a rollback is a pointer swap. A version that fails to load leaves the current one serving.
 * - The pool polls the store's revision, so alias moves made by another replica or by the CLI offline reach it.
 * - Versions no alias points to are unloaded after a grace period, once no request is using them.
 */

/** A loaded, warm version as the request path uses it: everything a request needs is precomputed here. */
export interface ServedVersion {
  readonly name: string;
  readonly version: number;
  /** The version as text, for the `model_version` field and the `x-model-version` header. */
  readonly label: string;
  readonly meta: ModelVersion;
  readonly model: LoadedModel;
  readonly check: SignatureCheck;
  /** The training profile stored with the version (null when it was registered without reference data). */
  readonly profile: VersionProfile | null;
  /** The model's deployment policy in force. */
  policy: DeploymentPolicy;
  /** The input guard under the model's current deployment policy; recompiled when the policy changes. */
  validator: VersionValidator;
  /** Load limits, circuit breaker and latency budget; kept across policy changes that leave those alone. */
  guard: VersionGuard;
  /** Cache, coalescing, the guard and batching in front of the model under the current policy; rebuilt when it changes. */
  runner: InferenceRunner;
  /** Its metric handles, created by the dataplane on first use. */
  metrics?: VersionMetrics;
  /** Requests currently running on it; it is never unloaded while above zero. */
  inflight: number;
  lastUsed: number;
}

/** How one model is being served, for health and readiness answers. */
export interface ModelServingStatus {
  name: string;
  /** The version serving production traffic (null when none is loaded). */
  production: number | null;
  /** The version the `production` alias names (it differs from `production` while that version cannot load). */
  productionAlias: number | null;
  /** The version production held before, kept as the rollback target and the `previous` fallback. */
  previous: number | null;
  ready: boolean;
  loaded: number[];
  lastError: string | null;
  /** The production version's circuit breaker. */
  circuit: 'closed' | 'open' | 'half_open' | null;
  /** The fallback chain of the model's deployment policy. */
  fallbacks: readonly string[];
}

/** What the pool needs: what its version loader needs, and how it polls and unloads. */
export interface ServingPoolDeps extends VersionLoaderDeps {
  unloadGraceMs: number;
  syncIntervalMs: number;
  /** Resolves a version reference (the registry service's `resolve`), with its not-found errors. */
  resolve: (ref: ModelRef) => Promise<ModelVersion>;
}

const key = versionKey;

/** The serving pool; also the registry's ProductionGate. */
export class ServingPool implements ProductionGate {
  private readonly versions: VersionLoader;
  private readonly production = new Map<string, ServedVersion>();
  /** Bumped on every production switch, so a slow sync never overwrites a newer deploy. */
  private readonly generation = new Map<string, number>();
  /** The version each model's production held before its last switch: kept loaded as the rollback target. */
  private readonly previous = new Map<string, number>();
  private aliases = new Map<string, Readonly<Record<string, number>>>();
  /** Each model's deployment policy and its revision (0: never set, the defaults apply). */
  private readonly policies = new Map<string, { revision: number; policy: DeploymentPolicy }>();
  private lastRevision = -1;
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;
  private queuedSync: Promise<void> | null = null;

  constructor(private readonly deps: ServingPoolDeps) {
    this.versions = new VersionLoader(deps, (name) => this.policyFor(name));
  }

  /** The version serving `production` for a model, if one is loaded: the hot path's one map read. */
  productionOf(name: string): ServedVersion | undefined {
    return this.production.get(name);
  }

  /**
   * The version a request names: `undefined` for production, a number, `latest`, or an alias name.
   * Loads an explicitly named version on demand. Throws MODEL_NOT_FOUND, VERSION_NOT_FOUND, ALIAS_NOT_FOUND or
   * MODEL_NOT_READY.
   */
  async acquire(name: string, selector?: string): Promise<ServedVersion> {
    if (selector === undefined || selector === PRODUCTION_ALIAS) {
      const p = this.production.get(name);
      if (p) return p;
      const model = await this.deps.store.getModel(name);
      if (!model) throw fail('MODEL_NOT_FOUND', `model ${JSON.stringify(name)} is not registered`, { model: name });
      const target = model.aliases[PRODUCTION_ALIAS];
      if (target === undefined) {
        throw fail('MODEL_NOT_READY', `model ${JSON.stringify(name)} has no production alias: deploy a version first`, { model: name });
      }
      // Not loaded yet (a fresh CLI process, or registered elsewhere since the last sync): load it now.
      const gen = this.generation.get(name) ?? 0;
      const meta = await this.deps.store.getVersion(name, target);
      if (!meta) throw fail('MODEL_NOT_READY', `model ${JSON.stringify(name)} points production at a missing version`, { model: name });
      const served = await this.ensureLoaded(meta);
      if ((this.generation.get(name) ?? 0) === gen) this.activate(name, meta);
      return this.production.get(name) ?? served;
    }
    return this.ensureLoaded(await this.deps.resolve(parseSelector(name, selector)));
  }

  /** Whether the registry had a model of that name at the last sync (or it is serving now). */
  knows(name: string): boolean {
    return this.aliases.has(name) || this.production.has(name);
  }

    /** The version a loaded request target maps to, without I/O, when it is already loaded. */
  lookup(name: string, version: number): ServedVersion | undefined {
    return this.versions.get(name, version);
  }

  /** Loads and warms a version once; concurrent callers share the same load. */
  ensureLoaded(meta: ModelVersion): Promise<ServedVersion> {
    return this.versions.ensureLoaded(meta);
  }

  /** A model's deployment policy as this pool knows it without I/O (undefined before first use). */
  knownPolicy(name: string): DeploymentPolicy | undefined {
    return this.policies.get(name)?.policy;
  }

  /** A model's current deployment policy, read from the store on first use and kept fresh by `sync`. */
  async policyFor(name: string): Promise<DeploymentPolicy> {
    const known = this.policies.get(name);
    if (known) return known.policy;
    const stored = await this.deps.store.getDeployment(name);
    const entry = stored ? { revision: stored.revision, policy: stored.policy } : { revision: 0, policy: DEFAULT_POLICY };
    this.policies.set(name, entry);
    return entry.policy;
  }

  /** Re-reads a model's deployment policy and recompiles its loaded versions' validators when it changed. */
  private async refreshPolicy(name: string): Promise<void> {
    const stored = await this.deps.store.getDeployment(name);
    const revision = stored?.revision ?? 0;
    if (this.policies.get(name)?.revision === revision) return;
    const policy = stored?.policy ?? DEFAULT_POLICY;
    this.policies.set(name, { revision, policy });
    this.versions.applyPolicy(name, policy);
    if (stored) this.deps.logger.info({ model: name, revision }, 'deployment policy applied');
  }

  /** ProductionGate: load and warm before the alias moves. */
  async prepare(_name: string, version: ModelVersion): Promise<void> {
    await this.ensureLoaded(version);
  }

  /** ProductionGate: switch traffic to a version `prepare` made ready. */
  activate(name: string, version: ModelVersion): void {
    const served = this.versions.get(name, version.version);
    if (!served) return; // prepare failed or was skipped; the next sync will retry
    this.setProduction(name, served);
  }

  /** Switches (or, with undefined, stops) a model's production, remembering the version it replaces. */
  private setProduction(name: string, served: ServedVersion | undefined): void {
    const before = this.production.get(name);
    if (served) this.production.set(name, served);
    else this.production.delete(name);
    this.generation.set(name, (this.generation.get(name) ?? 0) + 1);
    if (before && before.version !== served?.version) {
      this.previous.set(name, before.version);
      this.deps.logger.info({ model: name, from: before.version, to: served?.version ?? null }, 'production switched');
    } else if (!before && served) {
      this.deps.logger.info({ model: name, from: null, to: served.version }, 'production switched');
    }
  }

  /** Reads the registry and brings production pointers up to date (at start, and whenever the revision moved). */
  sync(): Promise<void> {
    if (this.syncing) {
      // The sync in flight may have read the store before the change that asks for this one: run once more after it.
      this.queuedSync ??= this.syncing
        .catch(() => undefined)
        .then(() => {
          this.queuedSync = null;
          return this.sync();
        });
      return this.queuedSync;
    }
    this.syncing = this.doSync().finally(() => (this.syncing = null));
    return this.syncing;
  }

  private async doSync(): Promise<void> {
    const revision = await this.deps.store.revision();
    if (revision === this.lastRevision) return;
    const models = await this.deps.store.listModels();
    const aliases = new Map<string, Readonly<Record<string, number>>>();
    for (const m of models) aliases.set(m.name, m.aliases);
    this.aliases = aliases;
    let failed = false;
    await Promise.all(
      models.map(async (m) => {
        try {
          await this.refreshPolicy(m.name);
        } catch (e) {
          failed = true;
          this.deps.logger.error({ model: m.name, err: (e as Error).message }, 'deployment policy could not be read');
        }
        const target = m.aliases[PRODUCTION_ALIAS];
        if (target === undefined) {
          if (this.production.has(m.name)) this.setProduction(m.name, undefined);
          return;
        }
        if (!(await this.keepPrevious(m.name, target))) failed = true;
        if (!(await this.keepRouted(m.name))) failed = true;
        if (this.production.get(m.name)?.version === target) return;
        const gen = this.generation.get(m.name) ?? 0;
        try {
          const meta = await this.deps.store.getVersion(m.name, target);
          if (!meta) return;
          await this.ensureLoaded(meta);
          if ((this.generation.get(m.name) ?? 0) === gen) this.activate(m.name, meta);
        } catch {
          failed = true; // logged by load(); the current version keeps serving and the next sync retries
        }
      }),
    );
    for (const name of [...this.production.keys()]) if (!aliases.has(name)) this.setProduction(name, undefined);
    if (!failed) this.lastRevision = revision;
  }

  /**
   * Keeps the version production held before `current` loaded when the model's fallback chain lists `previous`.
   * After a restart the pool has not seen that switch, so the alias history names it. False when it could not load.
   */
  private async keepPrevious(name: string, current: number): Promise<boolean> {
    const policy = this.policies.get(name)?.policy;
    if (policy === undefined || !policy.fallback.chain.includes('previous')) return true;
    let version = this.previous.get(name);
    if (version === undefined || version === current) {
      version = previousFromHistory(await this.deps.store.aliasHistory(name, PRODUCTION_ALIAS), current);
      if (version === undefined) return true;
      this.previous.set(name, version);
    }
    if (this.versions.get(name, version)) return true;
    try {
      const meta = await this.deps.store.getVersion(name, version);
      if (meta) await this.ensureLoaded(meta);
      return true;
    } catch {
      return false; // logged by load(); the next sync retries
    }
  }

  /** Keeps the versions the model's routing names (a canary, shadows) loaded. False when one could not load. */
  private async keepRouted(name: string): Promise<boolean> {
    let ok = true;
    for (const version of this.routedVersions(name)) {
      if (this.versions.get(name, version)) continue;
      try {
        const meta = await this.deps.store.getVersion(name, version);
        if (meta) await this.ensureLoaded(meta);
      } catch {
        ok = false; // logged by load(); requests keep going to production and the next sync retries
      }
    }
    return ok;
  }

  /** The versions a model's routing sends traffic to besides production: its canary and its shadows. */
  private routedVersions(name: string): number[] {
    const routing = this.policies.get(name)?.policy.routing;
    if (routing === undefined) return [];
    const versions = routing.shadows.map((s) => s.version);
    if (routing.canary !== null) versions.push(routing.canary.version);
    return versions;
  }

  /** The version production held before, when it is loaded (the `previous` fallback). */
  previousOf(name: string): ServedVersion | undefined {
    const version = this.previous.get(name);
    return version === undefined ? undefined : this.versions.get(name, version);
  }

  /** Each model's canary and its weight, as the policies this pool knows say (for the canary-weight gauge). */
  *canaries(): Iterable<{ readonly model: string; readonly version: number; readonly weight: number }> {
    for (const [model, { policy }] of this.policies) {
      const canary = policy.routing.canary;
      if (canary !== null) yield { model, version: canary.version, weight: canary.weight };
    }
  }

  /** The version an alias names as of the last sync, without I/O. */
  aliasVersion(name: string, alias: string = PRODUCTION_ALIAS): number | undefined {
    return this.aliases.get(name)?.[alias];
  }

  /** Unloads versions nothing points to, idle for the grace period and with no request running. */
  async sweep(): Promise<void> {
    const now = this.deps.clock();
    const pinned = this.pinnedVersions();
    for (const [k, served] of [...this.versions.loaded]) {
      if (pinned.has(k) || served.inflight > 0) continue;
      if (now - served.lastUsed < this.deps.unloadGraceMs) continue;
      await this.versions.unload(k);
    }
  }

  /** Versions to keep loaded: every aliased version, each production version and the one it replaced, routed versions. */
  private pinnedVersions(): Set<string> {
    const pinned = new Set<string>();
    for (const [name, table] of this.aliases) for (const v of Object.values(table)) pinned.add(key(name, v));
    for (const [name, served] of this.production) pinned.add(key(name, served.version));
    for (const [name, v] of this.previous) pinned.add(key(name, v));
    for (const name of this.policies.keys()) for (const v of this.routedVersions(name)) pinned.add(key(name, v));
    return pinned;
  }

  /** Starts polling the registry and sweeping idle versions. */
  start(): void {
    if (this.timer || this.deps.syncIntervalMs <= 0) return;
    this.timer = setInterval(() => {
      this.sync()
        .then(() => this.sweep())
        .catch((e: unknown) => this.deps.logger.error({ err: (e as Error).message }, 'registry sync failed'));
    }, this.deps.syncIntervalMs);
    this.timer.unref();
  }

  /** Stops polling and unloads everything (after requests have drained). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.syncing?.catch(() => undefined);
    this.production.clear();
    await this.versions.unloadAll();
  }

  /** Per-model serving state, for `/api/health` and model readiness. */
  status(): ModelServingStatus[] {
    const names = new Set<string>([...this.aliases.keys(), ...this.production.keys()]);
    return [...names].sort().map((name) => {
      const prod = this.production.get(name);
      const loaded = this.versions.versionsOf(name);
      const lastError = this.versions.lastError(name);
      return {
        name,
        production: prod?.version ?? null,
        productionAlias: this.aliases.get(name)?.[PRODUCTION_ALIAS] ?? null,
        previous: this.previous.get(name) ?? null,
        ready: prod !== undefined,
        loaded,
        lastError,
        circuit: prod?.guard.circuit ?? null,
        fallbacks: this.policies.get(name)?.policy.fallback.chain ?? [],
      };
    });
  }
}

export { guardSettings } from './version-loader.js';

/**
 * The version production held before `current`, from the alias's events (oldest first): the newest version named by
 * an event, as its target or its origin, other than `current`.
 */
export function previousFromHistory(events: readonly AliasEvent[], current: number): number | undefined {
  for (let i = events.length - 1; i >= 0; i--) {
    const e = events[i]!;
    if (e.toVersion !== null && e.toVersion !== current) return e.toVersion;
    if (e.fromVersion !== null && e.fromVersion !== current) return e.fromVersion;
  }
  return undefined;
}
