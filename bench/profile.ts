/**
 * CPU profile of a benchmark server under the same load `run.ts` applies: starts the scenario's server with
 * `node --cpu-prof`, warms it up, loads it, stops it gracefully (so the profile is written), and prints the top
 * self-time functions and a per-package split of the samples.
 *
 * `npm run bench:profile` (builds first), or `tsx bench/profile.ts [--target <scenario>] [--duration 10]
 * [--warmup 3] [--connections 16] [--top 30]`; `tsx bench/profile.ts --summarize file.cpuprofile` summarizes an
 * existing profile. Profiles go to a temporary directory whose path is printed.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, loadHttp, sleep, startChild, stopChild } from './lib.js';
import { SCENARIOS, TARGET_SCENARIO } from './scenarios.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

function arg(name: string, fallback: string): string {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === `--${name}`) return argv[i + 1] ?? fallback;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
  }
  return fallback;
}

/** Where a frame's code lives, coarsely: a package, Mooring's dist/ or bench/, node internals, or V8/native. */
function owner(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native / V8 builtins)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/dist/')) return 'mooring dist/';
  if (url.includes('/bench/') || url.includes('/src/')) return 'bench + src (tsx)';
  return url;
}

function shortUrl(url: string): string {
  const i = url.indexOf(ROOT);
  const rel = i >= 0 ? url.slice(i + ROOT.length) : url.replace(/^file:\/\//, '');
  return rel.replace(/^.*node_modules\//, '');
}

/** A window of the monotonic clock in microseconds (V8's profile clock and `process.hrtime` agree on Linux). */
export interface Window {
  startUs: number;
  endUs: number;
}

const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/**
 * Prints the `top` self-time functions and the split per owner; returns the text. With `window`, only samples taken
 * inside it count (the load, not start-up and module loading); if none fall inside, all samples count.
 */
export function summarize(file: string, top: number, window?: Window, requests?: number): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>(p.nodes.map((n) => [n.id, n]));
  const tally = (w: Window | undefined): Map<number, number> => {
    const selfUs = new Map<number, number>();
    let t = p.startTime;
    for (let i = 0; i < p.samples.length; i++) {
      const delta = p.timeDeltas[i] ?? 0;
      t += delta;
      if (w && (t < w.startUs || t > w.endUs)) continue;
      const id = p.samples[i]!;
      selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
    }
    return selfUs;
  };
  let selfUs = tally(window);
  const windowed = window !== undefined && selfUs.size > 0;
  if (!windowed) selfUs = tally(undefined);
  const fnTotals = new Map<string, number>();
  const ownerTotals = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    if (f.functionName === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const key = `${f.functionName || '(anonymous)'}  ${f.url ? `${shortUrl(f.url)}:${f.lineNumber + 1}` : ''}`.trim();
    fnTotals.set(key, (fnTotals.get(key) ?? 0) + us);
    const o = owner(f.url, f.functionName);
    ownerTotals.set(o, (ownerTotals.get(o) ?? 0) + us);
  }
  const perReq = windowed && requests ? (us: number): string => `${(us / requests).toFixed(2).padStart(7)} µs/req` : (): string => '';
  const pct = (us: number): string => `${((us / total) * 100).toFixed(1).padStart(5)}%${perReq(us)}`;
  const lines = [
    `profile ${file}`,
    `${windowed ? 'measured load only' : 'whole process life'}: busy ${(total / 1e6).toFixed(2)} s, idle ${(idle / 1e6).toFixed(2)} s ` +
      `(main thread; percentages are of busy time${windowed && requests ? `; ${requests} requests, ${(total / requests).toFixed(1)} µs busy each` : ''})`,
    '',
    `top ${top} functions by self time:`,
    ...[...fnTotals.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `  ${pct(us)}  ${k}`),
    '',
    'self time by owner:',
    ...[...ownerTotals.entries()].sort((a, b) => b[1] - a[1]).map(([k, us]) => `  ${pct(us)}  ${k}`),
  ];
  const text = lines.join('\n');
  process.stdout.write(text + '\n');
  return text;
}

async function main(): Promise<void> {
  const existing = arg('summarize', '');
  const top = Number(arg('top', '30'));
  if (existing) {
    summarize(existing, top);
    return;
  }
  const name = arg('target', TARGET_SCENARIO);
  const scenario = SCENARIOS.find((s) => s.name === name);
  if (!scenario || scenario.kind !== 'http') throw new Error(`--target must name an HTTP scenario, got ${name}`);
  const durationS = Number(arg('duration', '10'));
  const warmupS = Number(arg('warmup', '3'));
  const connections = Number(arg('connections', String(scenario.connections ?? 16)));
  const dir = mkdtempSync(join(tmpdir(), `mooring-prof-${name}-`));
  const child = startChild(scenario.server, ['0', ...(scenario.serverArgs ?? [])], ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  let window: Window | undefined;
  let requests: number | undefined;
  try {
    const port = Number(await child.waitFor('READY'));
    const url = `http://127.0.0.1:${port}${scenario.path}`;
    const bodies = scenario.bodies();
    await loadHttp({ url, bodies, connections, durationS: warmupS });
    await sleep(300);
    const startUs = nowUs();
    const r = await loadHttp({ url, bodies, connections, durationS });
    window = { startUs, endUs: nowUs() };
    requests = r.total;
    process.stderr.write(`[profile] ${name}: ${Math.round(r.rps)} req/s under the profiler, ${r.errors + r.non2xx} failed\n`);
  } finally {
    await stopChild(child, 20_000);
  }
  // One file per thread (the tsx loader hooks run on their own thread); the main thread's has thread id 0.
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort();
  const file = files.find((f) => /\.0\.\d+\.cpuprofile$/.test(f)) ?? files[0];
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did the server exit gracefully?`);
  summarize(join(dir, file), top, window, requests);
}

// Run only as a script, so other bench scripts can import `summarize`.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) await main();
