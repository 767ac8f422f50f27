import { fail } from '../core/errors.js';
import { validateFeatures } from '../core/features/validate-features.js';
import { parseProfile } from '../core/profile/profile-schema.js';
import type { FeatureSignature } from '../core/features/feature-spec.js';
import type { VersionProfile } from '../core/profile/types.js';
import { PRODUCTION_ALIAS, assertAlias, assertModelName, assertTagKey, parseModelRef } from '../core/registry/names.js';
import type { ModelRef } from '../core/registry/names.js';
import type { Actor, AliasEvent, ModelVersion, NewModelVersion, RegisteredModel } from '../core/registry/types.js';
import type { ModelRuntime } from '../runtime/model-runtime.js';
import type { ArtifactStore } from '../storage/artifact-store.js';
import type { RegistryStore } from '../storage/registry-store.js';

/**
 * The registry's application rules on top of the store: names are validated, artifacts are inspected (the
 * signature is read from the ONNX file, a file the runtime refuses is never registered), and `production` moves
 * only after the serving side has the target loaded and warm (TF Serving's availability-preserving rule).
 */

/**
 * What `register` takes: the new version's metadata (as the store records it) with the artifact as bytes instead of
 * a stored ref (the service stores it and reads the signature), and optionally an alias to point at it.
 */
export type RegisterVersionInput = Omit<NewModelVersion, 'artifact' | 'signature'> & {
  readonly artifact: Uint8Array;
  readonly alias?: string | null;
};

/**
 * Called before `production` moves to a version, and after it moved. A server passes its serving pool, which loads
 * and warms the version in `prepare` (throwing leaves the alias untouched) and switches traffic in `activate`.
 */
export interface ProductionGate {
  prepare(name: string, version: ModelVersion): Promise<void>;
  activate(name: string, version: ModelVersion): void;
}

/** The registry service: the one place that changes the registry. */
export class RegistryService {
  private gate: ProductionGate | null = null;
  private readonly listeners: Array<(name: string) => void> = [];

  constructor(
    readonly store: RegistryStore,
    private readonly artifacts: ArtifactStore,
    private readonly runtime: ModelRuntime,
  ) {}

  /** Installs the gate `deploy` goes through (the server's serving pool). */
  setProductionGate(gate: ProductionGate): void {
    this.gate = gate;
  }

  /** Calls `listener` after every change to a model (so the serving pool can pick up alias moves at once). */
  onChange(listener: (name: string) => void): void {
    this.listeners.push(listener);
  }

  private changed(name: string): void {
    for (const l of this.listeners) l(name);
  }

  /**
   * Stores the artifact, reads its signature, and registers a new version; optionally points an alias at it.
   * Named features must fit the signature and a profile must describe exactly those features (INVALID_FEATURES);
   * nothing is stored when anything is refused.
   */
  async register(input: RegisterVersionInput, by: Actor): Promise<ModelVersion> {
    assertModelName(input.name);
    for (const key of Object.keys(input.tags ?? {})) assertTagKey(key);
    for (const [key, value] of Object.entries(input.metrics ?? {})) {
      assertTagKey(key);
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw fail('INVALID_REQUEST', `metric ${JSON.stringify(key)} must be a finite number`, { metric: key });
      }
    }
    for (const key of Object.keys(input.params ?? {})) assertTagKey(key);
    if (input.alias) assertAlias(input.alias);
    // The profile's own shape is checked before the (slower) artifact inspection; its fit to the features after.
    const profile = input.profile == null ? null : parseProfile(input.profile);
    const info = await this.runtime.inspect(input.artifact);
    const features = input.features == null ? null : validateFeatures(input.features, info.signature);
    if (profile !== null) checkProfileFitsFeatures(profile, features);
    const artifact = await this.artifacts.put(input.artifact, 'onnx');
    const version = await this.store.createVersion(
      {
        name: input.name,
        artifact,
        signature: info.signature,
        metrics: input.metrics ?? {},
        params: input.params ?? {},
        tags: input.tags ?? {},
        datasetVersion: input.datasetVersion ?? null,
        trainedAt: input.trainedAt ?? null,
        description: input.description ?? null,
        source: input.source ?? null,
        features,
        profile,
      },
      by,
    );
    this.changed(input.name);
    if (input.alias) await this.setAlias(input.name, input.alias, version.version, by);
    return version;
  }

  /** A model or MODEL_NOT_FOUND. */
  async model(name: string): Promise<RegisteredModel> {
    assertModelName(name);
    const model = await this.store.getModel(name);
    if (!model) throw fail('MODEL_NOT_FOUND', `model ${JSON.stringify(name)} is not registered`, { model: name });
    return model;
  }

  /** One version or VERSION_NOT_FOUND (MODEL_NOT_FOUND when the model itself is missing). */
  async version(name: string, version: number): Promise<ModelVersion> {
    const found = await this.store.getVersion(name, version);
    if (found) return found;
    await this.model(name);
    throw fail('VERSION_NOT_FOUND', `model ${JSON.stringify(name)} has no version ${version}`, { model: name, version });
  }

  /** Resolves `NAME`, `NAME@alias`, `NAME@latest`, `NAME/3` to a version. */
  async resolve(ref: string | ModelRef): Promise<ModelVersion> {
    const r = typeof ref === 'string' ? parseModelRef(ref) : ref;
    const model = await this.model(r.name);
    const s = r.selector;
    if (s.kind === 'version') return this.version(r.name, s.version);
    if (s.kind === 'latest') {
      if (model.latestVersion === 0) throw fail('VERSION_NOT_FOUND', `model ${JSON.stringify(r.name)} has no versions`, { model: r.name });
      return this.version(r.name, model.latestVersion);
    }
    const target = model.aliases[s.alias];
    if (target === undefined) {
      throw fail('ALIAS_NOT_FOUND', `model ${JSON.stringify(r.name)} has no alias ${JSON.stringify(s.alias)}`, {
        model: r.name,
        alias: s.alias,
      });
    }
    return this.version(r.name, target);
  }

  /** Points an alias at a version; `production` goes through `deploy`. */
  async setAlias(name: string, alias: string, version: number, by: Actor): Promise<AliasEvent> {
    assertAlias(alias);
    if (alias === PRODUCTION_ALIAS) return this.deploy(name, version, by);
    await this.version(name, version);
    const event = await this.store.setAlias(name, alias, version, by);
    this.changed(name);
    return event;
  }

  /** Removes an alias. Removing `production` stops default traffic to the model, so it is allowed but audited. */
  async deleteAlias(name: string, alias: string, by: Actor): Promise<AliasEvent> {
    assertAlias(alias);
    await this.model(name);
    const event = await this.store.deleteAlias(name, alias, by);
    this.changed(name);
    return event;
  }

  /**
   * Moves `production` to `version`. The gate loads and warms the version first; if that fails, the alias does not
   * move and the version serving before keeps serving. Returns after traffic has switched.
   */
  async deploy(name: string, version: number, by: Actor): Promise<AliasEvent> {
    const target = await this.version(name, version);
    if (this.gate) await this.gate.prepare(name, target);
    const event = await this.store.setAlias(name, PRODUCTION_ALIAS, version, by);
    this.gate?.activate(name, target);
    this.changed(name);
    return event;
  }

  /**
   * Moves `production` back to the version it held before its last move, like `kubectl rollout undo`: rolling back
   * twice returns to where it started. NOTHING_TO_ROLL_BACK when there is no earlier version.
   */
  async rollback(name: string, by: Actor): Promise<AliasEvent> {
    const model = await this.model(name);
    const current = model.aliases[PRODUCTION_ALIAS] ?? null;
    const events = await this.store.aliasHistory(name, PRODUCTION_ALIAS);
    // The newest move that came from another version; re-deploying the same version is not a move to undo.
    let previous: number | null = null;
    for (let i = events.length - 1; i >= 0 && previous === null; i--) {
      const from = events[i]!.fromVersion;
      if (from !== null && from !== current) previous = from;
    }
    if (previous === null) {
      throw fail('NOTHING_TO_ROLL_BACK', `model ${JSON.stringify(name)} has no earlier production version to roll back to`, {
        model: name,
      });
    }
    return this.deploy(name, previous, {
      actor: by.actor,
      reason: by.reason ?? `rollback from version ${current ?? 'none'} to ${previous}`,
    });
  }
}

/**
 * A profile is the request path's guard for named features, so it must describe exactly them: one column per
 * feature, same names, same order, same kind (a range check needs numbers, an unseen-category check categories).
 */
function checkProfileFitsFeatures(profile: VersionProfile, features: FeatureSignature | null): void {
  if (features === null) {
    throw fail('INVALID_FEATURES', 'a training profile needs named features: register the version with its features too');
  }
  const want = features.features.map((f) => f.name);
  const got = profile.features.columns.map((c) => c.name);
  if (want.length !== got.length || want.some((name, i) => got[i] !== name)) {
    throw fail(
      'INVALID_FEATURES',
      `the profile's feature columns ${JSON.stringify(got)} must be the features ${JSON.stringify(want)}, in that order`,
      { features: want, columns: got },
    );
  }
  features.features.forEach((f, i) => {
    const column = profile.features.columns[i]!;
    if (column.type !== f.type) {
      throw fail(
        'INVALID_FEATURES',
        `feature ${JSON.stringify(f.name)} is ${f.type} but its profile column is ${column.type}`,
        { feature: f.name },
      );
    }
  });
}
