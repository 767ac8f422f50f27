/**
 * The soak: does the Mooring server's memory stay flat under steady load? Starts the real server (demo model, every
 * feature on: validation, metrics, prediction log), measures its capacity briefly (as fast as it answers, 16
 * connections), then loads it at a fixed 60% of that for 10 minutes while sampling its resident memory (VmRSS from
 * /proc) and V8 heap (from its own /metrics) every few seconds. The least-squares slope of RSS after the warm-up
 * (the first 2 minutes, or 20% of a shorter run) must stay under 1 MB per 10 minutes. Writes the Soak section of
 * bench/README.md (between the `soak` markers). Load stays on 127.0.0.1 and ends when the time is up.
 *
 * `npm run bench:soak` (builds first). Options, as `--name value` or `--name=value`:
 *   --minutes N          minutes of fixed-rate load (default 10; `--minutes 1` for a quick check)
 *   --warmup-minutes N   minutes excluded from the slope (default: 2, or 20% of a run shorter than 10 minutes)
 *   --share F            the fixed rate as a share of the measured capacity (default 0.6)
 *   --connections N      connections (default 16)
 *   --capacity-seconds N seconds of the capacity measurement (default 10)
 *   --sample-seconds N   seconds between memory samples (default 5)
 *   --no-readme / --no-write   print the summary, leave bench/README.md alone
 *   --readme FILE        write the section into FILE instead of bench/README.md
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ROOT, loadHttp, machineInfo, median, probe, rssMB, startChild, stopChild } from './lib.js';
import type { Child, LoadResult } from './lib.js';
import { SOAK_SUMMARY_PREFIX, fmt, writeSection } from './report.js';
import type { SoakVerdict } from './report.js';
import { oneRowBodies } from './requests.js';
import { defaultWarmupS, memoryTrend } from './stats.js';
import type { MemorySample, MemoryTrend } from './stats.js';

const START = '<!-- soak:start -->';
const END = '<!-- soak:end -->';
/** The issue's bound on memory growth after warm-up. */
const MAX_SLOPE_MB_PER_10_MIN = 1;
const PATH = '/v2/models/churn/infer';

interface SoakOptions {
  minutes: number;
  warmupS: number;
  share: number;
  connections: number;
  capacityS: number;
  sampleS: number;
  readme: string | null;
}

function parseOptions(argv: readonly string[]): SoakOptions {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--no-readme' || a === '--no-write') args.set('no-readme', '1');
    else args.set(a.slice(2), argv[++i] ?? '');
  }
  const num = (name: string, fallback: number): number => {
    const raw = args.get(name);
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
    return v;
  };
  const minutes = num('minutes', 10);
  const share = num('share', 0.6);
  if (share > 1) throw new Error(`--share is a fraction of capacity (0-1], got ${share}`);
  return {
    minutes,
    warmupS: args.has('warmup-minutes') ? num('warmup-minutes', 2) * 60 : defaultWarmupS(minutes),
    share,
    connections: Math.round(num('connections', 16)),
    capacityS: num('capacity-seconds', 10),
    sampleS: num('sample-seconds', 5),
    readme: args.has('no-readme') ? null : resolve(args.get('readme') || join(ROOT, 'bench', 'README.md')),
  };
}

const log = (line: string): void => void process.stderr.write(`[soak] ${line}\n`);

/** The server's V8 heap in use (MB) from its Prometheus text; NaN when it cannot be read. */
async function heapMB(base: string): Promise<number> {
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const m = /^mooring_nodejs_heap_size_used_bytes\s+([0-9.e+]+)/m.exec(text);
    return m ? Number(m[1]) / 1024 / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** One fixed-rate load segment. */
interface Segment extends LoadResult {
  /** Seconds since the fixed-rate load began, at the segment's end. */
  end: number;
  rssMB: number;
  heapMB: number;
}

function failuresOf(r: LoadResult): number {
  return r.errors + r.timeouts + r.non2xx + r.mismatches;
}

function section(o: SoakOptions, capacity: LoadResult, rate: number, segments: readonly Segment[], samples: readonly MemorySample[], trend: MemoryTrend): string {
  const m = machineInfo();
  const met = trend.rssSlopePer10Min < MAX_SLOPE_MB_PER_10_MIN;
  const total = segments.reduce((a, s) => a + s.total, 0);
  const failed = segments.reduce((a, s) => a + failuresOf(s), 0);
  const seconds = segments.at(-1)?.end ?? 0;
  const verdict: SoakVerdict = { date: m.date, minutes: o.minutes, slopeMBPer10Min: Number(trend.rssSlopePer10Min.toFixed(3)), met };
  const start = samples[0];
  return [
    '## Soak results',
    '',
    `Generated by \`npm run bench:soak\` on ${m.date.slice(0, 10)} (${m.date}). Do not edit this section by hand: the next soak replaces it.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB memory, ${m.os}; Node ${m.node}, onnxruntime-node ${m.onnxruntime}, autocannon ${m.autocannon}`,
    `- Server: \`bench/mooring-server.ts\` (dist/, demo model, every feature on: validation against the training profile, request metrics, prediction log)`,
    `- Capacity: ${fmt.int(capacity.rps)} req/s over ${o.capacityS} s at ${o.connections} connections (p99 ${fmt.ms(capacity.p99)} ms); ` +
      `soak load: ${fmt.int(rate)} req/s (${Math.round(o.share * 100)}%) with autocannon's \`overallRate\` (each connection sends its share ` +
      `of each second, then waits), ${o.minutes} minute(s), one-row v2 bodies rotating as in the benchmark`,
    `- Memory sampled every ${o.sampleS} s: VmRSS from /proc/<pid>/status, V8 heap in use from the server's /metrics ` +
      `(\`mooring_nodejs_heap_size_used_bytes\`); the slope is the least-squares fit over the samples after the first ` +
      `${(o.warmupS / 60).toFixed(1)} minute(s) (${trend.samples} samples)`,
    '',
    `**${met ? 'Met' : 'Missed'}:** RSS grew ${trend.rssSlopePer10Min.toFixed(2)} MB per 10 minutes after warm-up (target: under ` +
      `${MAX_SLOPE_MB_PER_10_MIN} MB); the V8 heap ${Number.isFinite(trend.heapSlopePer10Min) ? `${trend.heapSlopePer10Min.toFixed(2)} MB per 10 minutes` : 'was not read'}. ` +
      `RSS ${fmt.mb1(start?.rssMB ?? Number.NaN)} MB when the fixed-rate load began, ${fmt.mb1(trend.rssFirst)} MB after warm-up, ` +
      `${fmt.mb1(trend.rssLast)} MB at the end, ${fmt.mb1(trend.rssMax)} MB at most. ${fmt.int(total)} requests in ${fmt.int(seconds)} s ` +
      `(${fmt.int(total / Math.max(1, seconds))} req/s), ${failed} failed.`,
    '',
    '| load time s | req/s | p50 ms | p99 ms | failed | RSS MB | heap MB |',
    '|--:|--:|--:|--:|--:|--:|--:|',
    ...segments.map(
      (s) => `| ${fmt.int(s.end)} | ${fmt.int(s.rps)} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${failuresOf(s)} | ${fmt.mb1(s.rssMB)} | ${fmt.mb1(s.heapMB)} |`,
    ),
    '',
    `${SOAK_SUMMARY_PREFIX}${JSON.stringify(verdict)} -->`,
  ].join('\n');
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const child: Child = startChild('mooring-server.ts', ['0']);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      child.proc.kill('SIGKILL');
      process.exit(130);
    });
  }
  try {
    const port = Number(await child.waitFor('READY'));
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}${PATH}`;
    const bodies = oneRowBodies();
    for (const body of bodies) {
      const r = await probe(url, body);
      if (r.status !== 200) throw new Error(`probe answered ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
    }
    log(`server pid ${child.pid} on port ${port}; warming up 3 s, then measuring capacity for ${o.capacityS} s`);
    await loadHttp({ url, bodies, connections: o.connections, durationS: 3 });
    const capacity = await loadHttp({ url, bodies, connections: o.connections, durationS: o.capacityS });
    if (failuresOf(capacity) > 0) throw new Error(`${failuresOf(capacity)} requests failed while measuring capacity`);
    const rate = capacity.rps * o.share;
    const totalS = o.minutes * 60;
    // Ten segments (at most a minute each), each one autocannon run at the fixed rate: per-segment rates and latency.
    const segmentS = Math.max(5, Math.min(60, Math.round(totalS / 10)));
    log(`capacity ${fmt.int(capacity.rps)} req/s; soaking at ${fmt.int(rate)} req/s for ${o.minutes} min in ${segmentS}-s segments`);

    const samples: MemorySample[] = [];
    const t0 = performance.now();
    const elapsed = (): number => (performance.now() - t0) / 1000;
    const sample = async (): Promise<MemorySample> => {
      const s = { t: elapsed(), rssMB: rssMB(child.pid), heapMB: await heapMB(base) };
      samples.push(s);
      return s;
    };
    await sample();
    const timer = setInterval(() => void sample(), o.sampleS * 1000);
    const segments: Segment[] = [];
    try {
      while (elapsed() < totalS - 0.5) {
        const durationS = Math.max(1, Math.min(segmentS, Math.round(totalS - elapsed())));
        const r = await loadHttp({ url, bodies, connections: o.connections, durationS, overallRate: rate });
        const last = await sample();
        segments.push({ ...r, end: last.t, rssMB: last.rssMB, heapMB: last.heapMB });
        log(
          `${fmt.int(last.t)} s: ${fmt.int(r.rps)} req/s, p99 ${fmt.ms(r.p99)} ms, ${failuresOf(r)} failed, RSS ${fmt.mb1(last.rssMB)} MB, heap ${fmt.mb1(last.heapMB)} MB`,
        );
      }
    } finally {
      clearInterval(timer);
    }
    samples.sort((a, b) => a.t - b.t);
    const trend = memoryTrend(samples, o.warmupS);
    const met = trend.rssSlopePer10Min < MAX_SLOPE_MB_PER_10_MIN;
    const failed = segments.reduce((a, s) => a + failuresOf(s), 0);
    const achieved = median(segments.map((s) => s.rps));
    process.stdout.write(
      `\nsoak: ${o.minutes} min at ${fmt.int(rate)} req/s target (median segment ${fmt.int(achieved)} req/s), ${failed} failed\n` +
        `RSS slope after ${(o.warmupS / 60).toFixed(1)} min warm-up: ${trend.rssSlopePer10Min.toFixed(3)} MB / 10 min ` +
        `(${met ? 'met' : 'MISSED'}: under ${MAX_SLOPE_MB_PER_10_MIN}); heap slope ${trend.heapSlopePer10Min.toFixed(3)} MB / 10 min; ` +
        `RSS ${fmt.mb1(samples[0]?.rssMB ?? Number.NaN)} -> ${fmt.mb1(trend.rssLast)} MB (max ${fmt.mb1(trend.rssMax)})\n`,
    );
    if (o.readme) {
      writeSection(o.readme, START, END, section(o, capacity, rate, segments, samples, trend));
      log(`wrote the soak section of ${o.readme}`);
      // A quick read-back, so a broken marker is noticed now rather than by the next `npm run bench`.
      if (!readFileSync(o.readme, 'utf8').includes(SOAK_SUMMARY_PREFIX)) throw new Error(`the soak section of ${o.readme} was not written`);
    }
    if (!met || failed > 0) process.exitCode = 1;
  } finally {
    await stopChild(child);
  }
}

await main();
