/**
 * The benchmark's scenarios, in groups. A group is one model and one kind of load with its own baseline (the bare
 * `node:http` server doing the same inference) and its own limit (the same inference in-process, no HTTP); every
 * scenario's ratios are to ITS baseline and ITS limit, measured in the same run. To add a scenario, append an entry
 * here; `run.ts` starts it, loads it and puts it in its group's table.
 */
import { batchBodies, heavyCacheBodies, heavyOneRowBodies, oneRowBodies, oneRowRecordBodies } from './requests.js';

/** The groups, in run order. */
export const GROUP_NAMES = ['demo', 'batch100', 'heavy'] as const;
export type GroupName = (typeof GROUP_NAMES)[number];

/** What a group measures, for the README. */
export interface Group {
  readonly name: GroupName;
  /** The heading of its table. */
  readonly title: string;
  /** One sentence: the model and the load. */
  readonly what: string;
}

export const GROUPS: Readonly<Record<GroupName, Group>> = {
  demo: {
    name: 'demo',
    title: 'Demo model, one-row requests',
    what: 'the demo churn model (4 features, logistic regression), one-row v2 requests, the run\'s connections (default 16)',
  },
  batch100: {
    name: 'batch100',
    title: 'Demo model, 100-row requests',
    what: 'the demo churn model, v2 requests of 100 rows each (a client that batches itself), the run\'s connections',
  },
  heavy: {
    name: 'heavy',
    title: 'Compute-heavy model, one-row requests, 64 connections',
    what: 'the compute-heavy MLP of bench/heavy-model.ts (64-1280-1280-1280-1), one-row v2 requests, 64 connections',
  },
};

/** Fields every scenario has. */
interface ScenarioBase {
  /** Short id, used with `--only` and in ratios. */
  readonly name: string;
  /** The row label in the results table. */
  readonly label: string;
  /** One sentence for the README: what this row measures. */
  readonly what: string;
  readonly group: GroupName;
  /** The scenario this one's "ratio to baseline" divides by (the bare server of its group). */
  readonly baseline: string;
  /** The scenario this one's "ratio to limit" divides by (the in-process run of its group). */
  readonly limit: string;
}

/** A server started as a child process (`node --import tsx bench/<server> [port]`) and loaded over HTTP. */
export interface HttpScenario extends ScenarioBase {
  readonly kind: 'http';
  /** Script under bench/ that prints `READY <port>` on stdout and stops on SIGTERM. */
  readonly server: string;
  /** The request path on that server. */
  readonly path: string;
  /** The request bodies (JSON text); each connection sends them in turn. Called once per run. */
  readonly bodies: () => string[];
  /** Connections for this scenario (default: the run's `--connections`). */
  readonly connections?: number;
  /** Another scenario whose answer to the first body this one must match exactly (checked before each load). */
  readonly sameAnswerAs?: string;
  /** Arguments after the port for the server script. */
  readonly serverArgs?: readonly string[];
  /** This scenario is another one plus a feature: the table of feature costs compares each pair. */
  readonly costOf?: readonly { readonly feature: string; readonly without: string; readonly target?: number }[];
}

/** A script that measures itself in-process (no HTTP) and prints `READY`, `WARM`, then `RESULT {runsPerSecond}`. */
export interface InProcessScenario extends ScenarioBase {
  readonly kind: 'inprocess';
  /** Script under bench/, called with `<durationSeconds> <warmupSeconds> <concurrency> [...scriptArgs]`. */
  readonly script: string;
  readonly scriptArgs?: readonly string[];
  /** Runs in flight (default: the run's `--connections`, so it matches the HTTP scenarios' concurrency). */
  readonly concurrency?: number;
}

export type Scenario = HttpScenario | InProcessScenario;

/** The demo group's baseline (the bare server). */
export const BASELINE = 'bare-node';
/** The demo group's ceiling: the same inference with no server at all. */
export const LIMIT = 'inprocess';
/** Mooring must reach this share of the baseline's throughput (the target). */
export const TARGET_RATIO = 0.85;
/** The scenario the main target applies to. */
export const TARGET_SCENARIO = 'mooring';

/** One of the throughput targets, checked by the run (ratio = median of the per-round ratios). */
export interface Target {
  /** The target in the words. */
  readonly text: string;
  readonly scenario: string;
  readonly against: string;
  /** Throughput of `scenario` over `against` must be at least this. */
  readonly minRatio: number;
  /** Also: `scenario`'s p99 latency must be no worse than `against`'s. */
  readonly p99NoWorse?: boolean;
}

export const TARGETS: readonly Target[] = [
  {
    text: 'Every feature on (validation, metrics, prediction log, drift), demo model, concurrency 16: at least 85% of the bare server',
    scenario: TARGET_SCENARIO,
    against: BASELINE,
    minRatio: TARGET_RATIO,
  },
  {
    text: 'Adaptive batching, compute-heavy model, concurrency 64: at least 2x the bare server, p99 no worse',
    scenario: 'mooring-heavy-batching',
    against: 'bare-heavy',
    minRatio: 2,
    p99NoWorse: true,
  },
  {
    text: 'Cache-hit workload, compute-heavy model: at least 3x the bare server',
    scenario: 'mooring-heavy-cache',
    against: 'bare-heavy',
    minRatio: 3,
  },
];

const INFER_PATH = '/v2/models/churn/infer';
const RECORDS_PATH = '/v1/models/churn:predict';
const HEAVY_PATH = '/v2/models/heavy/infer';
const HEAVY_CONNECTIONS = 64;

const demo = { group: 'demo', baseline: BASELINE, limit: LIMIT } as const;
const batch100 = { group: 'batch100', baseline: 'bare-batch100', limit: 'inprocess-batch100' } as const;
const heavy = { group: 'heavy', baseline: 'bare-heavy', limit: 'inprocess-heavy' } as const;

/** In table order within each group. Rounds alternate the order (forwards, then backwards) to spread drift evenly. */
export const SCENARIOS: readonly Scenario[] = [
  // ---- demo model, one-row requests ----
  {
    kind: 'http',
    ...demo,
    name: BASELINE,
    label: 'bare node:http + onnxruntime-node',
    what:
      'bench/baseline-server.ts: a hand-written node:http server, JSON.parse, one onnxruntime-node session.run, ' +
      'JSON.stringify; no validation, metrics, logging or registry. The issue\'s baseline.',
    server: 'baseline-server.ts',
    path: INFER_PATH,
    bodies: () => oneRowBodies(),
  },
  {
    kind: 'http',
    ...demo,
    name: TARGET_SCENARIO,
    label: 'Mooring, every feature on (demo model)',
    what:
      'bench/mooring-server.ts: the real Mooring server from the compiled `dist/` (what `npm start` runs) on a fresh ' +
      'temporary home with the demo model, log level warn, every feature on: Fastify, v2 decode and validation against ' +
      'the training profile, dataplane, runtime, encode, request metrics, the prediction log (which drift and accuracy read).',
    server: 'mooring-server.ts',
    path: INFER_PATH,
    bodies: () => oneRowBodies(),
    sameAnswerAs: BASELINE,
    costOf: [
      { feature: 'validation (v2 tensor: packed columns against the training profile)', without: 'mooring-novalidation', target: 0.9 },
      { feature: 'monitoring (request metrics + prediction log; drift and accuracy are computed from the log)', without: 'mooring-nomonitoring', target: 0.9 },
      { feature: 'prediction log (includes drift accumulation: drift and accuracy are computed from the log)', without: 'mooring-nolog' },
      { feature: 'request metrics (Prometheus counters and histograms)', without: 'mooring-nometrics' },
    ],
  },
  {
    kind: 'http',
    ...demo,
    name: 'mooring-nomonitoring',
    label: 'Mooring, metrics and prediction log off',
    what:
      'bench/mooring-server.ts no-monitoring: the same server with request metrics and the prediction log turned off: ' +
      'the "without" side of the monitoring cost (drift and accuracy are computed from the log, off the request path).',
    server: 'mooring-server.ts',
    serverArgs: ['no-monitoring'],
    path: INFER_PATH,
    bodies: () => oneRowBodies(),
    sameAnswerAs: BASELINE,
  },
  {
    kind: 'http',
    ...demo,
    name: 'mooring-nolog',
    label: 'Mooring, prediction log off (metrics on)',
    what:
      'bench/mooring-server.ts no-log: every feature on but the prediction log: the "without" side of the log\'s cost. ' +
      'Drift and accuracy are computed from the log, so the cost of drift accumulation is part of this row\'s difference.',
    server: 'mooring-server.ts',
    serverArgs: ['no-log'],
    path: INFER_PATH,
    bodies: () => oneRowBodies(),
    sameAnswerAs: BASELINE,
  },
  {
    kind: 'http',
    ...demo,
    name: 'mooring-nometrics',
    label: 'Mooring, request metrics off (log on)',
    what: 'bench/mooring-server.ts no-metrics: every feature on but the request metrics: the "without" side of their cost.',
    server: 'mooring-server.ts',
    serverArgs: ['no-metrics'],
    path: INFER_PATH,
    bodies: () => oneRowBodies(),
    sameAnswerAs: BASELINE,
  },
  {
    kind: 'http',
    ...demo,
    name: 'mooring-novalidation',
    label: 'Mooring, demo without features or profile',
    what:
      'bench/mooring-server.ts no-profile: the same server with the demo model registered without named features or a ' +
      'training profile, so only the signature check runs: the "without validation" side of the validation cost.',
    server: 'mooring-server.ts',
    serverArgs: ['no-profile'],
    path: INFER_PATH,
    bodies: () => oneRowBodies(),
    sameAnswerAs: BASELINE,
  },
  {
    kind: 'http',
    ...demo,
    name: 'mooring-batching',
    label: 'Mooring, every feature on + adaptive batching',
    what:
      'bench/mooring-server.ts batching: every feature on, and the deployment policy `{batching: {enabled: true, ' +
      'maxBatchSize: 64, maxQueueDelayMicros: 500}}`: what batching costs or gains where the model is cheap.',
    server: 'mooring-server.ts',
    serverArgs: ['batching'],
    path: INFER_PATH,
    bodies: () => oneRowBodies(),
    sameAnswerAs: BASELINE,
    costOf: [{ feature: 'adaptive batching on (demo model: inference is cheap)', without: TARGET_SCENARIO }],
  },
  {
    kind: 'http',
    ...demo,
    name: 'mooring-records',
    label: 'Mooring records by feature name',
    what:
      'POST /v1/models/churn:predict with `{"instances": [{"tenure_months": ..., ...}]}`: named features packed by the ' +
      'compiled packer, every field checked (schema, range against the training profile).',
    server: 'mooring-server.ts',
    path: RECORDS_PATH,
    bodies: () => oneRowRecordBodies(256, 'named'),
    costOf: [{ feature: 'validation (records: named features packed and checked)', without: 'mooring-records-novalidation', target: 0.9 }],
  },
  {
    kind: 'http',
    ...demo,
    name: 'mooring-records-novalidation',
    label: 'Mooring records as rows, no profile',
    what: 'The records endpoint with packed rows (`{"instances": [[...]]}`) on the demo registered without features or profile.',
    server: 'mooring-server.ts',
    serverArgs: ['no-profile'],
    path: RECORDS_PATH,
    bodies: () => oneRowRecordBodies(256, 'rows'),
  },
  {
    kind: 'inprocess',
    ...demo,
    name: LIMIT,
    label: 'in-process session.run (limit)',
    what:
      'bench/inprocess.ts: onnxruntime-node `session.run` on the same rows in a tight async loop with as many runs ' +
      'in flight as the HTTP scenarios have connections; no HTTP, no JSON. Reported as runs/s.',
    script: 'inprocess.ts',
  },
  // ---- demo model, 100-row requests ----
  {
    kind: 'http',
    ...batch100,
    name: 'bare-batch100',
    label: 'bare server, 100-row requests',
    what: 'bench/baseline-server.ts with v2 requests of 100 rows (4 rotating bodies): the baseline of the batch group.',
    server: 'baseline-server.ts',
    path: INFER_PATH,
    bodies: () => batchBodies(100),
  },
  {
    kind: 'http',
    ...batch100,
    name: 'mooring-batch100',
    label: 'Mooring, every feature on, 100-row requests',
    what:
      'The every-feature-on Mooring server with the same 100-row requests: validation of 100 rows, one inference, ' +
      '100 rows to the prediction log per request.',
    server: 'mooring-server.ts',
    path: INFER_PATH,
    bodies: () => batchBodies(100),
    sameAnswerAs: 'bare-batch100',
  },
  {
    kind: 'inprocess',
    ...batch100,
    name: 'inprocess-batch100',
    label: 'in-process session.run, 100 rows (limit)',
    what: 'bench/inprocess.ts demo 100: session.run on 100-row tensors, no HTTP. Reported as runs (of 100 rows) per second.',
    script: 'inprocess.ts',
    scriptArgs: ['demo', '100'],
  },
  // ---- compute-heavy model, 64 connections ----
  {
    kind: 'http',
    ...heavy,
    name: 'bare-heavy',
    label: 'bare server, heavy model',
    what: 'bench/baseline-server.ts heavy: the hand-written server on the compute-heavy MLP, 1,024 rotating one-row bodies.',
    server: 'baseline-server.ts',
    serverArgs: ['heavy'],
    path: HEAVY_PATH,
    bodies: () => heavyOneRowBodies(),
    connections: HEAVY_CONNECTIONS,
  },
  {
    kind: 'http',
    ...heavy,
    name: 'mooring-heavy',
    label: 'Mooring, heavy model, every feature on, no batching',
    what:
      'bench/mooring-server.ts heavy: every feature on (64 named features with a training profile), batching and ' +
      'cache off (the policy\'s defaults); the "without" side of the batching and cache rows.',
    server: 'mooring-server.ts',
    serverArgs: ['heavy'],
    path: HEAVY_PATH,
    bodies: () => heavyOneRowBodies(),
    connections: HEAVY_CONNECTIONS,
    sameAnswerAs: 'bare-heavy',
  },
  {
    kind: 'http',
    ...heavy,
    name: 'mooring-heavy-batching',
    label: 'Mooring, heavy model, adaptive batching',
    what:
      'bench/mooring-server.ts heavy batching: as above with `{batching: {enabled: true, maxBatchSize: 64, ' +
      'maxQueueDelayMicros: 500}}`. Target: at least 2x `bare-heavy`, p99 no worse.',
    server: 'mooring-server.ts',
    serverArgs: ['heavy', 'batching'],
    path: HEAVY_PATH,
    bodies: () => heavyOneRowBodies(),
    connections: HEAVY_CONNECTIONS,
    sameAnswerAs: 'bare-heavy',
    costOf: [{ feature: 'adaptive batching on (heavy model, 64 connections)', without: 'mooring-heavy' }],
  },
  {
    kind: 'http',
    ...heavy,
    name: 'mooring-heavy-cache',
    label: 'Mooring, heavy model, cache hits',
    what:
      'bench/mooring-server.ts heavy cache: `{cache: {enabled: true}}` and 16 one-row bodies repeated, so after the ' +
      'probes and warm-up every request is a hit. Target: at least 3x `bare-heavy`.',
    server: 'mooring-server.ts',
    serverArgs: ['heavy', 'cache'],
    path: HEAVY_PATH,
    bodies: () => heavyCacheBodies(),
    connections: HEAVY_CONNECTIONS,
    sameAnswerAs: 'bare-heavy',
    costOf: [{ feature: 'response cache, every request a hit (heavy model; "without" = distinct requests, no cache)', without: 'mooring-heavy' }],
  },
  {
    kind: 'inprocess',
    ...heavy,
    name: 'inprocess-heavy',
    label: 'in-process session.run, heavy model (limit)',
    what: 'bench/inprocess.ts heavy: session.run of the heavy MLP on one-row tensors, 64 in flight, no HTTP. Runs/s.',
    script: 'inprocess.ts',
    scriptArgs: ['heavy', '1'],
    concurrency: HEAVY_CONNECTIONS,
  },
];
