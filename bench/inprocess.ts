/**
 * The in-process limit: onnxruntime-node `session.run` on the demo model in a tight async loop, 16 runs in flight,
 * no HTTP and no JSON. No server can beat this on the same core; it says how much of the budget HTTP + JSON +
 * Mooring take.
 *
 * Usage: `node --import tsx bench/inprocess.ts [durationSeconds] [warmupSeconds] [concurrency]`
 * (also `BENCH_DURATION`, `BENCH_WARMUP`, `BENCH_CONCURRENCY`). Prints `READY <pid>` once the session is loaded,
 * then after the warm-up and the measured period one line `RESULT {"runs":..,"seconds":..,"runsPerSecond":..}`.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildDemoModel } from '../src/demo/demo-model.js';
import { demoRows } from './requests.js';

const durationS = Number(process.argv[2] ?? process.env.BENCH_DURATION ?? 10);
const warmupS = Number(process.argv[3] ?? process.env.BENCH_WARMUP ?? 3);
const concurrency = Number(process.argv[4] ?? process.env.BENCH_CONCURRENCY ?? 16);

const session = await InferenceSession.create(buildDemoModel().bytes, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const inputName = session.inputNames[0]!;
const rows = demoRows(8).map((r) => Float32Array.from(r));

/** Runs until `until` (ms since epoch); returns how many runs finished. A fresh tensor per run, as a server makes. */
async function loop(until: number, offset: number): Promise<number> {
  let n = 0;
  let i = offset;
  while (Date.now() < until) {
    const data = rows[i++ % rows.length]!;
    await session.run({ [inputName]: new Tensor('float32', data.slice(), [1, data.length]) });
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
