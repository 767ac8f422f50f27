/**
 * The benchmark's scenarios: one entry each. To add one (batching, cache hits, 100-row batches...), append an
 * entry here; `run.ts` starts it, loads it, and puts it in the README table with its ratios to the bare server
 * and to the in-process limit.
 */
import { oneRowBodies, oneRowRecordBodies } from './requests.js';

/** A server started as a child process (`node --import tsx bench/<server> [port]`) and loaded over HTTP. */
export interface HttpScenario {
  readonly kind: 'http';
  /** Short id, used with `--only` and in ratios. */
  readonly name: string;
  /** The row label in the results table. */
  readonly label: string;
  /** One sentence for the README: what this row measures. */
  readonly what: string;
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
export interface InProcessScenario {
  readonly kind: 'inprocess';
  readonly name: string;
  readonly label: string;
  readonly what: string;
  /** Script under bench/, called with `<durationSeconds> <warmupSeconds> <concurrency>`. */
  readonly script: string;
  /** Runs in flight (default: the run's `--connections`, so it matches the HTTP scenarios' concurrency). */
  readonly concurrency?: number;
}

export type Scenario = HttpScenario | InProcessScenario;

/** The scenario every other one is compared to (the baseline). */
export const BASELINE = 'bare-node';
/** The ceiling: the same inference with no server at all. */
export const LIMIT = 'inprocess';
/** Mooring must reach this share of the baseline's throughput (the target). */
export const TARGET_RATIO = 0.85;
/** The scenario the target applies to. */
export const TARGET_SCENARIO = 'mooring';

const INFER_PATH = '/v2/models/churn/infer';
const RECORDS_PATH = '/v1/models/churn:predict';

/** In table order. Rounds alternate the order (forwards, then backwards) to spread drift evenly. */
export const SCENARIOS: readonly Scenario[] = [
  {
    kind: 'http',
    name: BASELINE,
    label: 'bare node:http + onnxruntime-node',
    what:
      'bench/baseline-server.ts: what a user would write by hand, a bare `node:http` server that parses the v2 JSON, ' +
      'runs the demo model with onnxruntime-node and answers the same v2 JSON. No validation, metrics or registry.',
    server: 'baseline-server.ts',
    path: INFER_PATH,
    bodies: () => oneRowBodies(8),
  },
  {
    kind: 'http',
    name: TARGET_SCENARIO,
    label: 'Mooring (dist/, demo model)',
    what:
      'bench/mooring-server.ts: the real Mooring server from the compiled `dist/` (what `npm start` runs) on a fresh ' +
      'temporary home with the demo model, log level warn: Fastify, v2 decode and validation, dataplane, runtime, encode.',
    server: 'mooring-server.ts',
    path: INFER_PATH,
    bodies: () => oneRowBodies(8),
    sameAnswerAs: BASELINE,
    costOf: [
      { feature: 'validation (v2 tensor: packed columns against the training profile)', without: 'mooring-novalidation', target: 0.9 },
      { feature: 'monitoring (request metrics + prediction log; drift and accuracy are computed from the log)', without: 'mooring-nomonitoring', target: 0.9 },
    ],
  },
  {
    kind: 'http',
    name: 'mooring-nomonitoring',
    label: 'Mooring, metrics and prediction log off',
    what:
      'bench/mooring-server.ts no-monitoring: the same server with request metrics and the prediction log turned off: ' +
      'the "without" side of the monitoring cost (drift and accuracy are computed from the log, off the request path).',
    server: 'mooring-server.ts',
    serverArgs: ['no-monitoring'],
    path: INFER_PATH,
    bodies: () => oneRowBodies(8),
    sameAnswerAs: BASELINE,
  },
  {
    kind: 'http',
    name: 'mooring-novalidation',
    label: 'Mooring, demo without features or profile',
    what:
      'bench/mooring-server.ts no-profile: the same server with the demo model registered without named features or a ' +
      'training profile, so only the signature check runs: the "without validation" side of the validation cost.',
    server: 'mooring-server.ts',
    serverArgs: ['no-profile'],
    path: INFER_PATH,
    bodies: () => oneRowBodies(8),
    sameAnswerAs: BASELINE,
  },
  {
    kind: 'http',
    name: 'mooring-records',
    label: 'Mooring records by feature name',
    what:
      'POST /v1/models/churn:predict with `{"instances": [{"tenure_months": ..., ...}]}`: named features packed by the ' +
      'compiled packer, every field checked (schema, range against the training profile).',
    server: 'mooring-server.ts',
    path: RECORDS_PATH,
    bodies: () => oneRowRecordBodies(8, 'named'),
    costOf: [{ feature: 'validation (records: named features packed and checked)', without: 'mooring-records-novalidation', target: 0.9 }],
  },
  {
    kind: 'http',
    name: 'mooring-records-novalidation',
    label: 'Mooring records as rows, no profile',
    what: 'The records endpoint with packed rows (`{"instances": [[...]]}`) on the demo registered without features or profile.',
    server: 'mooring-server.ts',
    serverArgs: ['no-profile'],
    path: RECORDS_PATH,
    bodies: () => oneRowRecordBodies(8, 'rows'),
  },
  {
    kind: 'inprocess',
    name: LIMIT,
    label: 'in-process session.run (limit)',
    what:
      'bench/inprocess.ts: onnxruntime-node `session.run` on the same rows in a tight async loop with as many runs ' +
      'in flight as the HTTP scenarios have connections; no HTTP, no JSON. Reported as runs/s.',
    script: 'inprocess.ts',
  },
];
