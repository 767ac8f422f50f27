import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { fail } from '../core/errors.js';

/**
 * Mooring's configuration: one schema for the config file and the environment, validated at start so a typo
 * fails loudly with the path of the bad value instead of surfacing later as odd behaviour.
 *
 * Precedence (last wins): defaults < config file (`--config`, `MOORING_CONFIG`, or `<home>/mooring.yaml`) <
 * environment variables < explicit overrides (CLI flags). The reference is docs/reference/configuration.md.
 */

const ms = z.number().int().min(0);

const ConfigSchema = z
  .object({
    /** The folder holding the embedded database, artifacts, server address and admin token. */
    home: z.string().min(1),
    server: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
        /** Largest JSON request body accepted on the inference and admin routes. */
        bodyLimitBytes: z.number().int().min(1024).default(8 * 1024 * 1024),
        /** Largest artifact upload accepted by POST /api/artifacts. */
        artifactLimitBytes: z.number().int().min(1024).default(1024 * 1024 * 1024),
        /** After SIGTERM, how long readiness answers 503 before the listener closes (let load balancers notice). */
        drainDelayMs: ms.default(0),
        /** The longest a shutdown may take before remaining connections are cut. */
        shutdownTimeoutMs: ms.default(30_000),
      })
      .strict()
      .prefault({}),
    registry: z
      .object({
        /** `sqlite:///abs/file.db`, `sqlite::memory:`, or `postgres://...`. Default: `<home>/mooring.db`. */
        url: z.string().min(1).optional(),
        /** How often a server polls the registry for changes made elsewhere (other replicas, the CLI offline). */
        syncIntervalMs: ms.default(2000),
      })
      .strict()
      .prefault({}),
    artifacts: z
      .object({
        /** `file:///abs/dir` or `memory:`. Default: `<home>/artifacts`. */
        url: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    runtime: z
      .object({
        /** Threads one inference may use; 1 serves many small concurrent requests best. */
        intraOpThreads: z.number().int().min(1).max(64).default(1),
        /** How long a version no alias points to stays loaded after its last use. */
        unloadGraceMs: ms.default(60_000),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        maxStringLength: z.number().int().min(1).default(65_536),
        maxElements: z.number().int().min(1).default(4_000_000),
        /**
         * Most levels of JSON nesting a request body may have (`{}` is 1); deeper bodies are refused before parsing.
         * A v2 infer body needs 4 (body, inputs, tensor, data) plus one per level of nested data.
         */
        maxJsonDepth: z.number().int().min(4).max(100_000).default(64),
      })
      .strict()
      .prefault({}),
    predictionLog: z
      .object({
        /** Record every prediction (inputs, outputs, version, latency, flags) off the hot path, in batches. */
        enabled: z.boolean().default(true),
        /** `sqlite:///abs/file.db`, `sqlite::memory:`, `postgres://...` or `memory:`. Default: `<home>/predictions.db`. */
        url: z.string().min(1).optional(),
        /** How often buffered predictions are written (one transaction per flush). */
        flushIntervalMs: ms.default(1000),
        /** Predictions older than this many days are deleted (0 keeps them forever). */
        retentionDays: z.number().min(0).default(30),
      })
      .strict()
      .prefault({}),
    cache: z
      .object({
        /**
         * Where cached answers live when a deployment turns its response cache on: `memory:` (this process) or
         * `redis://host:6379/0` (shared by every replica, with this process's memory in front of it).
         */
        url: z.string().min(1).default('memory:'),
        /** Most memory the in-process cache may take, in bytes; least recently used answers go first. */
        maxBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
        /** Prefix of every Redis key, so several Mooring installations can share one Redis. */
        keyPrefix: z.string().min(1).default('mooring:cache:'),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        /** Count and time every inference request for `/metrics` (off only to measure what it costs). */
        enabled: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    monitoring: z
      .object({
        /**
         * The trailing window the server's monitoring loop computes drift and live accuracy over for its gauges
         * (`mooring_drift_*`, `mooring_accuracy`); alert rules name their own windows. The loop runs every
         * `alerts.evaluationIntervalMs`.
         */
        windowMs: ms.default(3_600_000),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({
        /** Evaluate alert rules in the server (only the replica holding the alert lease evaluates and notifies). */
        enabled: z.boolean().default(true),
        /** `sqlite:///abs/file.db`, `sqlite::memory:`, `postgres://...` or `memory:`. Default: `<home>/alerts.db`. */
        url: z.string().min(1).optional(),
        /** How often rules are evaluated (Prometheus's `evaluation_interval`). */
        evaluationIntervalMs: z.number().int().min(1000).default(30_000),
        /** The longest one webhook request may take. */
        webhookTimeoutMs: z.number().int().min(100).default(10_000),
        /** Attempts per notification (exponential backoff with jitter between them) before it is given up. */
        maxAttempts: z.number().int().min(1).max(100).default(10),
      })
      .strict()
      .prefault({}),
    rollouts: z
      .object({
        /** Run the rollout controller's loop in the server (only the replica holding the `rollouts` lease acts). */
        enabled: z.boolean().default(true),
        /**
         * How often the loop looks at the running rollouts. Each rollout is checked when its own interval is over;
         * an idle look costs one read of the registry's revision.
         */
        tickIntervalMs: z.number().int().min(100).max(60_000).default(1000),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
        /** Log one line per request (costs throughput; errors are always logged). */
        requests: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    admin: z
      .object({
        /** The admin API bearer token; generated and kept in `<home>/admin-token` when not set. */
        token: z.string().min(16).optional(),
      })
      .strict()
      .prefault({}),
    /** Register and deploy the demo model when the registry has no models. */
    demo: z.boolean().default(true),
  })
  .strict();

/** The validated configuration with every default applied and every URL resolved. */
export type Config = z.infer<typeof ConfigSchema> & {
  registry: { url: string };
  artifacts: { url: string };
  predictionLog: { url: string };
  alerts: { url: string };
};

/** A partial configuration, as a file or the CLI gives it. */
export type ConfigInput = z.input<typeof ConfigSchema> | Record<string, unknown>;

/** Environment variables and where each goes; numbers and booleans are parsed from their text. */
const ENV: ReadonlyArray<readonly [string, readonly string[], 'string' | 'number' | 'boolean']> = [
  ['MOORING_HOST', ['server', 'host'], 'string'],
  ['MOORING_PORT', ['server', 'port'], 'number'],
  ['MOORING_BODY_LIMIT_BYTES', ['server', 'bodyLimitBytes'], 'number'],
  ['MOORING_DRAIN_DELAY_MS', ['server', 'drainDelayMs'], 'number'],
  ['MOORING_REGISTRY_URL', ['registry', 'url'], 'string'],
  ['MOORING_SYNC_INTERVAL_MS', ['registry', 'syncIntervalMs'], 'number'],
  ['MOORING_ARTIFACTS_URL', ['artifacts', 'url'], 'string'],
  ['MOORING_INTRA_OP_THREADS', ['runtime', 'intraOpThreads'], 'number'],
  ['MOORING_UNLOAD_GRACE_MS', ['runtime', 'unloadGraceMs'], 'number'],
  ['MOORING_MAX_JSON_DEPTH', ['limits', 'maxJsonDepth'], 'number'],
  ['MOORING_PREDICTION_LOG', ['predictionLog', 'enabled'], 'boolean'],
  ['MOORING_PREDICTION_LOG_URL', ['predictionLog', 'url'], 'string'],
  ['MOORING_PREDICTION_LOG_RETENTION_DAYS', ['predictionLog', 'retentionDays'], 'number'],
  ['MOORING_ALERTS', ['alerts', 'enabled'], 'boolean'],
  ['MOORING_ALERTS_URL', ['alerts', 'url'], 'string'],
  ['MOORING_ALERTS_INTERVAL_MS', ['alerts', 'evaluationIntervalMs'], 'number'],
  ['MOORING_ROLLOUTS', ['rollouts', 'enabled'], 'boolean'],
  ['MOORING_ROLLOUT_TICK_MS', ['rollouts', 'tickIntervalMs'], 'number'],
  ['MOORING_METRICS', ['metrics', 'enabled'], 'boolean'],
  ['MOORING_CACHE_URL', ['cache', 'url'], 'string'],
  ['MOORING_CACHE_MAX_BYTES', ['cache', 'maxBytes'], 'number'],
  ['MOORING_MONITORING_WINDOW_MS', ['monitoring', 'windowMs'], 'number'],
  ['MOORING_LOG_LEVEL', ['log', 'level'], 'string'],
  ['MOORING_LOG_REQUESTS', ['log', 'requests'], 'boolean'],
  ['MOORING_ADMIN_TOKEN', ['admin', 'token'], 'string'],
  ['MOORING_DEMO', ['demo'], 'boolean'],
];

/** The environment variables Mooring reads (for the reference docs and `--help`). */
export const CONFIG_ENV_VARS: readonly string[] = ['MOORING_HOME', 'MOORING_CONFIG', ...ENV.map(([name]) => name)];

/** Where `loadConfig` looks and what it lays on top. */
export interface LoadConfigOptions {
  home?: string;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence, e.g. CLI flags: `{ server: { port: 9000 } }`. */
  overrides?: Record<string, unknown>;
}

/** Reads, merges and validates the configuration; throws CONFIG_INVALID naming the file or variable at fault. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const home = resolve(options.home ?? env.MOORING_HOME ?? '.mooring');
  const file = options.configFile ?? env.MOORING_CONFIG ?? defaultConfigFile(home);
  let merged: Record<string, unknown> = {};
  if (file !== null) merged = deepMerge(merged, readConfigFile(file));
  merged = deepMerge(merged, fromEnv(env));
  merged = deepMerge(merged, options.overrides ?? {});
  merged.home = home;
  const parsed = ConfigSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || '(root)';
    throw fail('CONFIG_INVALID', `invalid configuration at ${where}: ${issue.message}${file ? ` (file ${file} and MOORING_* variables)` : ''}`, {
      path: where,
    });
  }
  const c = parsed.data;
  return {
    ...c,
    registry: { ...c.registry, url: c.registry.url ?? `sqlite://${join(home, 'mooring.db')}` },
    artifacts: { ...c.artifacts, url: c.artifacts.url ?? pathToFileURL(join(home, 'artifacts')).href },
    predictionLog: { ...c.predictionLog, url: c.predictionLog.url ?? `sqlite://${join(home, 'predictions.db')}` },
    alerts: { ...c.alerts, url: c.alerts.url ?? `sqlite://${join(home, 'alerts.db')}` },
  };
}

function defaultConfigFile(home: string): string | null {
  const p = join(home, 'mooring.yaml');
  return existsSync(p) ? p : null;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw fail('CONFIG_INVALID', `cannot read config file ${file}: ${(e as Error).message}`, { file });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (e) {
    throw fail('CONFIG_INVALID', `config file ${file} is not valid YAML/JSON: ${(e as Error).message}`, { file });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw fail('CONFIG_INVALID', `config file ${file} must hold a mapping of settings`, { file });
  }
  return value as Record<string, unknown>;
}

function fromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, path, kind] of ENV) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    let value: unknown = raw;
    if (kind === 'number') {
      value = Number(raw);
      if (!Number.isFinite(value)) throw fail('CONFIG_INVALID', `${name}=${raw} is not a number`, { variable: name });
    } else if (kind === 'boolean') {
      if (!/^(true|false|1|0|yes|no)$/i.test(raw)) throw fail('CONFIG_INVALID', `${name}=${raw} is not true or false`, { variable: name });
      value = /^(true|1|yes)$/i.test(raw);
    }
    setPath(out, path, value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i]!;
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const key of Object.keys(b)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') continue;
    const av = out[key];
    const bv = b[key];
    out[key] =
      isPlainObject(av) && isPlainObject(bv) ? deepMerge(av, bv) : bv;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
