import { z } from 'zod';

/**
 * A deployment's policy: how Mooring serves one model beyond which version answers. Every change is a new
 * revision (stored with an audit record), so "what policy was live at time T" has an answer. Issue #3 adds the
 * validation policy; the fallback chain, latency budget, circuit breaker and limits of later issues extend this
 * same object, so one `mooring deployment set` and one `mooring apply` file describe it all.
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

/** The whole deployment policy (fallback, budget, breaker and limits of later issues extend it). */
export const DeploymentPolicySchema = z
  .object({
    validation: ValidationPolicySchema.prefault({}),
    batching: BatchingPolicySchema.prefault({}),
    cache: CachePolicySchema.prefault({}),
    coalescing: CoalescingPolicySchema.prefault({}),
  })
  .strict();

/** A validated deployment policy with every default applied. */
export type DeploymentPolicy = z.infer<typeof DeploymentPolicySchema>;
/** The validation part of a deployment policy. */
export type ValidationPolicy = z.infer<typeof ValidationPolicySchema>;
/** The batching part of a deployment policy. */
export type BatchingPolicy = z.infer<typeof BatchingPolicySchema>;
/** The response-cache part of a deployment policy. */
export type CachePolicy = z.infer<typeof CachePolicySchema>;
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
