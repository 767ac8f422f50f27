/**
 * The in-process limit: onnxruntime-node `session.run` in a tight async loop, as many runs in flight as the HTTP
 * scenarios have connections, no HTTP and no JSON. No server can beat this on the same cores; it says how much of
 * the budget HTTP + JSON + Mooring take.
 *
 * Usage: `node --import tsx bench/inprocess.ts [durationSeconds] [warmupSeconds] [concurrency] [demo|heavy] [rows]`
 * (also `BENCH_DURATION`, `BENCH_WARMUP`, `BENCH_CONCURRENCY`). `demo` (default) runs the demo churn model, `heavy`
 * the compute-heavy MLP of bench/heavy-model.ts; `rows` (default 1) is the rows per run (100 for the batch group:
 * the limit of a 100-row request). Prints `READY <pid>` once the session is loaded, `WARM` after the warm-up, then
 * after the measured period one line `RESULT {"runs":..,"seconds":..,"runsPerSecond":..}` (runs, not rows).
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildDemoModel } from '../src/demo/demo-model.js';
import { HEAVY_INPUTS, buildHeavyModel, heavyRows } from './heavy-model.js';
import { demoRows } from './requests.js';

const durationS = Number(process.argv[2] ?? process.env.BENCH_DURATION ?? 10);
const warmupS = Number(process.argv[3] ?? process.env.BENCH_WARMUP ?? 3);
const concurrency = Number(process.argv[4] ?? process.env.BENCH_CONCURRENCY ?? 16);
const model = process.argv[5] ?? 'demo';
const rowsPerRun = Number(process.argv[6] ?? 1);
if (model !== 'demo' && model !== 'heavy') throw new Error(`inprocess: unknown model ${JSON.stringify(model)} (demo or heavy)`);
if (!Number.isInteger(rowsPerRun) || rowsPerRun < 1) throw new Error(`inprocess: rows must be a positive whole number, got ${process.argv[6]}`);

const heavy = model === 'heavy';
const session = await InferenceSession.create(heavy ? buildHeavyModel().bytes : buildDemoModel().bytes, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const inputName = session.inputNames[0]!;
const width = heavy ? HEAVY_INPUTS : 4;
// The same rows the HTTP scenarios send: 8 different inputs of `rowsPerRun` rows each.
const source = heavy ? heavyRows(8 * rowsPerRun) : demoRows(8 * rowsPerRun);
const inputs = Array.from({ length: 8 }, (_, i) => Float32Array.from(source.slice(i * rowsPerRun, (i + 1) * rowsPerRun).flat()));

/** Runs until `until` (ms since epoch); returns how many runs finished. A fresh tensor per run, as a server makes. */
async function loop(until: number, offset: number): Promise<number> {
  let n = 0;
  let i = offset;
  while (Date.now() < until) {
    const data = inputs[i++ % inputs.length]!;
    await session.run({ [inputName]: new Tensor('float32', data.slice(), [rowsPerRun, width]) });
    n++;
  }
  return n;
}

async function phase(seconds: number): Promise<{ runs: number; seconds: number }> {
  const start = performance.now();
  const until = Date.now() + seconds * 1000;
  const counts = await Promise.all(Array.from({ length: concurrency }, (_, k) => loop(until, k)));
  return { runs: counts.reduce((a, b) => a + b, 0), seconds: (performance.now() - start) / 1000 };
}

process.stdout.write(`READY ${process.pid}\n`);
await phase(warmupS);
// The orchestrator samples RSS at rest between these two lines.
process.stdout.write('WARM\n');
await new Promise((r) => setTimeout(r, 300));
const measured = await phase(durationS);
process.stdout.write(`RESULT ${JSON.stringify({ ...measured, runsPerSecond: measured.runs / measured.seconds })}\n`);
await session.release();
