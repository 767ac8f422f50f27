import { z } from 'zod';

/**
 * A deployment's policy: how Mooring serves one model beyond which version answers. Every change is a new
 * revision (stored with an audit record), so "what policy was live at time T" has an answer: validation, the
 * throughput stages (batching, cache, coalescing), and the resilience settings (latency budget, fallback chain,
 * circuit breaker, load limits). One `mooring deployment set` and one `mooring apply` file describe it all.
 */

/** What happens to a request whose input fails a check. */
export const VALIDATION_ACTIONS = ['reject', 'flag', 'fallback', 'off'] as const;

/** The validation part of a deployment policy. */
export const ValidationPolicySchema = z
  .object({
    /**
     * Schema errors (missing or unknown fields, wrong types, nulls, non-finite numbers, strings too long): the
     * model cannot run on such input, so only `reject` (422) or `fallback` are possible.
     */
    schema: z.enum(['reject', 'fallback']).default('reject'),
    /** Anomalies against the training profile (values out of range, unseen categories). */
    anomalies: z.enum(VALIDATION_ACTIONS).default('flag'),
    /**
     * How far outside the training range a number may be before it is an anomaly, as a fraction of the range
     * (max - min): 0.1 accepts [min - 0.1 (max - min), max + 0.1 (max - min)].
     */
    rangeTolerance: z.number().min(0).max(1000).default(0.1),
    /** Most rows (instances, or the first dimension of a tensor) one request may carry. */
    maxRows: z.number().int().min(1).max(10_000_000).default(10_000),
    /** Most elements one input tensor may hold (0 = the server's `limits.maxElements`). */
    maxInputElements: z.number().int().min(0).default(0),
    /** Most bytes one input tensor may take in memory (0 = no limit beyond `maxInputElements`). */
    maxInputBytes: z.number().int().min(0).default(0),
  })
  .strict();

/**
 * Adaptive batching (Triton's dynamic batcher): requests for one version that wait at the same moment run as one
 * inference. Applies only to models whose inputs and outputs all have a variable first (batch) dimension; on any
 * other model the setting is accepted and has no effect (the model's metadata says why).
 */
export const BatchingPolicySchema = z
  .object({
    enabled: z.boolean().default(false),
    /** Most rows one batched inference may carry; a request with more rows runs alone. */
    maxBatchSize: z.number().int().min(1).max(65_536).default(64),
    /**
     * Longest a request may wait for others before its batch runs, in microseconds (Triton's
     * `max_queue_delay_microseconds`). While an inference is running, waiting requests form the next batch anyway.
     */
    maxQueueDelayMicros: z.number().int().min(0).max(1_000_000).default(500),
  })
  .strict();

/**
 * The response cache: answers kept per version and canonical input, so a repeated request skips the model. A new
 * version never answers from an old version's entries (the key holds the version's content digest).
 */
export const CachePolicySchema = z
  .object({
    enabled: z.boolean().default(false),
    /** How long an answer stays, in milliseconds. */
    ttlMs: z.number().int().min(1).max(30 * 24 * 3_600_000).default(300_000),
  })
  .strict();

/**
 * Request coalescing: identical requests in flight at the same moment run the model once and share the answer.
 * Off by default: finding "identical" costs a key per request (about 2-3 µs with the cache off; nothing extra with
 * it on, since the cache computes the same key), which pays only where duplicates arrive together (retries, fan-out,
 * a cache stampede).
 */
export const CoalescingPolicySchema = z
  .object({
    enabled: z.boolean().default(false),
  })
  .strict();

/** The kinds of fallback, in the order a chain may list them. */
export const FALLBACK_KINDS = ['cache', 'previous', 'rules', 'queue'] as const;

/** One kind of fallback answer. */
export type FallbackKind = (typeof FALLBACK_KINDS)[number];

/** How a rule condition compares a feature's value with `value`. */
export const RULE_OPS = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'not_in', 'missing'] as const;

/** A comparison of a rule condition. */
export type RuleOp = (typeof RULE_OPS)[number];

/** A value a rule compares with: a number, a string (categories), a boolean, or a list of these (`in`, `not_in`). */
const RuleScalarSchema = z.union([z.number(), z.string().max(1_000), z.boolean()]);

/**
 * One condition on one named feature of the request, e.g. `{feature: "tenure", op: "lt", value: 6}`. A missing
 * value (null, absent, unreadable) satisfies only `missing`; `lt`/`le`/`gt`/`ge` need a number; `in`/`not_in` a list.
 */
export const RuleConditionSchema = z
  .object({
    feature: z.string().min(1).max(255),
    op: z.enum(RULE_OPS),
    value: z.union([RuleScalarSchema, z.array(RuleScalarSchema).max(1_000)]).optional(),
  })
  .strict();

/**
 * The value a rule gives one output for one row, as the records format writes a row: a number, string or boolean for
 * a scalar row, nested lists for a row with dimensions (e.g. `[0.9, 0.1]` for an output of shape [-1, 2]).
 */
export const RuleOutputSchema = z
  .object({
    name: z.string().min(1).max(255),
    value: z.json(),
  })
  .strict();

/** One row of a rule table: when every condition holds, the row is answered with `outputs`. */
export const RuleCaseSchema = z
  .object({
    when: z.array(RuleConditionSchema).max(64).default([]),
    outputs: z.array(RuleOutputSchema).min(1).max(64),
  })
  .strict();

/**
 * A rule-based answer declared as data (no user code is ever evaluated): an ordered table of cases, the first case
 * whose conditions all hold answers a row, and `default` answers rows no case matches. A constant answer is a
 * `default` with no cases. Conditions name the model's named features; outputs name its outputs.
 */
export const FallbackRulesSchema = z
  .object({
    cases: z.array(RuleCaseSchema).max(1_000).default([]),
    default: z
      .object({ outputs: z.array(RuleOutputSchema).min(1).max(64) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict()
  .refine((r) => r.cases.length > 0 || r.default !== null, { message: 'rules need at least one case or a default' });

/**
 * The fallback chain: what answers, in order, when the primary answer fails, runs out of budget, finds its circuit
 * open or is refused for load, or when validation hands the request over. Empty: no fallback (errors are answered
 * as errors). Fallbacks serve requests routed by `production`; a request naming a version gets that version or an
 * error.
 */
export const FallbackPolicySchema = z
  .object({
    chain: z
      .array(z.enum(FALLBACK_KINDS))
      .max(FALLBACK_KINDS.length)
      .default([])
      .refine((c) => new Set(c).size === c.length, { message: 'a fallback kind may appear only once in the chain' }),
    /** How long the last good answer for an input is kept for the `cache` fallback, in milliseconds. */
    cacheTtlMs: z.number().int().min(1_000).max(30 * 24 * 3_600_000).default(86_400_000),
    /** The `rules` fallback's table (required when the chain lists `rules`). */
    rules: FallbackRulesSchema.nullable().default(null),
  })
  .strict();

/**
 * The circuit breaker of each served version (cockatiel's, with a time-windowed rule): it opens when more than
 * `errorRatio` of the requests in the last `windowMs` failed (model errors, non-finite outputs, budget timeouts,
 * load shedding), once at least
 * `minRequests` were seen in that window; after `halfOpenAfterMs` one request tries the model, and its success
 * closes the circuit. While open, requests go straight to the fallback chain (or get CIRCUIT_OPEN).
 */
export const CircuitBreakerPolicySchema = z
  .object({
    enabled: z.boolean().default(true),
    errorRatio: z.number().gt(0).lt(1).default(0.5),
    minRequests: z.number().int().min(1).max(1_000_000).default(20),
    windowMs: z.number().int().min(1_000).max(3_600_000).default(10_000),
    halfOpenAfterMs: z.number().int().min(100).max(3_600_000).default(5_000),
  })
  .strict();

/**
 * Load shedding per served version: at most `maxConcurrent` requests run (or wait in the batcher) at once and at
 * most `maxQueued` more wait for a turn; past that a request is refused at once with 503 OVERLOADED and
 * `Retry-After: retryAfterSeconds` (or answered by the fallback chain), never parked in an unbounded queue.
 */
export const LimitsPolicySchema = z
  .object({
    maxConcurrent: z.number().int().min(1).max(1_000_000).default(128),
    maxQueued: z.number().int().min(0).max(1_000_000).default(512),
    retryAfterSeconds: z.number().int().min(1).max(3_600).default(1),
  })
  .strict();

/** A canary: a version taking `weight` percent of the requests `production` routes. */
export const CanarySchema = z
  .object({
    version: z.number().int().min(1),
    /** Percent of production-routed requests the canary answers, by sticky key (0..100, fractions allowed). */
    weight: z.number().min(0).max(100),
  })
  .strict();

/** A shadow: a version that also runs on a sample of production-routed requests, after the answer, never answering. */
export const ShadowSchema = z
  .object({
    version: z.number().int().min(1),
    /** Share of requests mirrored (0 < sample <= 1). */
    sample: z.number().gt(0).max(1).default(1),
    /** When the shadow started (epoch ms), so a report can default to "since it started". */
    since: z.number().int().min(0).default(0),
  })
  .strict();

/** An A/B experiment: the canary split held fixed, compared on a labelled metric with a significance test. */
export const ExperimentSchema = z
  .object({
    /** The metric the report tests (from feedback labels). */
    metric: z.enum(['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse']),
    /** When it started (epoch ms). */
    since: z.number().int().min(0),
  })
  .strict();

/**
 * How `production`-routed requests are split: an optional canary (by a stable hash of a sticky key, so one user sees
 * one version), optional shadows, and an optional A/B experiment over the canary split. Set by the `shadow`,
 * `rollout` and `ab` commands (and the rollout controller), not by `mooring apply`, which leaves it as it is.
 */
export const RoutingPolicySchema = z
  .object({
    canary: CanarySchema.nullable().default(null),
    shadows: z
      .array(ShadowSchema)
      .max(4)
      .default([])
      .refine((a) => new Set(a.map((x) => x.version)).size === a.length, { message: 'a version may shadow only once' }),
    /**
     * A field of the request whose value is the sticky key when the `x-mooring-key` header is absent: a feature of
     * the first records instance, or a v2 request parameter. Null: the header only (no key: a random split).
     */
    keyField: z.string().min(1).max(255).nullable().default(null),
    experiment: ExperimentSchema.nullable().default(null),
  })
  .strict();

/** Where a rollout is. */
export const ROLLOUT_PHASES = ['progressing', 'paused', 'promoted', 'rolled_back', 'aborted'] as const;

/** The phase of a rollout. */
export type RolloutPhase = (typeof ROLLOUT_PHASES)[number];

/** One check of a rollout analysis: a measured value against its limit. */
export const RolloutCheckSchema = z
  .object({
    name: z.enum(['requests', 'error_rate', 'latency_ratio', 'drift', 'accuracy']),
    /** The canary's value (null: no data). */
    value: z.number().nullable(),
    /** The production version's value, where the check compares the two. */
    baseline: z.number().nullable().default(null),
    limit: z.number(),
    passed: z.boolean(),
  })
  .strict();

/**
 * A canary rollout: its settings and, maintained by the rollout controller, its state. Every transition is a new
 * policy revision (so it is audited and survives a restart); the controller holds a lease so that with several
 * replicas exactly one acts.
 */
export const RolloutSchema = z
  .object({
    version: z.number().int().min(1),
    /** Canary weights in percent, increasing, the last 100. */
    steps: z
      .array(z.number().gt(0).max(100))
      .min(1)
      .max(20)
      .refine((a) => a.every((w, i) => i === 0 || w > a[i - 1]!) && a[a.length - 1] === 100, {
        message: 'steps must increase and end at 100',
      }),
    intervalMs: z.number().int().min(1_000).max(7 * 86_400_000),
    /** Most errors per request the canary may have (0..1). */
    maxErrorRate: z.number().min(0).max(1).default(0.01),
    /** Most the canary's p99 latency may be, as a multiple of production's. */
    maxLatencyRatio: z.number().min(1).default(1.5),
    /**
     * Most the canary's prediction distribution may differ from production's (two-sample KS statistic, 0..1); a
     * larger statistic fails the check only when the KS test also finds it significant (p < 0.05).
     */
    maxDrift: z.number().gt(0).max(1).default(0.2),
    /** Most the canary's labelled metric may fall below production's (absolute), where labels arrived. */
    maxAccuracyDrop: z.number().min(0).max(1).default(0.05),
    /** Fewest canary requests in an interval for a check to count; fewer: the check waits (neither pass nor fail). */
    minRequests: z.number().int().min(1).default(100),
    /** Failed checks in a row that roll the rollout back. */
    maxFailedChecks: z.number().int().min(1).max(100).default(1),
    /** On failure, step the weight down one step at a time (Flagger users ask for this) instead of dropping to 0. */
    weightedRollback: z.boolean().default(false),
    phase: z.enum(ROLLOUT_PHASES).default('progressing'),
    /** Index into `steps` of the weight in force (-1 after a full rollback). */
    step: z.number().int().min(-1).default(0),
    failedChecks: z.number().int().min(0).default(0),
    startedAt: z.number().int().min(0),
    /** When the current step began (the analysis window starts here). */
    stepStartedAt: z.number().int().min(0),
    /** The version production held when the rollout started (the rollback target after a promotion). */
    baselineVersion: z.number().int().min(1),
    lastCheck: z
      .object({ at: z.number().int().min(0), passed: z.boolean().nullable(), checks: z.array(RolloutCheckSchema) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();

/** The whole deployment policy. */
export const DeploymentPolicySchema = z
  .object({
    validation: ValidationPolicySchema.prefault({}),
    batching: BatchingPolicySchema.prefault({}),
    cache: CachePolicySchema.prefault({}),
    coalescing: CoalescingPolicySchema.prefault({}),
    /**
     * Longest a request may take before its answer, in milliseconds: waiting for a turn, the batcher, inference.
     * Past it the request is answered by the fallback chain (or gets DEADLINE_EXCEEDED). 0: no budget.
     */
    latencyBudgetMs: z.number().int().min(0).max(600_000).default(0),
    fallback: FallbackPolicySchema.prefault({}),
    circuitBreaker: CircuitBreakerPolicySchema.prefault({}),
    limits: LimitsPolicySchema.prefault({}),
    routing: RoutingPolicySchema.prefault({}),
    rollout: RolloutSchema.nullable().default(null),
  })
  .strict()
  .refine((p) => !p.fallback.chain.includes('rules') || p.fallback.rules !== null, {
    message: 'the chain lists rules but fallback.rules is not set',
    path: ['fallback', 'rules'],
  })
  .refine((p) => !p.fallback.chain.includes('queue'), {
    message: 'the queue fallback needs asynchronous predictions, which this Mooring does not have yet',
    path: ['fallback', 'chain'],
  });

/** A validated deployment policy with every default applied. */
export type DeploymentPolicy = z.infer<typeof DeploymentPolicySchema>;
/** The validation part of a deployment policy. */
export type ValidationPolicy = z.infer<typeof ValidationPolicySchema>;
/** The batching part of a deployment policy. */
export type BatchingPolicy = z.infer<typeof BatchingPolicySchema>;
/** The response-cache part of a deployment policy. */
export type CachePolicy = z.infer<typeof CachePolicySchema>;
/** The routing part of a deployment policy. */
export type RoutingPolicy = z.infer<typeof RoutingPolicySchema>;
/** A canary rollout and its state. */
export type Rollout = z.infer<typeof RolloutSchema>;
/** One check of a rollout analysis. */
export type RolloutCheck = z.infer<typeof RolloutCheckSchema>;
/** The fallback part of a deployment policy. */
export type FallbackPolicy = z.infer<typeof FallbackPolicySchema>;
/** A rule table of the `rules` fallback. */
export type FallbackRules = z.infer<typeof FallbackRulesSchema>;
/** One condition of a rule. */
export type RuleCondition = z.infer<typeof RuleConditionSchema>;
/** One output value of a rule. */
export type RuleOutput = z.infer<typeof RuleOutputSchema>;
/** The circuit-breaker part of a deployment policy. */
export type CircuitBreakerPolicy = z.infer<typeof CircuitBreakerPolicySchema>;
/** The load-shedding part of a deployment policy. */
export type LimitsPolicy = z.infer<typeof LimitsPolicySchema>;
/** A policy as a user writes it: any field may be left out. */
export type DeploymentPolicyInput = z.input<typeof DeploymentPolicySchema>;

/** The policy a model has before anyone sets one. */
export const DEFAULT_POLICY: DeploymentPolicy = DeploymentPolicySchema.parse({});

/** One stored revision of a model's deployment policy. */
export interface DeploymentRevision {
  readonly name: string;
  /** 1, 2, 3... per model; never reused. */
  readonly revision: number;
  readonly policy: DeploymentPolicy;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: number;
}
