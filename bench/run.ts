/**
 * The load benchmark: starts each scenario's server as a child process (one at a time, so servers never compete for
 * the cores), checks its answers, warms it up, loads it with autocannon from this process, and records requests/s,
 * exact p50/p99 latency, errors and resident memory. Rounds alternate the scenario order; the table shows medians.
 * Writes the results section of bench/README.md (between the `results` markers) and leaves the prose alone.
 *
 * `npm run bench` (builds first). Options, as `--name value`, `--name=value` or environment variables:
 *   --duration  BENCH_DURATION     seconds of measured load per scenario and round (default 10)
 *   --warmup    BENCH_WARMUP       seconds of warm-up load before measuring (default 3)
 *   --connections BENCH_CONNECTIONS concurrent connections (default 16)
 *   --rounds    BENCH_ROUNDS       rounds (default 2)
 *   --only      BENCH_ONLY         comma-separated scenario names (default: all)
 *   --no-readme BENCH_NO_README=1  print the table but leave bench/README.md untouched
 *   --interleave [S] BENCH_INTERLEAVE=S  start all HTTP servers at once and load them in turns of S seconds
 *               (default 2) for the same total load per server: steadier ratios on a noisy machine
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, cpuSnapshot, cpuSplit, loadHttp, machineInfo, median, pollPeakRss, probe, rssMB, sleep, startChild, stopChild } from './lib.js';
import type { Child, Machine } from './lib.js';
import { BASELINE, LIMIT, SCENARIOS, TARGET_RATIO, TARGET_SCENARIO } from './scenarios.js';
import type { HttpScenario, InProcessScenario, Scenario } from './scenarios.js';

interface Options {
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  only: string[] | null;
  writeReadme: boolean;
  /** Seconds per slice in interleaved mode; 0 = the default sequential mode. */
  interleaveS: number;
}

/** One scenario measured once. */
interface Sample {
  scenario: string;
  round: number;
  /** Position in the round's order (1-based). */
  position: number;
  rps: number;
  p50: number;
  p99: number;
  rssRest: number;
  rssPeak: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  /** CPU microseconds the server (or the in-process loop) spent per answered request (per run). */
  cpuUsPerReq: number;
  /** Share of the machine's CPU other processes took during the load (see `CpuSplit`): contention shows here. */
  othersShare: number;
}

/** Medians over rounds, per scenario. */
interface Summary {
  scenario: Scenario;
  rps: number;
  p50: number;
  p99: number;
  rssRest: number;
  rssPeak: number;
  cpuUsPerReq: number;
  failures: number;
}

const README = join(ROOT, 'bench', 'README.md');
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    if (eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--no-readme') args.set('no-readme', '1');
    else if (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) args.set(a.slice(2), '');
    else args.set(a.slice(2), argv[++i]!);
  }
  const num = (name: string, envName: string, fallback: number): number => {
    const raw = args.get(name) ?? env[envName];
    if (raw === undefined || raw === '') return fallback;
    const v = Number(raw);
    if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} / ${envName} must be a positive number, got ${raw}`);
    return v;
  };
  const only = args.get('only') ?? env.BENCH_ONLY;
  return {
    durationS: num('duration', 'BENCH_DURATION', 10),
    warmupS: num('warmup', 'BENCH_WARMUP', 3),
    connections: Math.round(num('connections', 'BENCH_CONNECTIONS', 16)),
    rounds: Math.round(num('rounds', 'BENCH_ROUNDS', 2)),
    only: only ? only.split(',').map((s) => s.trim()).filter(Boolean) : null,
    writeReadme: !(args.has('no-readme') || env.BENCH_NO_README === '1'),
    interleaveS: args.has('interleave') || env.BENCH_INTERLEAVE ? num('interleave', 'BENCH_INTERLEAVE', 2) : 0,
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
  rssRest: number;
}

/** Starts the scenario's server, checks every body answers 2xx, warms it up and reads its resting RSS. */
async function startHttp(s: HttpScenario, o: Options): Promise<LiveServer> {
  const child = startChild(s.server, ['0', ...(s.serverArgs ?? [])]);
  running.add(child);
  try {
    const port = Number(await child.waitFor('READY'));
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
    return { scenario: s, child, url, bodies, connections, rssRest: rssMB(child.pid) };
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
  return { scenario: h.scenario.name, round, position, ...r, rssRest: h.rssRest, rssPeak, cpuUsPerReq, othersShare: cpu.othersShare };
}

async function runHttp(s: HttpScenario, o: Options, round: number, position: number): Promise<Sample> {
  const h = await startHttp(s, o);
  try {
    return await measureHttp(h, o.durationS, round, position);
  } finally {
    await stopHttp(h.child);
  }
}

async function runInProcess(s: InProcessScenario, o: Options, round: number, position: number): Promise<Sample> {
  const concurrency = s.concurrency ?? o.connections;
  const child = startChild(s.script, [String(o.durationS), String(o.warmupS), String(concurrency)]);
  running.add(child);
  try {
    await child.waitFor('READY');
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

function failures(s: Sample): number {
  return s.errors + s.timeouts + s.non2xx + s.mismatches;
}

function summarize(scenarios: readonly Scenario[], samples: readonly Sample[]): Summary[] {
  return scenarios.map((scenario) => {
    const mine = samples.filter((x) => x.scenario === scenario.name);
    return {
      scenario,
      rps: median(mine.map((x) => x.rps)),
      p50: median(mine.map((x) => x.p50)),
      p99: median(mine.map((x) => x.p99)),
      rssRest: median(mine.map((x) => x.rssRest)),
      rssPeak: Math.max(...mine.map((x) => x.rssPeak)),
      cpuUsPerReq: median(mine.map((x) => x.cpuUsPerReq)),
      failures: mine.reduce((a, x) => a + failures(x), 0),
    };
  });
}

const fmt = {
  int: (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–'),
  ms: (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–'),
  mb: (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '?'),
  us: (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '–'),
  ratio: (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–'),
};

function resultsTable(summaries: readonly Summary[]): string {
  const base = summaries.find((s) => s.scenario.name === BASELINE)?.rps ?? Number.NaN;
  const limit = summaries.find((s) => s.scenario.name === LIMIT)?.rps ?? Number.NaN;
  const rows = summaries.map((s) => {
    const unit = s.scenario.kind === 'inprocess' ? ' runs/s' : '';
    return `| ${s.scenario.label} | ${fmt.int(s.rps)}${unit} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${fmt.mb(s.rssRest)} / ${fmt.mb(s.rssPeak)} | ${fmt.ratio(s.rps / base)} | ${fmt.ratio(s.rps / limit)} | ${fmt.us(s.cpuUsPerReq)} |`;
  });
  return [
    '| target | req/s | p50 ms | p99 ms | RSS rest/peak MB | ratio to bare server | ratio to in-process limit | server CPU µs/req |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
    ...rows,
  ].join('\n');
}

/** Mooring's share of the baseline within each round: the two loads ran back to back, so drift hits both alike. */
function pairedRatios(samples: readonly Sample[]): number[] {
  return pairedRatiosOf(samples, TARGET_SCENARIO, BASELINE);
}

function verdict(summaries: readonly Summary[], samples: readonly Sample[]): { text: string; met: boolean | null } {
  const base = summaries.find((s) => s.scenario.name === BASELINE);
  const target = summaries.find((s) => s.scenario.name === TARGET_SCENARIO);
  if (!base || !target) return { text: `The target was not evaluated (run both \`${BASELINE}\` and \`${TARGET_SCENARIO}\`).`, met: null };
  const ratio = target.rps / base.rps;
  const met = ratio >= TARGET_RATIO;
  const pct = (ratio * 100).toFixed(1);
  const cpu =
    ` Per request, Mooring's process spent ${fmt.us(target.cpuUsPerReq)} µs of CPU and the bare server's ${fmt.us(base.cpuUsPerReq)} µs ` +
    `(CPU-efficiency ratio ${fmt.ratio(base.cpuUsPerReq / target.cpuUsPerReq)}). ` +
    `Round by round, Mooring reached ${pairedRatios(samples).map(fmt.ratio).join(', ')} of the baseline.`;
  return {
    met,
    text: (met
      ? `**Target met:** Mooring answered ${pct}% of the bare server's requests/s (target: at least ${TARGET_RATIO * 100}%).`
      : `**Target missed:** Mooring answered ${pct}% of the bare server's requests/s (${fmt.int(target.rps)} vs ${fmt.int(base.rps)}); the target is at least ${TARGET_RATIO * 100}%.`) + cpu,
  };
}

/** What each feature costs: the scenario with it against the same server without it, round by round. */
function costSection(summaries: readonly Summary[], samples: readonly Sample[]): string[] {
  const rows: string[] = [];
  for (const s of summaries) {
    if (s.scenario.kind !== 'http') continue;
    for (const cost of s.scenario.costOf ?? []) {
      const without = summaries.find((o) => o.scenario.name === cost.without);
      if (!without) continue;
      const paired = pairedRatiosOf(samples, s.scenario.name, cost.without);
      const ratio = median(paired);
      const verdictText = cost.target === undefined ? '' : ratio >= cost.target ? 'met' : `**missed** (target ${fmt.ratio(cost.target)})`;
      rows.push(
        `| ${cost.feature} | ${fmt.int(s.rps)} | ${fmt.int(without.rps)} | ${fmt.ratio(ratio)} (${paired.map(fmt.ratio).join(', ')}) | ` +
          `${fmt.us(s.cpuUsPerReq - without.cpuUsPerReq)} | ${verdictText} |`,
      );
    }
  }
  if (rows.length === 0) return [];
  return [
    '',
    '### Cost of each feature',
    '',
    'Each row compares a scenario with the same server without the feature. The ratio is the median of the per-round ratios ' +
      '(each round loads both back to back or interleaved, so drift hits both alike); the CPU column is the extra server CPU per request.',
    '',
    '| feature | with, req/s | without, req/s | throughput with / without (per round) | extra CPU µs/req | target |',
    '|---|--:|--:|--:|--:|---|',
    ...rows,
  ];
}

/** `a`'s throughput over `b`'s within each round. */
function pairedRatiosOf(samples: readonly Sample[], a: string, b: string): number[] {
  const out: number[] = [];
  for (const round of new Set(samples.map((s) => s.round))) {
    const x = samples.find((s) => s.round === round && s.scenario === a);
    const y = samples.find((s) => s.round === round && s.scenario === b);
    if (x && y) out.push(x.rps / y.rps);
  }
  return out;
}

function perRoundTable(samples: readonly Sample[], scenarios: readonly Scenario[]): string {
  const label = (name: string): string => scenarios.find((s) => s.name === name)?.label ?? name;
  return [
    '| round | order | target | req/s | p50 ms | p99 ms | RSS rest/peak MB | CPU µs/req | failed requests | others\' CPU share |',
    '|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|',
    ...samples.map(
      (s) =>
        `| ${s.round} | ${s.position} | ${label(s.scenario)} | ${fmt.int(s.rps)} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${fmt.mb(s.rssRest)} / ${fmt.mb(s.rssPeak)} | ${fmt.us(s.cpuUsPerReq)} | ${failures(s)} | ${fmt.ratio(s.othersShare)} |`,
    ),
  ].join('\n');
}

function resultsSection(m: Machine, o: Options, scenarios: readonly Scenario[], samples: readonly Sample[], summaries: readonly Summary[]): string {
  const v = verdict(summaries, samples);
  const lines = [
    `## Results`,
    '',
    `Generated by \`npm run bench\` on ${m.date.slice(0, 10)} (${m.date}). Do not edit this section by hand: the next run replaces it.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB memory, ${m.os}`,
    `- Software: Node ${m.node}, onnxruntime-node ${m.onnxruntime}, autocannon ${m.autocannon}`,
    (o.interleaveS > 0
      ? `- Settings: interleaved, servers loaded in turns of ${o.interleaveS} s for ${o.rounds} x ${o.durationS} s each after ${o.warmupS} s warm-up, `
      : `- Settings: ${o.rounds} round(s), ${o.durationS} s measured after ${o.warmupS} s warm-up per scenario, `) +
      `${o.connections} connections, pipelining 1, 8 rotating one-row v2 bodies; figures are medians over rounds (peak RSS: the highest)`,
    `- Load average before the run (1/5/15 min): ${m.loadBefore}. "Others' CPU share" in the per-measurement table is the machine's CPU that ` +
      `other processes took during each load: above a few percent, the throughput figures are squeezed by contention ` +
      `and the CPU µs per request column is the steadier comparison`,
    '',
    resultsTable(summaries),
    '',
    v.text,
    ...costSection(summaries, samples),
  ];
  const failed = summaries.filter((s) => s.failures > 0);
  if (failed.length > 0) {
    lines.push('', `**WARNING: failed requests** (errors, timeouts, non-2xx or mismatches): ${failed.map((s) => `${s.scenario.label}: ${s.failures}`).join('; ')}. These figures are not valid.`);
  }
  for (const p of problems) lines.push('', `**WARNING:** ${p}`);
  lines.push('', '<details><summary>Every measurement</summary>', '', perRoundTable(samples, scenarios), '', '</details>');
  return lines.join('\n');
}

const SKELETON = `# Benchmarks\n\nRun \`npm run bench\`.\n\n${START}\n${END}\n`;

function writeReadme(section: string): void {
  const text = existsSync(README) ? readFileSync(README, 'utf8') : SKELETON;
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  const next =
    a >= 0 && b > a
      ? `${text.slice(0, a + START.length)}\n${section}\n${text.slice(b)}`
      : `${text.trimEnd()}\n\n${START}\n${section}\n${END}\n`;
  writeFileSync(README, next);
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

/** The default: per round, each scenario alone (start, warm up, load, stop); odd rounds forwards, even backwards. */
async function runSequential(scenarios: readonly Scenario[], o: Options): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let round = 1; round <= o.rounds; round++) {
    const order = round % 2 === 1 ? scenarios : [...scenarios].reverse();
    for (let i = 0; i < order.length; i++) {
      const s = order[i]!;
      log(`round ${round}: ${s.name} ...`);
      const sample = s.kind === 'http' ? await runHttp(s, o, round, i + 1) : await runInProcess(s, o, round, i + 1);
      samples.push(sample);
      report(sample);
    }
  }
  return samples;
}

/**
 * `--interleave S`: all HTTP servers start and warm up, then take turns under load in slices of S seconds
 * (forwards, backwards, ...) until each had `rounds x duration` seconds; only one is loaded at any moment and the
 * others sit idle. Slow changes of the machine's speed then hit every server alike, which the sequential mode
 * cannot promise on a noisy VM. Each slice pair counts as a "round". In-process scenarios run afterwards, as usual.
 */
async function runInterleaved(scenarios: readonly Scenario[], o: Options): Promise<Sample[]> {
  const http = scenarios.filter((s): s is HttpScenario => s.kind === 'http');
  const samples: Sample[] = [];
  const live: LiveServer[] = [];
  try {
    for (const s of http) {
      log(`starting and warming up ${s.name} ...`);
      live.push(await startHttp(s, o));
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
  let round = 0;
  for (const s of scenarios) {
    if (s.kind !== 'inprocess') continue;
    for (round = 1; round <= o.rounds; round++) {
      log(`round ${round}: ${s.name} ...`);
      const sample = await runInProcess(s, o, round, 1);
      samples.push(sample);
      report(sample);
    }
  }
  return samples;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2), process.env);
  const scenarios = o.only ? SCENARIOS.filter((s) => o.only!.includes(s.name)) : [...SCENARIOS];
  if (scenarios.length === 0) throw new Error(`no scenario matches --only ${o.only?.join(',')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const machine = machineInfo();
  log(`${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, onnxruntime-node ${machine.onnxruntime}; load avg ${machine.loadBefore}`);
  log(
    `${o.rounds} round(s) x ${scenarios.length} scenario(s): ${o.warmupS} s warm-up + ${o.durationS} s load, ${o.connections} connections` +
      (o.interleaveS > 0 ? `, interleaved in ${o.interleaveS} s slices` : ''),
  );
  const samples = o.interleaveS > 0 ? await runInterleaved(scenarios, o) : await runSequential(scenarios, o);
  for (const s of scenarios) {
    if (s.kind !== 'http' || !s.sameAnswerAs || !answers.has(s.sameAnswerAs)) continue;
    if (answers.get(s.name) !== answers.get(s.sameAnswerAs)) {
      problems.push(`${s.name} and ${s.sameAnswerAs} answered the same request differently: ${answers.get(s.name)} vs ${answers.get(s.sameAnswerAs)}`);
    }
  }
  for (const p of problems) log(`!!!!! ${p}`);
  const summaries = summarize(scenarios, samples);
  const table = resultsTable(summaries);
  const v = verdict(summaries, samples);
  process.stdout.write(`\n${table}\n\n${v.text}\n`);
  if (o.writeReadme) {
    writeReadme(resultsSection(machine, o, scenarios, samples, summaries));
    log(`wrote the results section of ${README}`);
  }
  if (summaries.some((s) => s.failures > 0) || problems.length > 0) process.exitCode = 1;
}

await main();
