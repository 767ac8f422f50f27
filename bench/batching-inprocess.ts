/**
 * Adaptive batching, in process: 64 concurrent clients each send one single-row request, wait for the answer,
 * and send the next (a closed loop, no HTTP, no JSON). Compares calling the model directly with going through the
 * DynamicBatcher at maxInflight 1 and 2, on the MLP fixture (tiny: 8 -> 16 -> 3) and on a larger MLP
 * (64 -> 1024 -> 1024 -> 512 -> 512 -> 1, four hidden dense layers with Relu), one intra-op thread (the server's
 * default).
 *
 * With `jitter` > 0 each client waits 0..jitter event-loop turns (setImmediate) before its next request, so
 * arrivals are spread out instead of coming back in lock-step with the last batch; that is where maxInflight
 * makes a difference (with lock-step clients every batch is full and the second slot is never used).
 *
 * Usage: `node --import tsx bench/batching-inprocess.ts [secondsPerCase] [clients] [jitter] [rounds]` (defaults 3,
 * 64, 0, 3). Modes are measured in interleaved rounds and the median of each figure is printed, one line per case,
 * then a JSON line `RESULT [...]` with every figure. Absolute figures move from run to run (and with whatever else
 * the 2 cores are doing): compare the ratios of one run.
 */
import { mulberry32, normal } from '../src/core/random.js';
import type { Tensor } from '../src/core/inference/tensor.js';
import { DynamicBatcher } from '../src/core/batching/dynamic-batcher.js';
import type { LoadedModel } from '../src/runtime/model-runtime.js';
import { OnnxModelRuntime } from '../src/runtime/onnx/onnx-model-runtime.js';
import { buildOnnxModel, type InitializerSpec, type NodeSpec } from '../src/runtime/onnx/onnx-graph-builder.js';
import { mlpModel } from '../test/fixtures/models.js';

const seconds = Number(process.argv[2] ?? 3);
const clients = Number(process.argv[3] ?? 64);
const jitter = Number(process.argv[4] ?? 0);
const rounds = Number(process.argv[5] ?? 3);
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A dense Relu MLP with seeded He-initialised weights: `x` FP32 [batch, widths[0]] -> `y` FP32 [batch, last]. */
function denseMlp(widths: readonly number[]): Uint8Array {
  const random = mulberry32(20261207);
  const initializers: InitializerSpec[] = [];
  const nodes: NodeSpec[] = [];
  let x = 'x';
  for (let l = 0; l < widths.length - 1; l++) {
    const fanIn = widths[l]!;
    const fanOut = widths[l + 1]!;
    const scale = Math.sqrt(2 / fanIn);
    initializers.push({ name: `w${l}`, datatype: 'FP32', dims: [fanIn, fanOut], values: Array.from({ length: fanIn * fanOut }, () => Math.fround(normal(random) * scale)) });
    initializers.push({ name: `b${l}`, datatype: 'FP32', dims: [fanOut], values: Array.from({ length: fanOut }, () => Math.fround(normal(random) * 0.01)) });
    const last = l === widths.length - 2;
    const out = last ? 'y' : `h${l}`;
    nodes.push({ op: 'Gemm', inputs: [x, `w${l}`, `b${l}`], outputs: [out] });
    if (!last) {
      nodes.push({ op: 'Relu', inputs: [out], outputs: [`r${l}`] });
      x = `r${l}`;
    }
  }
  return buildOnnxModel({
    inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, widths[0]!] }],
    outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, widths.at(-1)!] }],
    initializers,
    nodes,
    graphName: 'dense_mlp',
  });
}

type Infer = (inputs: readonly Tensor[]) => Promise<Tensor[]>;

interface Result {
  model: string;
  mode: string;
  requestsPerSecond: number;
  /** Process CPU time per request (user + system): less sensitive than req/s to other load on the machine. */
  cpuMicrosPerRequest: number;
  meanBatchRows: number;
  p50Micros: number;
  p99Micros: number;
}

/** `clients` closed loops of single-row requests for `durationS` seconds; latencies in microseconds. */
async function load(infer: Infer, rows: readonly Float32Array[], durationS: number): Promise<{ requests: number; seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  const until = performance.now() + durationS * 1000;
  let requests = 0;
  const client = async (k: number): Promise<void> => {
    let i = k;
    const random = mulberry32(k + 1);
    while (performance.now() < until) {
      for (let t = Math.floor(random() * (jitter + 1)); t > 0; t--) await turn();
      const row = rows[i++ % rows.length]!;
      const started = performance.now();
      await infer([{ name: 'x', datatype: 'FP32', shape: [1, row.length], data: row.slice() }]);
      latencies.push((performance.now() - started) * 1000);
      requests++;
    }
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, k) => client(k)));
  return { requests, seconds: (performance.now() - start) / 1000, latencies };
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** One measured period of one mode (a fresh batcher each time, warmed up first). */
async function once(model: LoadedModel, rows: readonly Float32Array[], maxInflight: number | null): Promise<Omit<Result, 'model' | 'mode'>> {
  const batcher =
    maxInflight === null
      ? null
      : new DynamicBatcher((inputs) => model.infer(inputs), { maxBatchSize: 64, maxQueueDelayMicros: 500, maxInflight });
  const infer: Infer = batcher === null ? (inputs) => model.infer(inputs) : (inputs) => batcher.submit(inputs);
  await load(infer, rows, Math.min(1, seconds / 2)); // warm-up
  const before = batcher?.counters;
  const cpu = process.cpuUsage();
  const run = await load(infer, rows, seconds);
  const used = process.cpuUsage(cpu);
  const after = batcher?.counters;
  await batcher?.close();
  const sorted = run.latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: Math.round(run.requests / run.seconds),
    cpuMicrosPerRequest: Math.round(((used.user + used.system) / run.requests) * 100) / 100,
    meanBatchRows: before && after ? Math.round(((after.rows - before.rows) / (after.runs - before.runs)) * 10) / 10 : 1,
    p50Micros: Math.round(quantile(sorted, 0.5)),
    p99Micros: Math.round(quantile(sorted, 0.99)),
  };
}

/** Every mode, `rounds` times interleaved (so drifting background load hits all modes alike); medians reported. */
async function measure(name: string, model: LoadedModel, width: number): Promise<Result[]> {
  const random = mulberry32(7);
  const rows = Array.from({ length: 256 }, () => Float32Array.from({ length: width }, () => Math.fround(normal(random))));
  const modes: [string, number | null][] = [
    ['unbatched', null],
    ['batcher maxInflight 1', 1],
    ['batcher maxInflight 2', 2],
  ];
  const samples = modes.map(() => [] as Omit<Result, 'model' | 'mode'>[]);
  for (let round = 0; round < rounds; round++) {
    for (let m = 0; m < modes.length; m++) samples[m]!.push(await once(model, rows, modes[m]![1]));
  }
  const median = (xs: number[]): number => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return modes.map(([mode], m) => {
    const s = samples[m]!;
    const result: Result = {
      model: name,
      mode,
      requestsPerSecond: median(s.map((x) => x.requestsPerSecond)),
      cpuMicrosPerRequest: median(s.map((x) => x.cpuMicrosPerRequest)),
      meanBatchRows: median(s.map((x) => x.meanBatchRows)),
      p50Micros: median(s.map((x) => x.p50Micros)),
      p99Micros: median(s.map((x) => x.p99Micros)),
    };
    console.log(
      `${name.padEnd(10)} ${mode.padEnd(22)} ${String(result.requestsPerSecond).padStart(8)} req/s  cpu ${String(result.cpuMicrosPerRequest).padStart(7)} µs/req  batch ${String(result.meanBatchRows).padStart(5)} rows  p50 ${result.p50Micros} µs  p99 ${result.p99Micros} µs  (runs: ${s.map((x) => x.requestsPerSecond).join(', ')})`,
    );
    return result;
  });
}

const runtime = new OnnxModelRuntime();
const all: Result[] = [];
for (const [name, bytes, width] of [
  ['mlp', mlpModel().bytes, 8],
  ['dense-1024', denseMlp([64, 1024, 1024, 512, 512, 1]), 64],
] as const) {
  const model = await runtime.load(bytes, { intraOpThreads: 1 });
  all.push(...(await measure(name, model, width)));
  await model.dispose();
}
console.log(`RESULT ${JSON.stringify(all)}`);
