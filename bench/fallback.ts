/**
 * The fallback load test: the production version of a model fails for a while under load, and every request must
 * still get an answer. Starts the real server (`fallback-server.ts`: dist/, the demo model as version 2 in production
 * over version 1, the policy latency budget 50 ms, chain cache -> previous -> rules, a fast circuit breaker) and loads
 * it with one continuous autocannon run in phases, switching faults between phases while the load runs:
 *
 *   healthy     no fault
 *   v2-throws   version 2 throws on every inference
 *   recovered   fault cleared
 *   v2-hangs    version 2 never answers (the latency budget and the circuit breaker must cut it off)
 *   both-fail   version 2 answers NaN and version 1 (the `previous` fallback) throws: only cache and rules remain
 *   recovered-2 every fault cleared
 *
 * Bodies: a share repeats (inputs production answered before, which the `cache` fallback can answer), the rest are
 * fresh rows never sent before (only `previous` or `rules` can answer those). Each response is counted by status and
 * by who answered (the `x-mooring-fallback` header; none = the primary model), with exact latency; `/metrics` is
 * scraped at the end of each phase (`mooring_fallbacks_total` by kind and reason, exhausted requests, shed
 * requests, circuit states) and `/api/health` read every 250 ms. The target: zero requests without an answer.
 * Writes the "Fallbacks under failure" section of bench/README.md (between the `fallback` markers).
 *
 * `npm run bench:fallback` (builds first). Options, as `--name value` or `--name=value`:
 *   --seconds N        seconds of load per phase (default 8; the whole run is about 6 N + 10 s)
 *   --warmup N         seconds of warm-up load before the phases, model healthy (default 3)
 *   --connections N    connections (default 16)
 *   --repeat-share F   share of the bodies that repeat (default 0.5; the rest are fresh)
 *   --no-write / --no-readme   print the report, leave bench/README.md alone
 *   --readme FILE      write the section into FILE instead of bench/README.md
 * Exits non-zero when a request went unanswered, a fallback kind never answered, or the server died.
 */
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { ROOT, machineInfo, parseArgs, positiveNumber, sleep, startChild, stopChild } from './lib.js';
import type { Child } from './lib.js';
import { ANSWER_KINDS, BodyMix, PhaseTally, answerKind, counterGains, metricSamples, repeatRows } from './fallback-lib.js';
import type { AnswerKind, PhaseSummary } from './fallback-lib.js';
import { fmt, writeSection } from './report.js';
import { demoRows, v2InferBody } from './requests.js';

const START = '<!-- fallback:start -->';
const END = '<!-- fallback:end -->';
/** The machine-readable verdict line at the end of the section. */
const SUMMARY_PREFIX = '<!-- fallback-summary ';
const PATH = '/v2/models/churn/infer';
/** How many different repeated inputs the mix rotates through. */
const REPEATED_INPUTS = 64;

type Fault = 'none' | 'throw' | 'hang' | 'nan';

/** One phase of the run: the faults set on each version when it begins. */
interface PhaseSpec {
  readonly name: string;
  readonly what: string;
  readonly faults: Readonly<Record<'1' | '2', Fault>>;
}

const PHASES: readonly PhaseSpec[] = [
  { name: 'healthy', what: 'no fault', faults: { '1': 'none', '2': 'none' } },
  { name: 'v2-throws', what: 'version 2 throws', faults: { '1': 'none', '2': 'throw' } },
  { name: 'recovered', what: 'fault cleared', faults: { '1': 'none', '2': 'none' } },
  { name: 'v2-hangs', what: 'version 2 never answers', faults: { '1': 'none', '2': 'hang' } },
  { name: 'both-fail', what: 'version 2 answers NaN, version 1 throws', faults: { '1': 'throw', '2': 'nan' } },
  { name: 'recovered-2', what: 'faults cleared', faults: { '1': 'none', '2': 'none' } },
];

interface Options {
  seconds: number;
  warmupS: number;
  connections: number;
  repeatShare: number;
  readme: string | null;
}

function parseOptions(argv: readonly string[]): Options {
  const args = parseArgs(argv, new Set(['no-readme']), { 'no-write': 'no-readme' });
  const repeatShare = positiveNumber(args, 'repeat-share', 0.5);
  if (repeatShare >= 1) throw new Error(`--repeat-share is the share of repeated bodies, below 1 (fresh ones are needed), got ${repeatShare}`);
  return {
    seconds: positiveNumber(args, 'seconds', 8),
    warmupS: positiveNumber(args, 'warmup', 3),
    connections: Math.round(positiveNumber(args, 'connections', 16)),
    repeatShare,
    readme: args.has('no-readme') ? null : resolve(args.get('readme') || join(ROOT, 'bench', 'README.md')),
  };
}

const log = (line: string): void => void process.stderr.write(`[fallback] ${line}\n`);

/** A phase's faults as the server's `faults` command takes them: `1=none 2=throw`. */
function faultWords(p: PhaseSpec): string {
  return (['1', '2'] as const).map((v) => `${v}=${p.faults[v]}`).join(' ');
}

/** Sends a command to the server and waits for its `ACK`. */
let commandId = 0;
async function command(child: Child, line: string): Promise<Record<string, unknown>> {
  const id = String(++commandId);
  const ack = child.waitFor(`ACK ${id} `, 10_000);
  child.proc.stdin!.write(`${line} ${id}\n`);
  const answer = JSON.parse(await ack) as Record<string, unknown>;
  if ('error' in answer) throw new Error(`the server refused ${JSON.stringify(line)}: ${String(answer.error)}`);
  return answer;
}

/** What `/api/health` said during one phase. */
interface HealthSeen {
  reads: number;
  failedReads: number;
  /** Circuit states of the production version, in the order first seen. */
  circuits: string[];
  statuses: string[];
  degradedReads: number;
  /** The last answer's model entry. */
  last: { status: string; circuit: string | null; degraded: boolean; reasons: readonly string[] } | null;
}

const newHealth = (): HealthSeen => ({ reads: 0, failedReads: 0, circuits: [], statuses: [], degradedReads: 0, last: null });

interface HealthBody {
  status: string;
  models: Array<{ name: string; circuit: string | null; degraded: boolean; degradation: { reasons: string[] } | null }>;
}

async function readHealth(base: string, into: HealthSeen): Promise<void> {
  try {
    const body = (await (await fetch(`${base}/api/health`)).json()) as HealthBody;
    const m = body.models.find((x) => x.name === 'churn');
    into.reads++;
    const circuit = m?.circuit ?? 'none';
    if (!into.circuits.includes(circuit)) into.circuits.push(circuit);
    if (!into.statuses.includes(body.status)) into.statuses.push(body.status);
    if (m?.degraded) into.degradedReads++;
    into.last = { status: body.status, circuit: m?.circuit ?? null, degraded: m?.degraded ?? false, reasons: m?.degradation?.reasons ?? [] };
  } catch {
    into.failedReads++;
  }
}

/** What one phase measured. */
interface PhaseResult {
  spec: PhaseSpec;
  seconds: number;
  summary: PhaseSummary;
  health: HealthSeen;
  /** `mooring_fallbacks_total` gained during the phase, `kind/reason`. */
  fallbacks: Array<{ key: string; gain: number }>;
  /** `mooring_fallbacks_exhausted_total` gained, by reason. */
  exhausted: Array<{ key: string; gain: number }>;
  /** `mooring_shed_requests_total` gained, by version. */
  shed: Array<{ key: string; gain: number }>;
  /** Circuit state per version at the end of the phase (`mooring_circuit_state`). */
  circuitAtEnd: Record<string, string>;
  /** Inference calls that reached each version's runtime during the phase, and how many hang at its end. */
  calls: Record<string, number>;
  hanging: Record<string, number>;
}

async function scrape(base: string): Promise<string> {
  return (await fetch(`${base}/metrics`)).text();
}

function circuitStates(metrics: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of metricSamples(metrics, 'mooring_circuit_state')) {
    if (s.labels.model === 'churn' && s.value === 1 && s.labels.version) out[s.labels.version] = s.labels.state ?? '?';
  }
  return out;
}

/** A case-insensitive header read (autocannon hands raw header names). */
function headerOf(headers: Record<string, unknown> | undefined, name: string): string | string[] | undefined {
  if (headers === undefined) return undefined;
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === name) return v as string | string[];
  }
  return undefined;
}

/**
 * One autocannon run with the body mix; responses are tallied into `current()` (so the caller can switch phases
 * while it runs). Resolves when the run ends: after `durationS`, or at once when `stop` is called.
 */
function load(
  url: string,
  mix: BodyMix,
  connections: number,
  durationS: number,
  current: () => PhaseTally,
): { done: Promise<autocannon.Result>; stop: () => void } {
  const path = new URL(url).pathname;
  // onResponse runs just before the instance's `response` event of the same response (one synchronous call chain
  // in autocannon's client), so the header read there is paired with the latency below through `pending`.
  let pending: { status: number; kind: AnswerKind; body: string | undefined } | null = null;
  const request: autocannon.Request = {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    setupRequest: (req) => ({ ...req, body: mix.next().body }),
    onResponse: (status, body, _context, headers) => {
      const kind = answerKind(headerOf(headers as Record<string, unknown> | undefined, 'x-mooring-fallback'));
      pending = { status, kind, body: status >= 200 && status < 300 ? undefined : body };
    },
  };
  let instance!: autocannon.Instance;
  const done = new Promise<autocannon.Result>((resolveRun, reject) => {
    instance = autocannon({ url, connections, pipelining: 1, duration: durationS, timeout: 10, requests: [request] }, (err: unknown, result) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolveRun(result);
    });
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      const p = pending;
      pending = null;
      current().response(statusCode, p?.kind ?? 'primary', responseTime, p?.body);
    });
    instance.on('reqError', () => current().error());
  });
  return { done, stop: () => instance.stop() };
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const child = startChild('fallback-server.ts', ['0'], [], { stdin: true });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      child.proc.kill('SIGKILL');
      process.exit(130);
    });
  }
  let died: number | null | undefined;
  void child.exited.then((code) => (died = code));
  try {
    const policy = await child.waitFor('POLICY');
    const port = Number(await child.waitFor('READY'));
    const base = `http://127.0.0.1:${port}`;
    const url = `${base}${PATH}`;
    const repeats = repeatRows(demoRows(REPEATED_INPUTS)).map((row) => v2InferBody([row]));
    const mix = new BodyMix(repeats, o.repeatShare, (row) => v2InferBody([row]));

    // Sanity: both kinds of body are answered by version 2 itself.
    for (const body of [repeats[0]!, v2InferBody([[12, 70.25, 1, 12]])]) {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      const text = await res.text();
      if (res.status !== 200 || res.headers.get('x-mooring-fallback') !== null || !text.includes('"model_version":"2"')) {
        throw new Error(`the healthy server answered ${res.status} (fallback ${res.headers.get('x-mooring-fallback')}): ${text.slice(0, 300)}`);
      }
    }
    log(`server pid ${child.pid} on port ${port}; warming up for ${o.warmupS} s (model healthy)`);
    const warm = new PhaseTally('warm-up');
    const warmRun = await load(url, mix, o.connections, o.warmupS, () => warm).done;
    const warmSummary = warm.summary();
    if (warmSummary.unanswered > 0 || warmSummary.counts.primary !== warmSummary.answered) {
      throw new Error(`the warm-up was not answered by the model alone: ${JSON.stringify(warmSummary.statuses)} ${JSON.stringify(warmSummary.counts)}`);
    }
    log(`warm-up: ${fmt.int(warmRun.requests.total / warmRun.duration)} req/s`);

    // The phases: one continuous load; at each boundary scrape /metrics, set the next faults, then switch the tally.
    const tallies = PHASES.map((p) => new PhaseTally(p.name));
    const healths = PHASES.map(() => newHealth());
    const results: PhaseResult[] = [];
    let index = 0;
    let metricsBefore = await scrape(base);
    let statsBefore = (await command(child, 'stats')) as { calls: Record<string, number> };
    await command(child, `faults ${faultWords(PHASES[0]!)}`);
    const totalS = PHASES.length * o.seconds;
    log(`${PHASES.length} phases of ${o.seconds} s, ${o.connections} connections, ${Math.round(o.repeatShare * 100)}% repeated inputs`);
    const run = load(url, mix, o.connections, totalS + 30, () => tallies[index]!);
    let healthBusy = false;
    const healthTimer = setInterval(() => {
      if (healthBusy) return;
      healthBusy = true;
      void readHealth(base, healths[index]!).finally(() => (healthBusy = false));
    }, 250);
    let phaseStart = performance.now();
    try {
      for (let i = 0; i < PHASES.length; i++) {
        await sleep(Math.max(0, phaseStart + o.seconds * 1000 - performance.now()));
        const metrics = await scrape(base);
        const stats = (await command(child, 'stats')) as { calls: Record<string, number>; hanging: Record<string, number> };
        // The next phase begins here: its tally first, then its faults (all versions in one command).
        const seconds = (performance.now() - phaseStart) / 1000;
        phaseStart = performance.now();
        const next = PHASES[i + 1];
        let change = '';
        if (next !== undefined) {
          index = i + 1;
          const ack = (await command(child, `faults ${faultWords(next)}`)) as { released: Record<string, number> };
          const released = Object.entries(ack.released).filter(([, n]) => n > 0);
          change = `now: ${next.what}${released.map(([v, n]) => `, released ${n} hung inferences of v${v}`).join('')}`;
        } else {
          run.stop();
        }
        const calls = Object.fromEntries(Object.entries(stats.calls).map(([v, n]) => [v, n - (statsBefore.calls[v] ?? 0)]));
        statsBefore = stats;
        const summary = tallies[i]!.summary();
        results.push({
          spec: PHASES[i]!,
          seconds,
          summary,
          health: healths[i]!,
          fallbacks: counterGains(metricsBefore, metrics, 'mooring_fallbacks_total', ['kind', 'reason']),
          exhausted: counterGains(metricsBefore, metrics, 'mooring_fallbacks_exhausted_total', ['reason']),
          shed: counterGains(metricsBefore, metrics, 'mooring_shed_requests_total', ['version']),
          circuitAtEnd: circuitStates(metrics),
          calls,
          hanging: stats.hanging,
        });
        metricsBefore = metrics;
        log(
          `${PHASES[i]!.name}: ${fmt.int(summary.requests)} requests, ${summary.unanswered} unanswered, ` +
            ANSWER_KINDS.map((k) => `${k} ${fmt.ratio(summary.shares[k])}`).join(', ') +
            `, circuit seen ${healths[i]!.circuits.join(' > ') || '?'}` +
            (change ? `; ${change}` : ''),
        );
      }
    } finally {
      clearInterval(healthTimer);
    }
    const final = await run.done;
    // Responses that arrived between the stop and the end of the run (few, if any) belong to the last phase.
    results.at(-1)!.summary = tallies.at(-1)!.summary();
    const completed = results.reduce((a, r) => a + r.summary.requests, 0);
    const cut = Math.max(0, final.requests.sent - completed);
    const stats = (await command(child, 'stats')) as { calls: Record<string, number>; hanging: Record<string, number> };
    if (died !== undefined) throw new Error(`the server exited (code ${died}) during the run\n${child.stderrTail()}`);

    const report = { o, policy, warmRps: warmRun.requests.total / warmRun.duration, results, cut, final: stats };
    process.stdout.write(`\n${textReport(report)}\n`);
    if (o.readme) {
      writeSection(o.readme, START, END, section(report));
      log(`wrote the fallback section of ${o.readme}`);
    }
    const unanswered = results.reduce((a, r) => a + r.summary.unanswered, 0);
    const missing = missingKinds(results);
    if (unanswered > 0) log(`TARGET MISSED: ${unanswered} requests without an answer`);
    if (missing.length > 0) log(`fallback kinds that never answered: ${missing.join(', ')} (the run did not exercise them)`);
    if (unanswered > 0 || missing.length > 0) process.exitCode = 1;
  } finally {
    child.proc.stdin?.end();
    await stopChild(child);
  }
}

interface Report {
  o: Options;
  policy: string;
  warmRps: number;
  results: PhaseResult[];
  /** Requests in flight when the load stopped (never completed, not counted). */
  cut: number;
  final: { calls: Record<string, number>; hanging: Record<string, number> };
}

function missingKinds(results: readonly PhaseResult[]): string[] {
  return (['cache', 'previous', 'rules'] as const).filter((k) => !results.some((r) => r.summary.counts[k] > 0));
}

const gains = (list: ReadonlyArray<{ key: string; gain: number }>, prefix = ''): string =>
  list.length === 0 ? '–' : list.map((x) => `${prefix}${x.key} ${fmt.int(x.gain)}`).join(', ');
const pct = (v: number): string => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : '–');
const latency = (k: { count: number; p50: number; p99: number }): string => (k.count === 0 ? '–' : `${fmt.ms(k.p50)} / ${fmt.ms(k.p99)}`);

function healthCell(h: HealthSeen): string {
  if (h.reads === 0) return 'not read';
  const failed = h.failedReads > 0 ? `, ${h.failedReads} reads failed` : '';
  return `status ${h.statuses.join(' > ')}; churn degraded in ${h.degradedReads} of ${h.reads} reads${failed}`;
}

/**
 * Observations the numbers support, written as sentences: a failing phase whose production circuit never opened
 * (and what cut the version off instead), and health still degraded after recovery.
 */
function notes(r: Report): string[] {
  const out: string[] = [];
  for (const p of r.results) {
    if (p.spec.faults['2'] === 'none' || p.health.circuits.some((c) => c !== 'closed')) continue;
    const reasons = new Map<string, number>();
    for (const f of p.fallbacks) {
      const reason = f.key.split('/')[1] ?? '?';
      reasons.set(reason, (reasons.get(reason) ?? 0) + f.gain);
    }
    const shed = p.shed.reduce((a, x) => a + x.gain, 0);
    out.push(
      `- ${p.spec.name} (${p.spec.what}): the production circuit stayed closed for the whole phase. Fallbacks by reason: ` +
        `${[...reasons].map(([k, n]) => `${k} ${fmt.int(n)}`).join(', ')}; ${fmt.int(shed)} requests shed; ${JSON.stringify(p.hanging)} inferences hanging at its end.`,
    );
  }
  const last = r.results.at(-1);
  if (last?.spec.faults['2'] === 'none' && last.health.last?.degraded && last.health.last.circuit === 'closed') {
    out.push(
      `- ${last.spec.name}: \`/api/health\` still reports the model degraded at the end of the phase with its circuit closed: ` +
        'it counts the fallbacks of the last minute.',
    );
  }
  return out;
}

function phaseRows(r: Report): string[] {
  return r.results.map((p) => {
    const s = p.summary;
    const faults = p.spec.what;
    return (
      `| ${p.spec.name} | ${faults} | ${fmt.int(s.requests)} | ${fmt.int(s.requests / p.seconds)} | ${fmt.int(s.answered)} | ${fmt.int(s.unanswered)} | ` +
      `${pct(s.shares.primary)} | ${pct(s.shares.cache)} | ${pct(s.shares.previous)} | ${pct(s.shares.rules)} | ${fmt.ms(s.p50)} | ${fmt.ms(s.p99)} | ` +
      `${p.health.circuits.join(' > ') || '?'} | ${healthCell(p.health)} |`
    );
  });
}

function section(r: Report): string {
  const m = machineInfo();
  const total = r.results.reduce((a, p) => a + p.summary.requests, 0);
  const unanswered = r.results.reduce((a, p) => a + p.summary.unanswered, 0);
  const missing = missingKinds(r.results);
  const failing = r.results.filter((p) => p.spec.faults['2'] !== 'none');
  const failingTotal = failing.reduce((a, p) => a + p.summary.requests, 0);
  const byKind = (k: AnswerKind): number => failing.reduce((a, p) => a + p.summary.counts[k], 0);
  const verdict = { date: m.date, seconds: r.o.seconds, requests: total, unanswered, met: unanswered === 0 };
  const samples = r.results.flatMap((p) => Object.entries(p.summary.samples).map(([status, body]) => `- ${p.spec.name}, status ${status}: \`${body.replace(/`/g, "'")}\``));
  return [
    '## Fallbacks under failure',
    '',
    `Generated by \`npm run bench:fallback\` on ${m.date.slice(0, 10)} (${m.date}). Do not edit this section by hand: the next run replaces it.`,
    '',
    `- Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB memory, ${m.os}; Node ${m.node}, onnxruntime-node ${m.onnxruntime}, autocannon ${m.autocannon}`,
    `- Server: \`bench/fallback-server.ts\`: the compiled server (dist/) with a fault-injecting wrapper around the ONNX runtime; the demo ` +
      `model \`churn\` as version 2 (its bias moved by +0.3) in production over version 1 (the \`previous\` fallback); policy ` +
      `\`${r.policy}\``,
    `- Load: autocannon, ${r.o.connections} connections, one continuous run of ${r.results.length} phases of ${r.o.seconds} s after ` +
      `${r.o.warmupS} s of healthy warm-up (${fmt.int(r.warmRps)} req/s); the faults change at each phase boundary while the load runs. ` +
      `Bodies: ${Math.round(r.o.repeatShare * 100)}% repeat ${REPEATED_INPUTS} inputs production answered before (the \`cache\` fallback ` +
      `can answer them), the rest are one-row inputs never sent before (only \`previous\` or \`rules\` can).`,
    `- Who answered: the \`x-mooring-fallback\` header of each response (none: the primary model). Unanswered: non-2xx responses, ` +
      `transport errors and timeouts (10 s). Shares are of the phase's requests; latency (p50 / p99, ms) is of the 2xx answers. ` +
      `Circuit: the production version's breaker as \`/api/health\` reported it, read every 250 ms. ${fmt.int(r.cut)} request(s) in flight ` +
      `when the load stopped are not counted.`,
    '',
    `**${unanswered === 0 ? 'Met' : 'Missed'}:** ${fmt.int(unanswered)} of ${fmt.int(total)} requests went without an answer (target: zero). ` +
      `While version 2 was failing (${failing.length} phases, ${fmt.int(failingTotal)} requests): ${pct(byKind('primary') / failingTotal)} primary, ` +
      `${pct(byKind('cache') / failingTotal)} cache, ${pct(byKind('previous') / failingTotal)} previous, ${pct(byKind('rules') / failingTotal)} rules.` +
      (missing.length > 0 ? ` Fallback kinds that never answered: ${missing.join(', ')}.` : ''),
    '',
    '| phase | fault | requests | req/s | answered | unanswered | primary | cache | previous | rules | p50 ms | p99 ms | circuit (production) | /api/health |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|',
    ...phaseRows(r),
    '',
    'From the server itself, per phase: `mooring_fallbacks_total` gained (kind/reason), `mooring_fallbacks_exhausted_total`, ' +
      '`mooring_shed_requests_total`, the circuit of each version at the end of the phase (`mooring_circuit_state`), inference calls that ' +
      "reached each version's runtime, and latency by who answered (p50 / p99 ms):",
    '',
    '| phase | fallbacks (kind/reason) | exhausted | shed | circuit v1 / v2 at end | runtime calls v1 / v2 | primary | cache | previous | rules |',
    '|---|---|--:|--:|---|--:|--:|--:|--:|--:|',
    ...r.results.map(
      (p) =>
        `| ${p.spec.name} | ${gains(p.fallbacks)} | ${gains(p.exhausted)} | ${gains(p.shed, 'v')} | ${p.circuitAtEnd['1'] ?? 'closed'} / ${p.circuitAtEnd['2'] ?? 'closed'} | ` +
        `${fmt.int(p.calls['1'] ?? 0)} / ${fmt.int(p.calls['2'] ?? 0)} | ${latency(p.summary.byKind.primary)} | ${latency(p.summary.byKind.cache)} | ` +
        `${latency(p.summary.byKind.previous)} | ${latency(p.summary.byKind.rules)} |`,
    ),
    '',
    `\`/api/health\` at the end of each phase: ${r.results
      .map((p) => `${p.spec.name}: ${p.health.last ? `${p.health.last.status}${p.health.last.reasons.length > 0 ? ` (${p.health.last.reasons.join('; ')})` : ''}` : 'not read'}`)
      .join(' · ')}`,
    ...(notes(r).length > 0 ? ['', 'Notes:', '', ...notes(r)] : []),
    ...(samples.length > 0 ? ['', 'First body of each non-2xx status:', '', ...samples] : []),
    '',
    `${SUMMARY_PREFIX}${JSON.stringify(verdict)} -->`,
  ].join('\n');
}

function textReport(r: Report): string {
  const lines = [
    `fallback load test: ${r.results.length} phases of ${r.o.seconds} s, ${r.o.connections} connections, ${Math.round(r.o.repeatShare * 100)}% repeated inputs`,
    '',
    'phase        requests  req/s  unanswered  primary   cache  previous   rules   p50 ms   p99 ms  circuit seen',
  ];
  for (const p of r.results) {
    const s = p.summary;
    lines.push(
      `${p.spec.name.padEnd(12)} ${fmt.int(s.requests).padStart(8)} ${fmt.int(s.requests / p.seconds).padStart(6)} ${String(s.unanswered).padStart(11)} ` +
        `${pct(s.shares.primary).padStart(8)} ${pct(s.shares.cache).padStart(7)} ${pct(s.shares.previous).padStart(9)} ${pct(s.shares.rules).padStart(7)} ` +
        `${fmt.ms(s.p50).padStart(8)} ${fmt.ms(s.p99).padStart(8)}  ${p.health.circuits.join(' > ')}`,
    );
  }
  lines.push('');
  for (const p of r.results) {
    const s = p.summary;
    lines.push(
      `${p.spec.name} (${p.spec.what}): statuses ${JSON.stringify(s.statuses)}, errors ${s.errors}; metrics: fallbacks ${gains(p.fallbacks)}; exhausted ${gains(p.exhausted)}; ` +
        `shed ${gains(p.shed, 'v')}; circuit at end v1 ${p.circuitAtEnd['1'] ?? 'closed'} v2 ${p.circuitAtEnd['2'] ?? 'closed'}; runtime calls v1 ${p.calls['1'] ?? 0} v2 ${p.calls['2'] ?? 0}, ` +
        `hanging at end ${JSON.stringify(p.hanging)}; health ${healthCell(p.health)}, last ${JSON.stringify(p.health.last)}`,
    );
    for (const [status, body] of Object.entries(s.samples)) lines.push(`  first ${status} body: ${body}`);
  }
  const unanswered = r.results.reduce((a, p) => a + p.summary.unanswered, 0);
  const total = r.results.reduce((a, p) => a + p.summary.requests, 0);
  lines.push(...notes(r).map((n) => n.replace(/^- /, 'note: ')));
  lines.push('', `${unanswered === 0 ? 'MET' : 'MISSED'}: ${unanswered} of ${total} requests without an answer (target: zero); ${r.cut} in flight at the stop, not counted`);
  return lines.join('\n');
}

await main();
