import { MooringError, fail } from '../../core/errors.js';
import type { DeploymentPolicy, FallbackKind, FallbackRules } from '../../core/deployment/policy.js';
import { compileRuleInputs, compileRules } from '../../core/fallback/rules.js';
import type { CompiledRules } from '../../core/fallback/rules.js';
import type { Tensor } from '../../core/inference/tensor.js';
import type { ModelVersion } from '../../core/registry/types.js';
import type { Problem } from '../../core/validation/problems.js';
import type { ServedVersion, ServingPool } from '../serving-pool.js';
import type { LastGoodCache } from './last-good-cache.js';

/**
 * The fallback chain: when a request routed by `production` cannot get the model's answer, the kinds of the
 * model's `fallback.chain` are tried in order and the first that answers wins:
 *
 * - `cache`: the model's last good answer for the same input (LastGoodCache);
 * - `previous`: the version production held before, kept loaded for this (its own guard and budget apply);
 * - `rules`: the policy's rule table, evaluated on the request's named features (never code).
 *
 * Which failures are handed over: the model failing (an error, NaN, INTERNAL), the latency budget running out, an
 * open circuit, load shedding, the version being unavailable (not loaded, failed to load, artifact gone), and
 * validation under a `fallback` policy. A client's own mistakes (bad JSON, wrong shapes) are not: they are answered
 * as errors. When no kind answers, the request gets FALLBACK_EXHAUSTED (503) listing each kind tried and why, or,
 * for a validation handover, its VALIDATION_FAILED (the input is still the caller's to fix) with the same list.
 */

/** Why the primary answer was not used, as metrics and logs name it. */
export type FallbackReason = 'error' | 'non_finite' | 'timeout' | 'circuit_open' | 'overloaded' | 'unavailable' | 'validation';

const REASON_BY_CODE: Readonly<Record<string, FallbackReason>> = {
  INFERENCE_FAILED: 'error',
  INTERNAL: 'error',
  NON_FINITE_OUTPUT: 'non_finite',
  DEADLINE_EXCEEDED: 'timeout',
  CIRCUIT_OPEN: 'circuit_open',
  OVERLOADED: 'overloaded',
  MODEL_NOT_READY: 'unavailable',
  MODEL_LOAD_FAILED: 'unavailable',
  ARTIFACT_INTEGRITY: 'unavailable',
  ARTIFACT_NOT_FOUND: 'unavailable',
};

/** The fallback reason of a failure, or null when the failure is answered as it is (a client error). */
export function fallbackReason(err: unknown): FallbackReason | null {
  if (!(err instanceof MooringError)) return 'error';
  if (err.code === 'VALIDATION_FAILED') return err.details?.['policy'] === 'fallback' ? 'validation' : null;
  return REASON_BY_CODE[err.code] ?? null;
}

/** A request the chain may answer, as the protocol layer hands it over. */
export interface FallbackRequest {
  readonly model: string;
  /** The version the request reached, if it got that far. */
  readonly primary: ServedVersion | undefined;
  /** Output names to answer, in order (undefined: all). */
  readonly wanted: readonly string[] | undefined;
  /** The request body as a JSON value, for the rules' feature values. */
  readonly body: unknown;
  /** Rows the request carries when known from its decoding (0: unknown). */
  readonly rows: number;
  /** The request's input tensors as `target` would decode them (any version when undefined), or undefined. */
  inputsFor(target: ServedVersion | undefined): readonly Tensor[] | undefined;
  /** The same request answered by another version (its own checks, guard and budget). */
  rerun(target: ServedVersion): Promise<{ outputs: Tensor[]; warnings: readonly Problem[] | null }>;
}

/** An answer a fallback gave. */
export interface FallbackAnswer {
  readonly kind: FallbackKind;
  readonly reason: FallbackReason;
  /** The primary failure's code. */
  readonly cause: string;
  /** The version that answered (`previous`), else the version the request was for, when loaded. */
  readonly target: ServedVersion | undefined;
  /** The version number the answer names. */
  readonly version: number;
  /** The version the request was for (the one that failed, or that production names), when known. */
  readonly requested: number | undefined;
  readonly outputs: Tensor[];
  readonly warnings: readonly Problem[] | null;
}

/** What one kind contributes to a FallbackAnswer. */
type KindAnswer = Omit<FallbackAnswer, 'kind' | 'reason' | 'cause' | 'requested'>;

/** One kind tried without an answer. */
export interface FallbackTry {
  readonly kind: FallbackKind;
  readonly reason: string;
}

/** What the chain reports, for metrics, health and the log. */
export interface FallbackEvents {
  onServed?(model: string, kind: FallbackKind, reason: FallbackReason): void;
  onExhausted?(model: string, reason: FallbackReason, tried: readonly FallbackTry[]): void;
}

/** What the chain needs. */
export interface FallbackChainDeps {
  readonly pool: Pick<ServingPool, 'policyFor' | 'previousOf' | 'aliasVersion' | 'lookup'>;
  /** Reads a version's metadata (the registry store's `getVersion`), for rules when no version is loaded. */
  readonly versionMeta: (name: string, version: number) => Promise<ModelVersion | null>;
  readonly lastGood: LastGoodCache | null;
  readonly events?: FallbackEvents;
}

/** Rules compiled for one version and one rule table. */
interface RulesEntry {
  readonly rules: FallbackRules;
  readonly compiled: CompiledRules | string;
  readonly inputs: ReturnType<typeof compileRuleInputs> | null;
}

/** The fallback chain of every model, one per server. */
export class FallbackChain {
  readonly #deps: FallbackChainDeps;
  /** Compiled rules per `name/version`, recompiled when the policy's rule table changes. */
  readonly #rules = new Map<string, RulesEntry>();

  constructor(deps: FallbackChainDeps) {
    this.#deps = deps;
  }

  /**
   * Answers `req` after the primary failure `err` by the model's chain, or throws: `err` itself when it is not a
   * fallback case or the chain is empty, else FALLBACK_EXHAUSTED (or the validation error) naming each kind tried.
   */
  async answer(err: unknown, req: FallbackRequest): Promise<FallbackAnswer> {
    const reason = fallbackReason(err);
    if (reason === null) throw err;
    const policy = await this.#policy(req.model);
    if (policy === undefined || policy.fallback.chain.length === 0) {
      // A `fallback` validation policy with no chain has nowhere to send the request: say so in the refusal.
      if (reason === 'validation') throw withDetails(err, { fallback: 'no fallback chain is configured for this model' });
      throw err;
    }
    const cause = err instanceof MooringError ? err.code : 'INTERNAL';
    const tried: FallbackTry[] = [];
    for (const kind of policy.fallback.chain) {
      try {
        const answer = await this.#try(kind, req, policy);
        if (typeof answer === 'string') {
          tried.push({ kind, reason: answer });
          continue;
        }
        this.#deps.events?.onServed?.(req.model, kind, reason);
        return { kind, reason, cause, requested: this.#versionFor(req), ...answer };
      } catch (e) {
        tried.push({ kind, reason: e instanceof MooringError ? `${e.code}: ${e.message}` : `failed: ${(e as Error).message}` });
      }
    }
    this.#deps.events?.onExhausted?.(req.model, reason, tried);
    throw exhausted(err, reason, cause, tried);
  }

  async #policy(model: string): Promise<DeploymentPolicy | undefined> {
    try {
      return await this.#deps.pool.policyFor(model);
    } catch {
      return undefined; // the store is unreachable: nothing to fall back on, the primary error stands
    }
  }

  /** One kind's answer, or a sentence saying why it has none. */
  async #try(kind: FallbackKind, req: FallbackRequest, policy: DeploymentPolicy): Promise<KindAnswer | string> {
    switch (kind) {
      case 'cache':
        return this.#cached(req);
      case 'previous':
        return this.#previous(req);
      case 'rules':
        return this.#byRules(req, policy);
      case 'queue':
        return 'asynchronous predictions do not exist yet';
    }
  }

  async #cached(req: FallbackRequest): Promise<KindAnswer | string> {
    const lastGood = this.#deps.lastGood;
    if (lastGood === null) return 'no cache is configured';
    const version = this.#versionFor(req);
    if (version === undefined) return 'no version of the model is deployed';
    const inputs = req.inputsFor(req.primary ?? this.#deps.pool.previousOf(req.model));
    if (inputs === undefined) return 'the request could not be decoded without a loaded version';
    const outputs = await lastGood.find(req.model, inputs, req.wanted);
    if (outputs === undefined) return 'no good answer for this input is kept';
    return { target: req.primary, version, outputs, warnings: null };
  }

  async #previous(req: FallbackRequest): Promise<KindAnswer | string> {
    const previous = this.#deps.pool.previousOf(req.model);
    if (previous === undefined) return 'no previous production version is loaded';
    if (previous === req.primary) return `version ${previous.version} is the version that failed`;
    const { outputs, warnings } = await req.rerun(previous);
    return { target: previous, version: previous.version, outputs, warnings };
  }

  async #byRules(req: FallbackRequest, policy: DeploymentPolicy): Promise<KindAnswer | string> {
    const rules = policy.fallback.rules;
    if (rules === null) return 'fallback.rules is not set';
    const version = this.#versionFor(req);
    if (version === undefined) return 'no version of the model is deployed';
    const meta = req.primary?.meta ?? this.#deps.pool.lookup(req.model, version)?.meta ?? (await this.#deps.versionMeta(req.model, version));
    if (meta === null) return `version ${version} is not in the registry`;
    const entry = this.#compiled(meta, rules);
    if (typeof entry.compiled === 'string') return entry.compiled;
    const read = entry.inputs?.read(req.body) ?? null;
    const rows = read !== null && read.rows > 0 ? read.rows : req.rows;
    if (rows <= 0) return 'the number of rows in the request could not be read';
    const answer = entry.compiled.answer(rows, read === null ? () => null : (f, r) => read.value(f, r), req.wanted);
    if ('miss' in answer) return answer.miss;
    return { target: req.primary, version, outputs: answer, warnings: null };
  }

  /** The version a cache or rules answer names: the one the request reached, else what the alias names. */
  #versionFor(req: FallbackRequest): number | undefined {
    return req.primary?.version ?? this.#deps.pool.aliasVersion(req.model);
  }

  #compiled(meta: ModelVersion, rules: FallbackRules): RulesEntry {
    const key = `${meta.name}/${meta.version}`;
    const known = this.#rules.get(key);
    if (known !== undefined && known.rules === rules) return known;
    let entry: RulesEntry;
    try {
      const compiled = compileRules(rules, { features: meta.features ?? null, outputs: meta.signature.outputs });
      const inputs = compiled.features.length > 0 ? compileRuleInputs(meta.features ?? null, compiled.features) : null;
      entry = { rules, compiled, inputs };
    } catch (e) {
      entry = { rules, compiled: `the rules do not fit version ${meta.version}: ${(e as Error).message}`, inputs: null };
    }
    this.#rules.set(key, entry);
    return entry;
  }
}

function withDetails(err: unknown, details: Record<string, unknown>): unknown {
  if (!(err instanceof MooringError)) return err;
  return new MooringError(err.code, err.message, { ...err.details, ...details });
}

function exhausted(err: unknown, reason: FallbackReason, cause: string, tried: readonly FallbackTry[]): MooringError {
  if (reason === 'validation') return withDetails(err, { fallback: 'no fallback could answer', fallbacks_tried: tried }) as MooringError;
  const message = err instanceof MooringError ? err.message : 'the model failed';
  const list = tried.map((t) => `${t.kind}: ${t.reason}`).join('; ');
  return fail('FALLBACK_EXHAUSTED', `${message}; no fallback could answer (${list})`, { cause, tried });
}
