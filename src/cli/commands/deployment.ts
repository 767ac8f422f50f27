import { Command, InvalidArgumentError, Option } from 'commander';
import type { z } from 'zod';
import {
  CircuitBreakerPolicySchema,
  DEFAULT_POLICY,
  DeploymentPolicySchema,
  FALLBACK_KINDS,
  FallbackPolicySchema,
  LimitsPolicySchema,
  VALIDATION_ACTIONS,
} from '../../core/deployment/policy.js';
import type { DeploymentPolicyInput, FallbackKind, ValidationPolicy } from '../../core/deployment/policy.js';
import { fail } from '../../core/errors.js';
import { toSnakeKeys } from '../../protocol/admin/wire-case.js';
import { integerOption, numberOption } from '../arguments.js';
import { formatDeployment, formatDeploymentChange, formatDeploymentHistory } from '../format-deployment.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';
import { readRulesFile } from '../policy-files.js';

interface SetOptions {
  onSchemaError?: ValidationPolicy['schema'];
  onAnomaly?: ValidationPolicy['anomalies'];
  rangeTolerance?: number;
  maxRows?: number;
  maxInputElements?: number;
  maxInputBytes?: number;
  batching?: OnOff;
  maxBatchSize?: number;
  maxQueueDelayUs?: number;
  cache?: OnOff;
  cacheTtlMs?: number;
  coalescing?: OnOff;
  latencyBudgetMs?: number;
  fallback?: FallbackKind[];
  fallbackCacheTtlMs?: number;
  rulesFile?: string;
  circuitBreaker?: OnOff;
  breakerErrorRatio?: number;
  breakerMinRequests?: number;
  breakerWindowMs?: number;
  breakerHalfOpenAfterMs?: number;
  maxConcurrent?: number;
  maxQueued?: number;
  retryAfterS?: number;
  reason?: string;
  json?: boolean;
}

type OnOff = 'on' | 'off';

/** The defined entries of `fields`, or undefined when there are none (so an untouched section stays out of a patch). */
function section<T extends object>(fields: T): Partial<T> | undefined {
  const set = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
  return Object.keys(set).length === 0 ? undefined : set;
}

const onOff = (v: OnOff | undefined): boolean | undefined => (v === undefined ? undefined : v === 'on');

/** The patch the `deployment set` flags describe; undefined when no flag sets anything. */
function patchFrom(opts: SetOptions): DeploymentPolicyInput | undefined {
  const patch: DeploymentPolicyInput = {
    validation: validationPatch(opts),
    batching: section({ enabled: onOff(opts.batching), maxBatchSize: opts.maxBatchSize, maxQueueDelayMicros: opts.maxQueueDelayUs }),
    cache: section({ enabled: onOff(opts.cache), ttlMs: opts.cacheTtlMs }),
    coalescing: section({ enabled: onOff(opts.coalescing) }),
    latencyBudgetMs: opts.latencyBudgetMs,
    fallback: section({
      chain: opts.fallback,
      cacheTtlMs: opts.fallbackCacheTtlMs,
      rules: opts.rulesFile === undefined ? undefined : readRulesFile(opts.rulesFile),
    }),
    circuitBreaker: section({
      enabled: onOff(opts.circuitBreaker),
      errorRatio: opts.breakerErrorRatio,
      minRequests: opts.breakerMinRequests,
      windowMs: opts.breakerWindowMs,
      halfOpenAfterMs: opts.breakerHalfOpenAfterMs,
    }),
    limits: section({ maxConcurrent: opts.maxConcurrent, maxQueued: opts.maxQueued, retryAfterSeconds: opts.retryAfterS }),
  };
  const set = section(patch);
  return set === undefined ? undefined : (set as DeploymentPolicyInput);
}

function validationPatch(opts: SetOptions): DeploymentPolicyInput['validation'] {
  const validation: NonNullable<DeploymentPolicyInput['validation']> = {
    ...(opts.onSchemaError === undefined ? {} : { schema: opts.onSchemaError }),
    ...(opts.onAnomaly === undefined ? {} : { anomalies: opts.onAnomaly }),
    ...(opts.rangeTolerance === undefined ? {} : { rangeTolerance: opts.rangeTolerance }),
    ...(opts.maxRows === undefined ? {} : { maxRows: opts.maxRows }),
    ...(opts.maxInputElements === undefined ? {} : { maxInputElements: opts.maxInputElements }),
    ...(opts.maxInputBytes === undefined ? {} : { maxInputBytes: opts.maxInputBytes }),
  };
  return Object.keys(validation).length === 0 ? undefined : validation;
}

/** A whole-number option parser whose range is the policy schema's own for that field, so the two cannot drift apart. */
function wholeLike(field: z.ZodDefault<z.ZodNumber>): (value: string) => number {
  const n = field.unwrap();
  return integerOption(n.minValue ?? 0, n.maxValue ?? Number.MAX_SAFE_INTEGER);
}

/** Parses `--fallback`: a comma list of fallback kinds in chain order, or `none` for an empty chain. */
function fallbackChain(value: string): FallbackKind[] {
  if (value.trim() === 'none') return [];
  const kinds = value.split(',').map((k) => k.trim());
  for (const kind of kinds) {
    if (!(FALLBACK_KINDS as readonly string[]).includes(kind)) {
      throw new InvalidArgumentError(`expected a comma list of ${FALLBACK_KINDS.join(', ')}, or none; got ${JSON.stringify(kind)}`);
    }
  }
  return kinds as FallbackKind[];
}

/** `mooring deployment show|set|history NAME`: a model's deployment policy and its revisions. */
export function deploymentCommand(): Command {
  const deployment = new Command('deployment').description(
    "show and change a model's deployment policy (validation, batching, cache, coalescing, latency budget, fallbacks, circuit breaker, load limits)",
  );
  const whole = integerOption(0, Number.MAX_SAFE_INTEGER);
  const latencyBudget = DeploymentPolicySchema.shape.latencyBudgetMs;
  const fallbackShape = FallbackPolicySchema.shape;
  const breaker = CircuitBreakerPolicySchema.shape;
  const limits = LimitsPolicySchema.shape;

  deployment
    .command('show')
    .description('show the deployment policy in force (revision 0: the defaults, never set)')
    .argument('<name>', 'model name')
    .option('--json', 'print the deployment (DeploymentDto) as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const d = await admin.getDeployment(name);
        if (opts.json) outJson(d);
        else out(formatDeployment(d));
      }),
    );

  deployment
    .command('set')
    .description(
      'change fields of the deployment policy (validation, throughput, latency budget, fallbacks, circuit breaker, limits); ' +
        'the others keep their values (a new revision, unless nothing changes)',
    )
    .argument('<name>', 'model name')
    .addOption(new Option('--on-schema-error <action>', 'a request that fails the schema check').choices(['reject', 'fallback']))
    .addOption(new Option('--on-anomaly <action>', 'an input outside the training profile').choices([...VALIDATION_ACTIONS]))
    .option('--range-tolerance <x>', 'how far outside the training range a number may be, as a fraction of the range', numberOption())
    .option('--max-rows <n>', 'most rows one request may carry', whole)
    .option('--max-input-elements <n>', "most elements one input tensor may hold (0 = the server's limits.maxElements)", whole)
    .option('--max-input-bytes <n>', 'most bytes one input tensor may take (0 = no limit of its own)', whole)
    .addOption(new Option('--batching <on|off>', 'adaptive batching of concurrent requests (models with a variable batch dimension)').choices(['on', 'off']))
    .option('--max-batch-size <rows>', 'most rows one batched inference may carry', integerOption(1, 65_536))
    .option('--max-queue-delay-us <us>', 'longest a request waits for others before its batch runs, in microseconds', integerOption(0, 1_000_000))
    .addOption(new Option('--cache <on|off>', 'the response cache (answers kept per version and input)').choices(['on', 'off']))
    .option('--cache-ttl-ms <ms>', 'how long a cached answer stays', integerOption(1, 30 * 24 * 3_600_000))
    .addOption(new Option('--coalescing <on|off>', 'identical requests in flight run the model once').choices(['on', 'off']))
    .option('--latency-budget-ms <ms>', 'longest a request may take before the fallback chain answers (0 = no budget)', wholeLike(latencyBudget))
    .option('--fallback <kinds>', `the fallback chain in order: a comma list of ${FALLBACK_KINDS.join(', ')}, or none`, fallbackChain)
    .option('--fallback-cache-ttl-ms <ms>', 'how long the last good answer is kept for the cache fallback', wholeLike(fallbackShape.cacheTtlMs))
    .option('--rules-file <file>', 'YAML or JSON file holding the rules fallback table {cases, default} (none = clear)')
    .addOption(new Option('--circuit-breaker <on|off>', 'the circuit breaker of each served version').choices(['on', 'off']))
    .option('--breaker-error-ratio <x>', 'share of failed requests in the window that opens the circuit (between 0 and 1)', numberOption())
    .option('--breaker-min-requests <n>', 'requests the window needs before the circuit may open', wholeLike(breaker.minRequests))
    .option('--breaker-window-ms <ms>', 'the window the error ratio is measured over', wholeLike(breaker.windowMs))
    .option('--breaker-half-open-after-ms <ms>', 'how long an open circuit waits before one request tries the model', wholeLike(breaker.halfOpenAfterMs))
    .option('--max-concurrent <n>', 'most requests running at once per served version', wholeLike(limits.maxConcurrent))
    .option('--max-queued <n>', 'most requests waiting for a turn; past it a request is refused (503 OVERLOADED)', wholeLike(limits.maxQueued))
    .option('--retry-after-s <s>', 'the Retry-After of a request refused for load, in seconds', wholeLike(limits.retryAfterSeconds))
    .option('--reason <text>', 'why, recorded on the revision and in the audit log')
    .option('--json', 'print the result (DeploymentDto with "changed") as JSON')
    .action(async (name: string, opts: SetOptions, cmd: Command) => {
      const patch = patchFrom(opts);
      if (patch === undefined) {
        throw fail(
          'INVALID_REQUEST',
          'deployment set needs at least one policy flag (see `mooring deployment set --help`)',
        );
      }
      await withAdmin(cmd, async (admin) => {
        const change = await admin.setDeployment(name, patch, opts.reason);
        if (opts.json) outJson(change);
        else out(formatDeploymentChange(change));
      });
    });

  deployment
    .command('history')
    .description('list every revision of the deployment policy, oldest first, with what each changed')
    .argument('<name>', 'model name')
    .option('--json', 'print {"revisions": [...]} as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const revisions = await admin.deploymentHistory(name);
        if (opts.json) outJson({ revisions });
        else out(formatDeploymentHistory(revisions, toSnakeKeys(DEFAULT_POLICY)));
      }),
    );

  return deployment;
}
