/**
 * The benchmark's report: medians over rounds, the results tables per group (each scenario's ratios to its own
 * baseline and limit), the issue's targets, the cost of each feature, memory, and the README section between
 * markers. Pure formatting over the samples `run.ts` measured; `soak.ts` shares the README writer and formats.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { median } from './lib.js';
import type { Machine } from './lib.js';
import { GROUPS, GROUP_NAMES, TARGETS } from './scenarios.js';
import type { Scenario } from './scenarios.js';

/** One scenario measured once. */
export interface Sample {
  scenario: string;
  round: number;
  /** Position in the round's order (1-based). */
  position: number;
  rps: number;
  p50: number;
  p99: number;
  /** RSS right after the server said READY, before any request. */
  rssStart: number;
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
export interface Summary {
  scenario: Scenario;
  rps: number;
  p50: number;
  p99: number;
  rssStart: number;
  rssRest: number;
  rssPeak: number;
  cpuUsPerReq: number;
  failures: number;
}

/** How the run was made, for the settings line. */
export interface RunSettings {
  durationS: number;
  warmupS: number;
  connections: number;
  rounds: number;
  /** Seconds per slice in interleaved mode; 0 = sequential. */
  interleaveS: number;
}

export const fmt = {
  int: (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–'),
  ms: (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : '–'),
  mb: (v: number): string => (Number.isFinite(v) ? v.toFixed(0) : '?'),
  mb1: (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '?'),
  us: (v: number): string => (Number.isFinite(v) ? v.toFixed(1) : '–'),
  ratio: (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–'),
  times: (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}x` : '–'),
};

export function failures(s: Sample): number {
  return s.errors + s.timeouts + s.non2xx + s.mismatches;
}

export function summarize(scenarios: readonly Scenario[], samples: readonly Sample[]): Summary[] {
  return scenarios.map((scenario) => {
    const mine = samples.filter((x) => x.scenario === scenario.name);
    return {
      scenario,
      rps: median(mine.map((x) => x.rps)),
      p50: median(mine.map((x) => x.p50)),
      p99: median(mine.map((x) => x.p99)),
      rssStart: median(mine.map((x) => x.rssStart)),
      rssRest: median(mine.map((x) => x.rssRest)),
      rssPeak: Math.max(...mine.map((x) => x.rssPeak)),
      cpuUsPerReq: median(mine.map((x) => x.cpuUsPerReq)),
      failures: mine.reduce((a, x) => a + failures(x), 0),
    };
  });
}

/** `a`'s throughput over `b`'s within each round (the two loads ran back to back or interleaved). */
export function pairedRatiosOf(samples: readonly Sample[], a: string, b: string): number[] {
  const out: number[] = [];
  for (const round of new Set(samples.map((s) => s.round))) {
    const x = samples.find((s) => s.round === round && s.scenario === a);
    const y = samples.find((s) => s.round === round && s.scenario === b);
    if (x && y) out.push(x.rps / y.rps);
  }
  return out;
}

const find = (summaries: readonly Summary[], name: string): Summary | undefined => summaries.find((s) => s.scenario.name === name);

/** One table per group: each row's ratios are to the group's baseline and limit. */
export function resultsTables(summaries: readonly Summary[]): string {
  const out: string[] = [];
  for (const g of GROUP_NAMES) {
    const mine = summaries.filter((s) => s.scenario.group === g);
    if (mine.length === 0) continue;
    const first = mine[0]!.scenario;
    out.push(
      `### ${GROUPS[g].title}`,
      '',
      `${GROUPS[g].what}. Ratios to \`${first.baseline}\` (the bare server) and \`${first.limit}\` (the in-process limit).`,
      '',
      '| scenario | req/s | p50 ms | p99 ms | RSS rest/peak MB | ratio to bare server | ratio to in-process limit | server CPU µs/req |',
      '|---|--:|--:|--:|--:|--:|--:|--:|',
    );
    for (const s of mine) {
      const base = find(summaries, s.scenario.baseline)?.rps ?? Number.NaN;
      const limit = find(summaries, s.scenario.limit)?.rps ?? Number.NaN;
      const unit = s.scenario.kind === 'inprocess' ? ' runs/s' : '';
      out.push(
        `| ${s.scenario.label} | ${fmt.int(s.rps)}${unit} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ${fmt.mb(s.rssRest)} / ${fmt.mb(s.rssPeak)} | ` +
          `${fmt.ratio(s.rps / base)} | ${fmt.ratio(s.rps / limit)} | ${fmt.us(s.cpuUsPerReq)} |`,
      );
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** What `soak.ts` last wrote into the README (read back for the targets table); null when it never ran. */
export interface SoakVerdict {
  date: string;
  minutes: number;
  slopeMBPer10Min: number;
  met: boolean;
}

export const SOAK_SUMMARY_PREFIX = '<!-- soak-summary ';

/** Reads the soak's machine-readable line from `text` (the README). */
export function readSoakVerdict(text: string): SoakVerdict | null {
  const i = text.indexOf(SOAK_SUMMARY_PREFIX);
  if (i < 0) return null;
  const end = text.indexOf(' -->', i);
  try {
    return JSON.parse(text.slice(i + SOAK_SUMMARY_PREFIX.length, end)) as SoakVerdict;
  } catch {
    return null;
  }
}

/** A row of the targets table. */
export interface TargetRow {
  text: string;
  measured: string;
  /** true met, false missed, null not measured in this run. */
  met: boolean | null;
}

/** The issue's targets, evaluated on this run (ratios: median of the per-round ratios). */
export function targetRows(summaries: readonly Summary[], samples: readonly Sample[], soak: SoakVerdict | null): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const t of TARGETS) {
    const a = find(summaries, t.scenario);
    const b = find(summaries, t.against);
    if (!a || !b) {
      rows.push({ text: t.text, measured: `not measured (run \`${t.scenario}\` and \`${t.against}\`)`, met: null });
      continue;
    }
    const paired = pairedRatiosOf(samples, t.scenario, t.against);
    const ratio = paired.length > 0 ? median(paired) : a.rps / b.rps;
    const shown = t.minRatio >= 1.5 ? fmt.times(ratio) : fmt.ratio(ratio);
    let met = ratio >= t.minRatio;
    let measured =
      `${shown} (${fmt.int(a.rps)} vs ${fmt.int(b.rps)} req/s; per round ${paired.map((r) => (t.minRatio >= 1.5 ? fmt.times(r) : fmt.ratio(r))).join(', ')}); ` +
      `CPU ${fmt.us(a.cpuUsPerReq)} vs ${fmt.us(b.cpuUsPerReq)} µs/req`;
    if (t.p99NoWorse) {
      const p99ok = a.p99 <= b.p99;
      measured += `; p99 ${fmt.ms(a.p99)} vs ${fmt.ms(b.p99)} ms${p99ok ? '' : ' (worse)'}`;
      met = met && p99ok;
    }
    rows.push({ text: t.text, measured, met });
  }
  const costs = summaries.reduce((n, s) => n + (s.scenario.kind === 'http' ? (s.scenario.costOf ?? []).filter((c) => find(summaries, c.without)).length : 0), 0);
  rows.push({
    text: 'The cost of each feature (validation, logging, metrics, drift, batching off/on) shown separately',
    measured: costs > 0 ? `${costs} rows in "Cost of each feature" below` : 'not measured (run the demo and heavy groups)',
    met: costs > 0 ? true : null,
  });
  const m = find(summaries, 'mooring');
  rows.push({
    text: 'Memory: resident memory at rest with the demo model and at peak under load',
    measured: m ? `${fmt.mb(m.rssRest)} MB at rest after warm-up, ${fmt.mb(Math.max(m.rssPeak, m.rssRest))} MB at peak (see "Memory")` : 'not measured (run `mooring`)',
    met: m ? true : null,
  });
  rows.push({
    text: 'Soak (`npm run bench:soak`, 10 min at 60% of capacity): RSS slope after warm-up under 1 MB per 10 minutes',
    measured: soak
      ? `${soak.slopeMBPer10Min.toFixed(2)} MB / 10 min over a ${soak.minutes}-minute soak on ${soak.date.slice(0, 10)} (see "Soak")`
      : 'not run yet: `npm run bench:soak`',
    met: soak ? soak.met : null,
  });
  return rows;
}

function targetsTable(rows: readonly TargetRow[]): string[] {
  return [
    '### Targets',
    '',
    'Throughput ratios are the median of the per-round ratios (each round loads both servers back to back or in ' +
      'alternating slices, so drift hits both alike). Where a target is missed, the prose above this section gives the reason.',
    '',
    '| target (issue #7) | measured | verdict |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.text} | ${r.measured} | ${r.met === null ? 'not measured' : r.met ? 'met' : '**missed**'} |`),
  ];
}

/** What each feature costs: the scenario with it against the same server without it, round by round. */
function costSection(summaries: readonly Summary[], samples: readonly Sample[]): string[] {
  const rows: string[] = [];
  for (const s of summaries) {
    if (s.scenario.kind !== 'http') continue;
    for (const cost of s.scenario.costOf ?? []) {
      const without = find(summaries, cost.without);
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
      '(each round loads both back to back or interleaved, so drift hits both alike); the CPU column is the extra server CPU per ' +
      'request (negative: the feature saves CPU).',
    '',
    '| feature | with, req/s | without, req/s | throughput with / without (per round) | extra CPU µs/req | target |',
    '|---|--:|--:|--:|--:|---|',
    ...rows,
  ];
}

/** Resident memory of the demo-model servers: after start, at rest after warm-up, at peak under load. */
function memorySection(summaries: readonly Summary[]): string[] {
  const rows = ['bare-node', 'mooring', 'mooring-nomonitoring', 'mooring-heavy']
    .map((n) => find(summaries, n))
    .filter((s): s is Summary => s !== undefined)
    .map((s) => `| ${s.scenario.label} | ${fmt.mb(s.rssStart)} | ${fmt.mb(s.rssRest)} | ${fmt.mb(Math.max(s.rssPeak, s.rssRest))} |`);
  if (rows.length === 0) return [];
  return [
    '',
    '### Memory',
    '',
    'Resident memory (VmRSS) of the server process: right after it reported ready, at rest after the warm-up load, and ' +
      'the highest sampled (every 100 ms) under load in any round. Every child runs under `node --import tsx`, whose loader ' +
      'thread adds the same few MB to each row. Growth over time is the soak\'s job (`npm run bench:soak`).',
    '',
    '| server | after start MB | at rest MB | peak under load MB |',
    '|---|--:|--:|--:|',
    ...rows,
  ];
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

/** The generated Results section (between the `results` markers of bench/README.md). */
export function resultsSection(
  m: Machine,
  o: RunSettings,
  scenarios: readonly Scenario[],
  samples: readonly Sample[],
  summaries: readonly Summary[],
  problems: readonly string[],
  soak: SoakVerdict | null,
): string {
  const lines = [
    `## Results`,
    '',
    `Generated by \`npm run bench\` on ${m.date.slice(0, 10)} (${m.date}). Do not edit this section by hand: the next run replaces it.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB memory, ${m.os}`,
    `- Software: Node ${m.node}, onnxruntime-node ${m.onnxruntime}, autocannon ${m.autocannon}`,
    (o.interleaveS > 0
      ? `- Settings: group by group; within a group all HTTP servers up at once and loaded in turns of ${o.interleaveS} s for ${o.rounds} x ${o.durationS} s each after ${o.warmupS} s warm-up; `
      : `- Settings: group by group, ${o.rounds} round(s) per group, ${o.durationS} s measured after ${o.warmupS} s warm-up per scenario; `) +
      `${o.connections} connections (64 for the heavy group), pipelining 1, each connection rotating through the bodies from its own offset ` +
      `(256 one-row bodies for the demo, 4 of 100 rows, 1,024 one-row bodies for the heavy model, 16 for its cache-hit workload); ` +
      `figures are medians over rounds (peak RSS: the highest)`,
    `- Load average before the run (1/5/15 min): ${m.loadBefore}. "Others' CPU share" in the per-measurement table is the machine's CPU that ` +
      `other processes (including the idle servers of the group) took during each load: above a few percent, the throughput figures are ` +
      `squeezed by contention and the CPU µs per request column is the steadier comparison`,
    '',
    ...targetsTable(targetRows(summaries, samples, soak)),
    '',
    resultsTables(summaries),
    ...costSection(summaries, samples),
    ...memorySection(summaries),
  ];
  const failed = summaries.filter((s) => s.failures > 0);
  if (failed.length > 0) {
    lines.push('', `**WARNING: failed requests** (errors, timeouts, non-2xx or mismatches): ${failed.map((s) => `${s.scenario.label}: ${s.failures}`).join('; ')}. These figures are not valid.`);
  }
  for (const p of problems) lines.push('', `**WARNING:** ${p}`);
  lines.push('', '<details><summary>Every measurement</summary>', '', perRoundTable(samples, scenarios), '', '</details>');
  return lines.join('\n');
}

/** Replaces the text between `start` and `end` in `file` (appends both markers when missing); the rest is kept. */
export function writeSection(file: string, start: string, end: string, section: string): void {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : `# Benchmarks\n\nRun \`npm run bench\`.\n`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next =
    a >= 0 && b > a ? `${text.slice(0, a + start.length)}\n${section}\n${text.slice(b)}` : `${text.trimEnd()}\n\n${start}\n${section}\n${end}\n`;
  writeFileSync(file, next);
}
