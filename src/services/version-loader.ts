import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { MooringError, fail } from '../core/errors.js';
import { compileSignatureCheck } from '../core/inference/signature-check.js';
import type { DeploymentPolicy } from '../core/deployment/policy.js';
import type { VersionProfile } from '../core/profile/types.js';
import { compileValidator } from '../core/validation/validator.js';
import type { VersionValidator } from '../core/validation/validator.js';
import type { ModelVersion } from '../core/registry/types.js';
import type { LoadOptions, LoadedModel, ModelRuntime } from '../runtime/model-runtime.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { RegistryStore } from '../storage/registry-store.js';
import { InferenceRunner } from './inference-runner.js';
import { VersionGuard } from './resilience/version-guard.js';
import type { GuardSettings } from './resilience/version-guard.js';
import type { ServedVersion } from './serving-pool.js';
import { warmupInputs } from './warmup.js';

/**
 * The loaded versions of a server, and how one gets there: read the artifact (the store verifies its sha256), load
 * it into the runtime, warm it up with one inference, and compile what requests need (signature check, validator,
 * guard, runner) under the model's deployment policy. Concurrent callers share one load; a failed load is remembered
 * for `loadRetryMs`, so a broken artifact is not re-read by every request. The serving pool decides which loaded
 * version answers; this class only holds them.
 */

/** What the loader needs (the serving pool's dependencies). */
export interface VersionLoaderDeps {
  store: RegistryStore;
  artifacts: ArtifactStore;
  runtime: ModelRuntime;
  clock: Clock;
  logger: Logger;
  loadOptions?: LoadOptions;
  /** Longest string a request may carry in a value (the server's `limits.maxStringLength`). */
  maxStringLength: number;
  /** Builds a version's runner under a policy; default: a runner with no cache and no metrics. */
  runnerFor?: (meta: ModelVersion, model: LoadedModel, policy: DeploymentPolicy, guard: VersionGuard) => InferenceRunner;
  /** Builds a version's guard; default: a plain guard. */
  guardFor?: (meta: ModelVersion, settings: GuardSettings) => VersionGuard;
  /** How long a version that failed to load is not tried again, in milliseconds (default 5000). */
  loadRetryMs?: number;
}

/** The key of one version in the loader's maps. */
export const versionKey = (name: string, version: number): string => `${name}/${version}`;

/** The loaded versions and their loading. */
export class VersionLoader {
  /** Loaded, warm versions by `versionKey`. */
  readonly loaded = new Map<string, ServedVersion>();
  private readonly loading = new Map<string, Promise<ServedVersion>>();
  /** The last load error of each version that failed (cleared when it loads). */
  private readonly errors = new Map<string, string>();
  /** Versions whose last load failed: the error and when, so a broken artifact is not re-read by every request. */
  private readonly failedLoads = new Map<string, { error: MooringError; at: number }>();

  /** @param policyFor the model's deployment policy in force (the pool's). */
  constructor(
    private readonly deps: VersionLoaderDeps,
    private readonly policyFor: (name: string) => Promise<DeploymentPolicy>,
  ) {}

  /** A loaded version, without I/O. */
  get(name: string, version: number): ServedVersion | undefined {
    return this.loaded.get(versionKey(name, version));
  }

  /** Loads and warms a version once; concurrent callers share the same load. */
  ensureLoaded(meta: ModelVersion): Promise<ServedVersion> {
    const k = versionKey(meta.name, meta.version);
    const ready = this.loaded.get(k);
    if (ready) return Promise.resolve(ready);
    const failed = this.failedLoads.get(k);
    if (failed !== undefined && this.deps.clock() - failed.at < (this.deps.loadRetryMs ?? 5_000)) return Promise.reject(failed.error);
    let pending = this.loading.get(k);
    if (!pending) {
      pending = this.load(meta).finally(() => this.loading.delete(k));
      this.loading.set(k, pending);
    }
    return pending;
  }

  private async load(meta: ModelVersion): Promise<ServedVersion> {
    const k = versionKey(meta.name, meta.version);
    const started = this.deps.clock();
    try {
      const bytes = await this.deps.artifacts.get(meta.artifact.sha256);
      const model = await this.deps.runtime.load(bytes, this.deps.loadOptions);
      try {
        await model.infer(warmupInputs(meta));
      } catch (e) {
        await model.dispose().catch(() => undefined);
        throw fail('MODEL_LOAD_FAILED', `version ${meta.version} of ${meta.name} failed its warm-up inference: ${(e as Error).message}`, {
          model: meta.name,
          version: meta.version,
        });
      }
      const profile = meta.hasProfile ? await this.deps.store.getProfile(meta.name, meta.version) : null;
      const policy = await this.policyFor(meta.name);
      const guard = this.guard(meta, policy);
      const served: ServedVersion = {
        name: meta.name,
        version: meta.version,
        label: String(meta.version),
        meta,
        model,
        check: compileSignatureCheck(meta.signature),
        profile,
        policy,
        validator: this.compile(meta, profile, policy),
        guard,
        runner: this.runner(meta, model, policy, guard),
        inflight: 0,
        lastUsed: this.deps.clock(),
      };
      this.loaded.set(k, served);
      this.errors.delete(k);
      this.failedLoads.delete(k);
      this.deps.logger.info({ model: meta.name, version: meta.version, ms: this.deps.clock() - started }, 'model version loaded and warm');
      return served;
    } catch (e) {
      // A missing artifact is the server's problem, not the caller's: it must not answer as a 404.
      const err =
        e instanceof MooringError && e.code !== 'ARTIFACT_NOT_FOUND'
          ? e
          : fail('MODEL_LOAD_FAILED', `version ${meta.version} of ${meta.name} could not be loaded: ${(e as Error).message}`, {
              model: meta.name,
              version: meta.version,
            });
      this.errors.set(k, `${err.code}: ${err.message}`);
      this.failedLoads.set(k, { error: err, at: this.deps.clock() });
      this.deps.logger.error({ model: meta.name, version: meta.version, code: err.code, err: err.message }, 'model version failed to load');
      throw err;
    }
  }

  private compile(meta: ModelVersion, profile: VersionProfile | null, policy: DeploymentPolicy): VersionValidator {
    return compileValidator({
      signature: meta.signature,
      features: meta.features,
      profile,
      policy: policy.validation,
      maxStringLength: this.deps.maxStringLength,
    });
  }

  private runner(meta: ModelVersion, model: LoadedModel, policy: DeploymentPolicy, guard: VersionGuard): InferenceRunner {
    return (
      this.deps.runnerFor?.(meta, model, policy, guard) ?? new InferenceRunner(meta, model, policy, { cache: null, metrics: null, guard })
    );
  }

  /** A guard for the policy: `current` itself when its settings are the policy's, so its breaker keeps its state. */
  private guard(meta: ModelVersion, policy: DeploymentPolicy, current?: VersionGuard): VersionGuard {
    const settings = guardSettings(policy);
    if (current?.sameSettings(settings)) return current;
    return this.deps.guardFor?.(meta, settings) ?? new VersionGuard(settings, `${meta.name} version ${meta.version}`);
  }

  /**
   * Recompiles a model's loaded versions under its new policy: validator, guard (kept when its settings did not
   * change, so an open circuit stays open) and runner. Requests holding the old runner finish on it; its batcher runs
   * what it holds.
   */
  applyPolicy(name: string, policy: DeploymentPolicy): void {
    for (const served of this.loaded.values()) {
      if (served.name !== name) continue;
      served.policy = policy;
      served.validator = this.compile(served.meta, served.profile, policy);
      served.guard = this.guard(served.meta, policy, served.guard);
      const old = served.runner;
      served.runner = this.runner(served.meta, served.model, policy, served.guard);
      void old.close();
    }
  }

  /** Unloads one version: closes its runner (running what its batcher holds) and frees the model. */
  async unload(k: string): Promise<void> {
    const served = this.loaded.get(k);
    if (served === undefined) return;
    this.loaded.delete(k);
    await served.runner.close().catch(() => undefined);
    await served.model.dispose().catch(() => undefined);
    this.deps.logger.info({ model: served.name, version: served.version }, 'model version unloaded');
  }

  /** Unloads everything (after requests have drained). */
  async unloadAll(): Promise<void> {
    const all = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.all(all.map((s) => s.runner.close().then(() => s.model.dispose()).catch(() => undefined)));
  }

  /** A model's loaded version numbers, ascending. */
  versionsOf(name: string): number[] {
    return [...this.loaded.values()].filter((s) => s.name === name).map((s) => s.version).sort((a, b) => a - b);
  }

  /** The latest load error among a model's versions, as `version N: CODE: message`, or null. */
  lastError(name: string): string | null {
    const prefix = `${name}/`;
    let lastError: string | null = null;
    for (const [k, message] of this.errors) if (k.startsWith(prefix)) lastError = `version ${k.slice(prefix.length)}: ${message}`;
    return lastError;
  }
}

/** The parts of a policy a VersionGuard is built from. */
export function guardSettings(policy: DeploymentPolicy): GuardSettings {
  return { circuitBreaker: policy.circuitBreaker, limits: policy.limits, latencyBudgetMs: policy.latencyBudgetMs };
}
