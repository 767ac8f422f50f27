/**
 * What the prediction log costs per prediction: CPU of `append` into an embedded SQLite file, on the main thread and
 * through the worker-thread writer, with realistic records (a one-row demo v2 request and its response as JsonText:
 * the text the server parsed and the text it sent), plus what reads cost now that they decode segments (ADR 12).
 *
 * Usage: `npx tsx bench/prediction-log.ts [batches] [batchSize] [rounds]` (default 40 batches of 500, 5 rounds).
 * Every write scenario runs `rounds` times on fresh records (after a warm-up) and prints the best and the median
 * round: on a shared machine the best round is the closest to the code's own cost. "main" is the CPU time of the
 * main thread alone (Linux `/proc/self/task/<pid>/schedstat`; the whole process elsewhere), what requests compete
 * with; "process" adds every other thread (the writer worker, V8's helpers, the kernel work of the writes; an
 * fsync's wait is not CPU).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonText } from '../src/core/monitoring/prediction-record.js';
import type { PredictionRecord } from '../src/core/monitoring/prediction-record.js';
import { PredictionLogger } from '../src/services/prediction-logger.js';
import { openPredictionLog } from '../src/storage/backends.js';
import type { PredictionLog } from '../src/storage/prediction-log.js';
import { encodeBatch } from '../src/storage/prediction-log-segment.js';
import { WorkerLogWriter } from '../src/storage/worker/worker-log-writer.js';
import { oneRowBodies } from './requests.js';

const batches = Number(process.argv[2] ?? 40);
const batchSize = Number(process.argv[3] ?? 500);
const rounds = Number(process.argv[4] ?? 5);
const WARMUP = 10;
const bodies = oneRowBodies(8);
let clock = Date.UTC(2026, 0, 1);

/** The response text the server sends for a one-row v2 request (what it would hand the log as JsonText). */
function responseText(id: string, p: number): string {
  return `{"model_name":"churn","model_version":"1","id":${JSON.stringify(id)},"outputs":[{"name":"probability","datatype":"FP32","shape":[1,1],"data":[${p}]},{"name":"label","datatype":"BOOL","shape":[1,1],"data":[${p > 0.5}]}]}`;
}

/** One batch of records as the data plane makes them; `plain` gives parsed objects instead of JsonText. */
function batch(plain = false): PredictionRecord[] {
  return Array.from({ length: batchSize }, (_, i) => {
    const id = randomUUID();
    const request = bodies[i % bodies.length]!;
    const response = responseText(id, Math.random());
    return {
      id,
      at: clock++,
      model: 'churn',
      version: 1,
      route: 'production',
      rows: 1,
      inputs: plain ? (JSON.parse(request) as unknown) : new JsonText(request),
      outputs: plain ? (JSON.parse(response) as unknown) : new JsonText(response),
      // As Fastify's elapsedTime gives it: a double with every digit (the slowest kind to print).
      latencyMs: 0.2 + Math.random() / 10,
      status: 'ok',
      error: null,
      flags: [],
    };
  });
}

const schedstat = `/proc/self/task/${process.pid}/schedstat`;
/** CPU time of the main thread in µs (of the whole process where the per-thread figure is not available). */
function mainThreadUs(): number {
  try {
    return Number(readFileSync(schedstat, 'utf8').split(' ')[0]) / 1000;
  } catch {
    const u = process.cpuUsage();
    return u.user + u.system;
  }
}

interface Measured {
  readonly mainUs: number;
  readonly processUs: number;
  readonly wallUs: number;
}

async function measure(fn: () => Promise<void> | void): Promise<Measured> {
  const main = mainThreadUs();
  const cpu = process.cpuUsage();
  const wall = process.hrtime.bigint();
  await fn();
  const used = process.cpuUsage(cpu);
  return { mainUs: mainThreadUs() - main, processUs: used.user + used.system, wallUs: Number(process.hrtime.bigint() - wall) / 1000 };
}

const rows: string[][] = [];
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** One table row: per record, the best and median main-thread CPU, the median process CPU and wall time. */
function report(what: string, ms: readonly Measured[], records: number): void {
  const main = ms.map((m) => m.mainUs / records);
  rows.push([
    what,
    Math.min(...main).toFixed(3),
    median(main).toFixed(3),
    median(ms.map((m) => m.processUs / records)).toFixed(3),
    median(ms.map((m) => m.wallUs / records)).toFixed(3),
  ]);
}

/** Runs `write` over `batches` fresh batches per round, after a warm-up; the measurements of each round. */
async function rounded(write: (b: PredictionRecord[]) => Promise<unknown> | unknown, plain = false): Promise<Measured[]> {
  for (let i = 0; i < WARMUP; i++) await write(batch(plain));
  const out: Measured[] = [];
  for (let r = 0; r < rounds; r++) {
    const prepared = Array.from({ length: batches }, () => batch(plain));
    out.push(
      await measure(async () => {
        for (const b of prepared) await write(b);
      }),
    );
  }
  return out;
}

/** The batching writer as the server drives it: `record` on the request path, one flush per batch. */
async function throughLogger(log: Pick<PredictionLog, 'append' | 'deleteBefore'>): Promise<Measured[]> {
  const logger = new PredictionLogger({ log, logger: { warn: () => undefined }, flushIntervalMs: 3_600_000, maxBatch: batchSize });
  const ms = await rounded(async (b) => {
    for (const e of b) logger.record(e);
    await logger.flush();
  });
  await logger.close();
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), 'mooring-bench-plog-'));
try {
  const url = `sqlite://${join(dir, 'predictions.db')}`;
  const log = await openPredictionLog(url);
  const n = batches * batchSize;

  report('encodeBatch only (check + encode), JsonText', await rounded((b) => encodeBatch(b)), n);
  report('append on the main thread, JsonText', await rounded((b) => log.append(b)), n);
  report('append on the main thread, parsed objects', await rounded((b) => log.append(b), true), n);
  report('PredictionLogger on the main thread, JsonText', await throughLogger(log), n);
  const writer = new WorkerLogWriter(url);
  report('WorkerLogWriter.append, JsonText', await rounded((b) => writer.append(b)), n);
  report('PredictionLogger -> WorkerLogWriter, JsonText', await throughLogger(writer), n);
  await writer.close();

  // Reads decode segments: what a page, a count and a full scan cost per record touched.
  const total = await log.count({ model: 'churn' });
  const page = async (version?: number) => void (await log.query({ model: 'churn', limit: 100, ...(version === undefined ? {} : { version }) }));
  await page(1);
  report('query: first page of 100 of model + version (per record)', [await measure(() => page(1))], 100);
  report('query: first page of 100 of a model (per record)', [await measure(() => page())], 100);
  const half = [await measure(async () => void (await log.count({ model: 'churn', since: clock - Math.floor(total / 2) + 7 })))];
  report('count: newest half, cut inside a segment (per record)', half, total / 2);
  let scanned = 0;
  const scan = await measure(async () => {
    let after: string | null = null;
    do {
      const page = await log.query({ model: 'churn', limit: 5000, ...(after === null ? {} : { after }) });
      scanned += page.items.length;
      after = page.next;
    } while (after !== null);
  });
  report('query: every record, pages of 5,000 (per record)', [scan], total);
  await log.close();

  console.log(`prediction log bench: ${rounds} rounds of ${batches} batches x ${batchSize} records into SQLite (WAL, synchronous=FULL)`);
  console.log(`${total} records in the log, ${scanned} read back; node ${process.version}, ${process.platform}/${process.arch}, load ${loadavg()[0]?.toFixed(1)}\n`);
  const head = ['CPU µs per record', 'main best', 'main median', 'process median', 'wall median'];
  const width = Math.max(...rows.map((r) => r[0]!.length), head[0]!.length);
  const line = (r: string[]) => [r[0]!.padEnd(width), ...r.slice(1).map((c, i) => c.padStart(head[i + 1]!.length))].join('  ');
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
