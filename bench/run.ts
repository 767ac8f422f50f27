/**
 * The load benchmark: runs the scenarios of `scenarios.ts` group by group (the demo model with one-row requests,
 * 100-row requests, the compute-heavy model at 64 connections). Within a group, by default all HTTP servers are
 * started as child processes, checked and warmed up, then loaded in alternating slices (only one under load at any
 * moment) so drift hits them alike; `--sequential` runs one server at a time instead. Records requests/s, exact
 * p50/p99 latency, errors, resident memory and server CPU per request; every ratio is to the scenario's own baseline
 * and limit. Writes the results section of bench/README.md (between the `results` markers) and leaves the prose alone.
 *
 * `npm run bench` (builds first). Options, as `--name value`, `--name=value` or environment variables:
 *   --duration  BENCH_DURATION     seconds of measured load per scenario and round (default 8)
 *   --warmup    BENCH_WARMUP       seconds of warm-up load before measuring (default 3)
 *   --connections BENCH_CONNECTIONS concurrent connections of the demo groups (default 16; the heavy group uses 64)
 *   --rounds    BENCH_ROUNDS       rounds (default 4)
 *   --group     BENCH_GROUP        comma-separated groups: demo, batch100, heavy (default: all)
 *   --only      BENCH_ONLY         comma-separated scenario names (default: all of the selected groups)
 *   --no-readme / --no-write  BENCH_NO_README=1  print the tables but leave bench/README.md untouched
 *   --interleave S BENCH_INTERLEAVE=S  slice length in seconds of the interleaved mode (default 2)
 *   --sequential BENCH_SEQUENTIAL=1  one server at a time per round (start, warm up, load, stop), order alternating
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cpuSnapshot, cpuSplit, loadHttp, machineInfo, parseArgs, pollPeakRss, positiveNumber, probe, rssMB, sleep, startChild, stopChild } from './lib.js';
import type { Child } from './lib.js';
import { failures, fmt, readSoakVerdict, resultsSection, resultsTables, summarize, targetRows, writeSection } from './report.js';
import type { RunSettings, Sample } from './report.js';
import { GROUP_NAMES, SCENARIOS } from './scenarios.js';
import type { GroupName, HttpScenario, InProcessScenario, Scenario } from './scenarios.js';

interface Options extends RunSettings {
  only: string[] | null;
  groups: GroupName[] | null;
  writeReadme: boolean;
}

const README = join(ROOT, 'bench', 'README.md');
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

const BOOLEAN_FLAGS = new Set(['no-readme', 'no-write', 'sequential']);

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const args = parseArgs(argv, BOOLEAN_FLAGS);
  const num = (name: string, envName: string, fallback: number): number => positiveNumber(args, name, fallback, env[envName]);
  const list = (name: string, envName: string): string[] | null => {
    const raw = args.get(name) ?? env[envName];
    return raw ? raw.split(',').map((x) => x.trim()).filter(Boolean) : null;
  };
  const groups = list('group', 'BENCH_GROUP');
  for (const g of groups ?? []) {
    if (!(GROUP_NAMES as readonly string[]).includes(g)) throw new Error(`unknown group ${g}; known: ${GROUP_NAMES.join(', ')}`);
  }
  const sequential = args.has('sequential') || env.BENCH_SEQUENTIAL === '1';
  return {
    durationS: num('duration', 'BENCH_DURATION', 8),
    warmupS: num('warmup', 'BENCH_WARMUP', 3),
    connections: Math.round(num('connections', 'BENCH_CONNECTIONS', 16)),
    rounds: Math.round(num('rounds', 'BENCH_ROUNDS', 4)),
    only: list('only', 'BENCH_ONLY'),
    groups: groups as GroupName[] | null,
    writeReadme: !(args.has('no-readme') || args.has('no-write') || env.BENCH_NO_README === '1'),
    interleaveS: sequential ? 0 : num('interleave', 'BENCH_INTERLEAVE', 2),
  };
}

const log = (line: string): void => void process.stderr.write(`[bench] ${line}\n`);

/** Children alive right now, killed if the run is interrupted. */
const running = new Set<Child>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of running) child.proc.kill('SIGKILL');
    process.exit(130);
  });
}

/** The first answer of each HTTP scenario, to check that Mooring and the baseline say the same thing. */
const answers = new Map<string, string>();
const problems: string[] = [];

/** A started, checked and warmed-up HTTP scenario. */
interface LiveServer {
  scenario: HttpScenario;
  child: Child;
  url: string;
  bodies: string[];
  connections: number;
  rssStart: number;
  rssRest: number;
}

/** Starts the scenario's server, checks every body answers 2xx, warms it up and reads its resting RSS. */
async function startHttp(s: HttpScenario, o: Options): Promise<LiveServer> {
  const child = startChild(s.server, ['0', ...(s.serverArgs ?? [])]);
  running.add(child);
  try {
    const port = Number(await child.waitFor('READY'));
    const rssStart = rssMB(child.pid);
    const url = `http://127.0.0.1:${port}${s.path}`;
    const bodies = s.bodies();
    const connections = s.connections ?? o.connections;
    for (const body of bodies) {
      const r = await probe(url, body);
      if (r.status < 200 || r.status >= 300) {
        throw new Error(`${s.name}: probe answered ${r.status}: ${JSON.stringify(r.json).slice(0, 300)}`);
      }
      if (!answers.has(s.name)) answers.set(s.name, JSON.stringify(r.json));
    }
    await loadHttp({ url, bodies, connections, durationS: o.warmupS });
    await sleep(500);
    return { scenario: s, child, url, bodies, connections, rssStart, rssRest: rssMB(child.pid) };
  } catch (err) {
    await stopHttp(child);
    throw err;
  }
}

async function stopHttp(child: Child): Promise<void> {
  await stopChild(child);
  running.delete(child);
}

/** One measured load of a live server. */
async function measureHttp(h: LiveServer, durationS: number, round: number, position: number): Promise<Sample> {
  const poll = pollPeakRss(h.child.pid);
  const before = cpuSnapshot(h.child.pid);
  const r = await loadHttp({ url: h.url, bodies: h.bodies, connections: h.connections, durationS });
  const cpu = cpuSplit(before, cpuSnapshot(h.child.pid));
  const rssPeak = poll.stop();
  const cpuUsPerReq = (cpu.childSeconds * 1e6) / r.total;
  return { scenario: h.scenario.name, round, position, ...r, rssStart: h.rssStart, rssRest: h.rssRest, rssPeak, cpuUsPerReq, othersShare: cpu.othersShare };
}

async function runInProcess(s: InProcessScenario, o: Options, round: number, position: number): Promise<Sample> {
  const concurrency = s.concurrency ?? o.connections;
  const child = startChild(s.script, [String(o.durationS), String(o.warmupS), String(concurrency), ...(s.scriptArgs ?? [])]);
  running.add(child);
  try {
    await child.waitFor('READY');
    const rssStart = rssMB(child.pid);
    await child.waitFor('WARM', (o.warmupS + 30) * 1000);
    const rssRest = rssMB(child.pid);
    const poll = pollPeakRss(child.pid);
    const before = cpuSnapshot(child.pid);
    const result = JSON.parse(await child.waitFor('RESULT', (o.durationS + 30) * 1000)) as { runs: number; runsPerSecond: number };
    const cpu = cpuSplit(before, cpuSnapshot(child.pid));
    const rssPeak = poll.stop();
    return {
      scenario: s.name,
      round,
      position,
      rps: result.runsPerSecond,
      p50: Number.NaN,
      p99: Number.NaN,
      rssStart,
      rssRest,
      rssPeak,
      total: result.runs,
      errors: 0,
      timeouts: 0,
      non2xx: 0,
      mismatches: 0,
      // the 300 ms pause between WARM and the measured phase is inside this window: idle, so it costs no CPU
      cpuUsPerReq: (cpu.childSeconds * 1e6) / result.runs,
      othersShare: cpu.othersShare,
    };
  } finally {
    await stopChild(child);
    running.delete(child);
  }
}

function report(sample: Sample): void {
  const where = `round ${sample.round}: ${sample.scenario}`;
  log(
    `${where}: ${fmt.int(sample.rps)}/s, p50 ${fmt.ms(sample.p50)} ms, p99 ${fmt.ms(sample.p99)} ms, ` +
      `RSS ${fmt.mb(sample.rssRest)}/${fmt.mb(sample.rssPeak)} MB, ${fmt.us(sample.cpuUsPerReq)} CPU µs/req, ` +
      `failures ${failures(sample)}, others' CPU ${fmt.ratio(sample.othersShare)}`,
  );
  if (failures(sample) > 0) {
    log(`!!!!! ${where}: ${sample.errors} errors, ${sample.timeouts} timeouts, ${sample.non2xx} non-2xx, ${sample.mismatches} mismatches: THESE FIGURES ARE NOT VALID !!!!!`);
  }
}

/** Starts a server; on failure records a problem and answers null, so one broken scenario does not end the run. */
async function tryStartHttp(s: HttpScenario, o: Options): Promise<LiveServer | null> {
  try {
    return await startHttp(s, o);
  } catch (err) {
    problems.push(`${s.name} could not be started or warmed up, so it has no figures: ${(err as Error).message.split('\n').slice(0, 6).join(' / ')}`);
    log(`!!!!! ${problems.at(-1)}`);
    return null;
  }
}

/** `--sequential`: per round, each scenario alone (start, warm up, load, stop); odd rounds forwards, even backwards. */
async function runSequential(scenarios: readonly Scenario[], o: Options): Promise<Sample[]> {
  const samples: Sample[] = [];
  const broken = new Set<string>();
  for (let round = 1; round <= o.rounds; round++) {
    const order = round % 2 === 1 ? scenarios : [...scenarios].reverse();
    for (let i = 0; i < order.length; i++) {
      const s = order[i]!;
      if (broken.has(s.name)) continue;
      log(`round ${round}: ${s.name} ...`);
      let sample: Sample;
      if (s.kind === 'http') {
        const h = await tryStartHttp(s, o);
        if (!h) {
          broken.add(s.name);
          continue;
        }
        try {
          sample = await measureHttp(h, o.durationS, round, i + 1);
        } finally {
          await stopHttp(h.child);
        }
      } else {
        sample = await runInProcess(s, o, round, i + 1);
      }
      samples.push(sample);
      report(sample);
    }
  }
  return samples;
}

/**
 * The default: all HTTP servers of the group start and warm up, then take turns under load in slices of S seconds
 * (forwards, backwards, ...) until each had `rounds x duration` seconds; only one is loaded at any moment and the
 * others sit idle. Slow changes of the machine's speed then hit every server alike, which the sequential mode
 * cannot promise on a noisy VM. Each slice counts as a "round". In-process scenarios run afterwards, as usual.
 */
async function runInterleaved(scenarios: readonly Scenario[], o: Options): Promise<Sample[]> {
  const http = scenarios.filter((s): s is HttpScenario => s.kind === 'http');
  const samples: Sample[] = [];
  const live: LiveServer[] = [];
  try {
    for (const s of http) {
      log(`starting and warming up ${s.name} ...`);
      const h = await tryStartHttp(s, o);
      if (h) live.push(h);
    }
    const slices = Math.max(1, Math.round((o.rounds * o.durationS) / o.interleaveS));
    log(`${slices} slice(s) of ${o.interleaveS} s per server, taking turns`);
    for (let slice = 1; slice <= slices; slice++) {
      const order = slice % 2 === 1 ? live : [...live].reverse();
      for (let i = 0; i < order.length; i++) {
        const sample = await measureHttp(order[i]!, o.interleaveS, slice, i + 1);
        samples.push(sample);
        report(sample);
      }
    }
  } finally {
    for (const h of live) await stopHttp(h.child);
  }
  for (const s of scenarios) {
    if (s.kind !== 'inprocess') continue;
    for (let round = 1; round <= o.rounds; round++) {
      log(`round ${round}: ${s.name} ...`);
      const sample = await runInProcess(s, o, round, 1);
      samples.push(sample);
      report(sample);
    }
  }
  return samples;
}

/** The scenarios `--group` and `--only` select, in SCENARIOS order. */
function select(o: Options): Scenario[] {
  const known = SCENARIOS.map((s) => s.name);
  for (const n of o.only ?? []) if (!known.includes(n)) throw new Error(`unknown scenario ${n}; known: ${known.join(', ')}`);
  return SCENARIOS.filter((s) => (o.groups === null || o.groups.includes(s.group)) && (o.only === null || o.only.includes(s.name)));
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2), process.env);
  const scenarios = select(o);
  if (scenarios.length === 0) throw new Error('no scenario matches --group and --only together');
  const machine = machineInfo();
  const started = Date.now();
  log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}; load avg ${machine.loadBefore}`);
  log(
    `${o.rounds} round(s) x ${scenarios.length} scenario(s): ${o.warmupS} s warm-up + ${o.durationS} s load, ${o.connections} connections ` +
      `(heavy group: 64)` + (o.interleaveS > 0 ? `, interleaved within each group in ${o.interleaveS} s slices` : ', sequential'),
  );
  const samples: Sample[] = [];
  for (const g of GROUP_NAMES) {
    const mine = scenarios.filter((s) => s.group === g);
    if (mine.length === 0) continue;
    log(`group ${g}: ${mine.map((s) => s.name).join(', ')}`);
    samples.push(...(o.interleaveS > 0 ? await runInterleaved(mine, o) : await runSequential(mine, o)));
  }
  for (const s of scenarios) {
    if (s.kind !== 'http' || !s.sameAnswerAs || !answers.has(s.sameAnswerAs) || !answers.has(s.name)) continue;
    if (answers.get(s.name) !== answers.get(s.sameAnswerAs)) {
      problems.push(`${s.name} and ${s.sameAnswerAs} answered the same request differently: ${answers.get(s.name)} vs ${answers.get(s.sameAnswerAs)}`);
    }
  }
  for (const p of problems) log(`!!!!! ${p}`);
  const summaries = summarize(scenarios, samples);
  const soak = readSoakVerdict(readFileSync(README, 'utf8'));
  const targets = targetRows(summaries, samples, soak)
    .map((r) => `- ${r.met === null ? 'not measured' : r.met ? 'met' : 'MISSED'}: ${r.text}: ${r.measured}`)
    .join('\n');
  process.stdout.write(`\n${resultsTables(summaries)}\n\nTargets:\n${targets}\n`);
  log(`finished in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
  if (o.writeReadme) {
    writeSection(README, START, END, resultsSection(machine, o, scenarios, samples, summaries, problems, soak));
    log(`wrote the results section of ${README}`);
  }
  if (summaries.some((s) => s.failures > 0) || problems.length > 0) process.exitCode = 1;
}

await main();
