/**
 * Micro-benchmark of the response cache's per-request costs: the key (src/core/cache/inference-key.ts), a memory
 * hit and store (src/storage/memory/memory-response-cache.ts), the copy-versus-freeze choice on store, and, when a
 * Redis is given, a Redis hit and store as one request sees them (a round trip each). Not part of `npm test` (tests
 * never assert on speed).
 *
 * `npx tsx bench/cache-key.ts [--rounds 15] [--ms 100]`; with `MOORING_BENCH_REDIS_URL=redis://127.0.0.1:6379`
 * (or MOORING_TEST_REDIS_URL) also the Redis and tiered cases. Synchronous cases run in timed batches, the cases
 * taking turns each round; the table shows ns per call, the minimum over rounds and the median. Redis cases are
 * sequential awaits (latency) and 32 in flight (throughput, reported as µs of wall time per operation).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { frozenTensors, ownedTensors } from '../src/core/cache/cached-tensors.js';
import { inferenceKey } from '../src/core/cache/inference-key.js';
import type { Tensor } from '../src/core/inference/tensor.js';
import { MemoryResponseCache } from '../src/storage/memory/memory-response-cache.js';
import { openRedisResponseCache } from '../src/storage/redis/redis-response-cache.js';
import { decodeTensors, encodeTensors } from '../src/storage/redis/response-cache-codec.js';
import { TieredResponseCache } from '../src/storage/tiered-response-cache.js';
import { parseArgs, positiveNumber } from './lib.js';

const args = parseArgs(process.argv.slice(2));
const flag = (name: string, fallback: number): number => positiveNumber(args, name, fallback);

const ROUNDS = flag('rounds', 15);
const MS = flag('ms', 100);

const VERSION = { name: 'churn', version: 3, digest: 'ab'.repeat(32) };
const ONE_ROW: Tensor[] = [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: new Float32Array([0.5, 1.2, 3.4, 0.1]) }];
const HUNDRED_ROWS: Tensor[] = [
  { name: 'features', datatype: 'FP32', shape: [100, 4], data: new Float32Array(400).map((_, i) => i / 3) },
];
const STRINGS: Tensor[] = [{ name: 'text', datatype: 'BYTES', shape: [1], data: ['a short review, about sixty characters of plain text.'] }];
/** The demo model's answer to one row: a probability and a label. */
const OUTPUT: Tensor[] = [
  { name: 'probability', datatype: 'FP32', shape: [1, 1], data: new Float32Array([0.73]) },
  { name: 'label', datatype: 'INT64', shape: [1], data: new BigInt64Array([1n]) },
];

let sink = 0;

function calibrate(fn: () => unknown): number {
  let batch = 100;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) if (fn() !== null) sink++;
    if (Number(process.hrtime.bigint() - t0) > 2e6) return batch;
    batch *= 2;
  }
}

/** Wall-clock and CPU-time ns per call over one slice of about MS ms (CPU time suffers less from other load). */
function slice(fn: () => unknown, batch: number): [number, number] {
  let calls = 0;
  let ns = 0;
  const cpu0 = process.cpuUsage();
  while (ns < MS * 1e6) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) if (fn() !== null) sink++;
    ns += Number(process.hrtime.bigint() - t0);
    calls += batch;
  }
  const cpu = process.cpuUsage(cpu0);
  return [ns / calls, ((cpu.user + cpu.system) * 1000) / calls];
}

const f = (n: number): string => n.toFixed(0).padStart(7);

function table(title: string, cases: Array<[string, () => unknown]>): void {
  const batches = cases.map(([, fn]) => calibrate(fn));
  const wall = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    cases.forEach(([, fn], k) => {
      const [w, c] = slice(fn, batches[k]!);
      wall[k]!.push(w);
      cpu[k]!.push(c);
    });
  }
  console.log(title);
  cases.forEach(([name], k) => {
    const w = wall[k]!.sort((a, b) => a - b);
    const c = cpu[k]!.sort((a, b) => a - b);
    const med = (s: number[]): number => s[Math.floor(s.length / 2)]!;
    console.log(`  ${name.padEnd(44)} wall min ${f(w[0]!)} median ${f(med(w))}   cpu min ${f(c[0]!)} median ${f(med(c))} ns`);
  });
  console.log('');
}

console.log(`Node ${process.version}; ${ROUNDS} rounds, ~${MS} ms per case and round\n`);

table('inferenceKey', [
  ['one row, 4 x FP32, all outputs', () => inferenceKey(VERSION, ONE_ROW, undefined)],
  ['one row, 4 x FP32, outputs [probability]', () => inferenceKey(VERSION, ONE_ROW, ['probability'])],
  ['100 rows, 400 x FP32', () => inferenceKey(VERSION, HUNDRED_ROWS, undefined)],
  ['one BYTES string (53 chars)', () => inferenceKey(VERSION, STRINGS, undefined)],
]);

const memory = new MemoryResponseCache({ maxBytes: 64 * 1024 * 1024 });
const hotKey = inferenceKey(VERSION, ONE_ROW, undefined);
memory.set(hotKey, OUTPUT, 3_600_000);
let n = 0;
table('memory cache (the demo answer: FP32 [1,1] + INT64 [1])', [
  ['get, hit', () => memory.get(hotKey)],
  ['get, miss', () => memory.get('absent')],
  ['key + get, hit (what a cached request adds)', () => memory.get(inferenceKey(VERSION, ONE_ROW, undefined))],
  ['set, a new key each time (copy + freeze)', () => memory.set(`k${n++ % 100_000}`, OUTPUT, 3_600_000)],
  ['store choice: copy + freeze (ownedTensors)', () => ownedTensors(OUTPUT)],
  ['store choice: freeze only (no copy)', () => frozenTensors([...OUTPUT].map((t) => ({ ...t })))],
  ['Redis value: encode', () => encodeTensors(OUTPUT, Date.now() + 60_000)],
  ['Redis value: decode', ((b) => () => decodeTensors(b))(encodeTensors(OUTPUT, Date.now() + 60_000))],
]);

const redisUrl = process.env['MOORING_BENCH_REDIS_URL'] ?? process.env['MOORING_TEST_REDIS_URL'];
if (redisUrl === undefined || redisUrl === '') {
  console.log('Redis cases skipped: set MOORING_BENCH_REDIS_URL=redis://127.0.0.1:6379 to run them');
} else {
  const prefix = `mooring_bench_cache:${randomBytes(3).toString('hex')}:`;
  const logger = { warn: (o: object, m: string) => console.error(m, o) };
  const redis = await openRedisResponseCache(redisUrl, { keyPrefix: prefix, logger, commandTimeoutMs: 1000 });
  const tiered = new TieredResponseCache(new MemoryResponseCache({ maxBytes: 64 * 1024 * 1024 }), redis);
  await redis.set(hotKey, OUTPUT, 3_600_000);
  const OPS = 20_000;
  const sequential = async (op: (i: number) => unknown): Promise<number> => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < OPS / 4; i++) await op(i);
    return Number(process.hrtime.bigint() - t0) / (OPS / 4) / 1000;
  };
  const concurrent = async (op: (i: number) => unknown, inFlight = 32): Promise<number> => {
    const t0 = process.hrtime.bigint();
    let next = 0;
    await Promise.all(Array.from({ length: inFlight }, async () => { while (next < OPS) await op(next++); }));
    return Number(process.hrtime.bigint() - t0) / OPS / 1000;
  };
  const cases: Array<[string, (i: number) => unknown]> = [
    ['redis get, hit', () => redis.get(hotKey)],
    ['redis get, miss', () => redis.get('absent')],
    ['redis set (SET PX)', (i) => redis.set(`k${i}`, OUTPUT, 60_000)],
    ['tiered get, memory hit', () => tiered.get(hotKey)],
  ];
  console.log('Redis cache (µs per operation: sequential awaits = latency; 32 in flight = throughput)');
  for (const [name, op] of cases) {
    await sequential(op); // warm-up
    const seq: number[] = [];
    const par: number[] = [];
    for (let r = 0; r < 3; r++) {
      seq.push(await sequential(op));
      par.push(await concurrent(op));
    }
    console.log(`  ${name.padEnd(44)} sequential ${Math.min(...seq).toFixed(1).padStart(6)} µs   32 in flight ${Math.min(...par).toFixed(1).padStart(6)} µs`);
  }
  console.log(`  errors counted: ${redis.stats().errors}`);
  await tiered.close();
  const admin = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await admin.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await admin.quit();
}
if (sink < 0) console.log(sink);
