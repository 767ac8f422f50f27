/**
 * The benchmark harness's plumbing: child processes that print `READY`, resident-memory sampling from /proc,
 * autocannon load with exact latency percentiles, and the machine description. Shared by `run.ts` and `profile.ts`.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

/** The repository root (bench/..). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A benchmark child process and the lines it prints. */
export interface Child {
  readonly proc: ChildProcess;
  readonly pid: number;
  /** Resolves with the rest of the first stdout line starting with `prefix` (e.g. `READY`). */
  waitFor(prefix: string, timeoutMs?: number): Promise<string>;
  /** The last lines the child wrote to stderr (for error messages). */
  stderrTail(): string;
  /** Resolves with the exit code once the child has exited. */
  readonly exited: Promise<number | null>;
}

/**
 * The Node flags of `npm start` (package.json's `start` script, e.g. `--max-semi-space-size=32`): the Mooring
 * server is measured with them, so the benchmark runs what a user runs.
 */
export const START_NODE_FLAGS: readonly string[] = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.split(/\s+/);
  return words[0] === 'node' ? words.slice(1).filter((w) => w.startsWith('--')) : [];
})();

/** The scripts that run the real Mooring server: they get `START_NODE_FLAGS`. */
const MOORING_SERVER_SCRIPTS: ReadonlySet<string> = new Set(['mooring-server.ts', 'fallback-server.ts']);

/** Options of `startChild`. */
export interface ChildOptions {
  /** Give the child a stdin pipe (`child.proc.stdin`) for commands; default: no stdin. */
  stdin?: boolean;
}

/**
 * Starts `node [nodeArgs] --import tsx bench/<script> [args]` from the repository root; the Mooring server scripts
 * also get `START_NODE_FLAGS`.
 */
export function startChild(script: string, args: readonly string[] = [], nodeArgs: readonly string[] = [], options: ChildOptions = {}): Child {
  const flags = MOORING_SERVER_SCRIPTS.has(script) ? [...START_NODE_FLAGS, ...nodeArgs] : nodeArgs;
  const command = [process.execPath, ...flags, '--import', 'tsx', `bench/${script}`, ...args];
  // BENCH_PIN_CHILD=<cpu list>: run the child under `taskset -c` (execs node, so the pid stays the server's).
  const pin = process.env.BENCH_PIN_CHILD;
  if (pin) command.unshift('taskset', '-c', pin);
  const proc = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    stdio: [options.stdin === true ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (proc.pid === undefined) throw new Error(`cannot start bench/${script}`);
  const lines: string[] = [];
  const waiters: Array<{ prefix: string; resolve: (rest: string) => void }> = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    lines.push(line);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if (line.startsWith(w.prefix)) {
        waiters.splice(i, 1);
        w.resolve(line.slice(w.prefix.length).trim());
      }
    }
  });
  const errTail: string[] = [];
  createInterface({ input: proc.stderr! }).on('line', (line) => {
    errTail.push(line);
    if (errTail.length > 40) errTail.shift();
  });
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const stderrTail = (): string => errTail.join('\n');
  return {
    proc,
    pid: proc.pid,
    stderrTail,
    exited,
    waitFor(prefix, timeoutMs = 60_000) {
      const seen = lines.find((l) => l.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen.slice(prefix.length).trim());
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`bench/${script}: no "${prefix}" line after ${timeoutMs} ms\n${stderrTail()}`)), timeoutMs);
        void exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`bench/${script} exited (code ${code}) before printing "${prefix}"\n${stderrTail()}`));
        });
        waiters.push({
          prefix,
          resolve: (rest) => {
            clearTimeout(timer);
            resolve(rest);
          },
        });
      });
    },
  };
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export async function stopChild(child: Child, graceMs = 10_000): Promise<void> {
  if (child.proc.exitCode !== null || child.proc.signalCode !== null) return;
  child.proc.kill('SIGTERM');
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

/** Resident memory of a process in MB (VmRSS from /proc/<pid>/status), or NaN when it cannot be read. */
export function rssMB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; `stop()` returns the peak in MB. */
export function pollPeakRss(pid: number, intervalMs = 100): { stop(): number } {
  let peak = rssMB(pid);
  const timer = setInterval(() => {
    const v = rssMB(pid);
    if (v > peak || Number.isNaN(peak)) peak = v;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const v = rssMB(pid);
      return v > peak ? v : peak;
    },
  };
}

/** CPU time of the machine, one process and this process at one moment (seconds), to split a load's CPU. */
export interface CpuSnapshot {
  readonly at: number;
  readonly machineBusy: number;
  readonly machineTotal: number;
  readonly child: number;
  readonly self: number;
}

/** USER_HZ: /proc reports CPU time in these ticks; 100 on every mainstream Linux build. */
const TICKS_PER_SECOND = 100;

/** Reads /proc/stat, /proc/<pid>/stat and this process's usage; NaN fields where /proc is missing. */
export function cpuSnapshot(pid: number): CpuSnapshot {
  let machineBusy = Number.NaN;
  let machineTotal = Number.NaN;
  let child = Number.NaN;
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    // user nice system idle iowait irq softirq steal
    const idle = cpu[3]! + cpu[4]!;
    machineTotal = cpu.reduce((a, b) => a + b, 0) / TICKS_PER_SECOND;
    machineBusy = machineTotal - idle / TICKS_PER_SECOND;
  } catch {
    // not Linux
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    child = (Number(rest[11]) + Number(rest[12])) / TICKS_PER_SECOND;
  } catch {
    // exited or not Linux
  }
  const u = process.cpuUsage();
  return { at: performance.now() / 1000, machineBusy, machineTotal, child, self: (u.user + u.system) / 1e6 };
}

/** How a load's CPU was spent between two snapshots. */
export interface CpuSplit {
  /** CPU seconds the measured process used. */
  childSeconds: number;
  /**
   * Share of the machine's CPU (0..1 of all cores) used by everything except the measured process and this
   * orchestrator: other people's work competing for the cores. Near 0 on a quiet machine.
   */
  othersShare: number;
}

export function cpuSplit(a: CpuSnapshot, b: CpuSnapshot): CpuSplit {
  const childSeconds = b.child - a.child;
  const total = b.machineTotal - a.machineTotal;
  const others = b.machineBusy - a.machineBusy - childSeconds - (b.self - a.self);
  return { childSeconds, othersShare: total > 0 ? Math.max(0, others / total) : Number.NaN };
}

/** What one autocannon load measured. */
export interface LoadResult {
  /** Completed responses per second over the whole load. */
  rps: number;
  /** Latency percentiles in ms, exact (autocannon's own histogram rounds to whole ms). */
  p50: number;
  p99: number;
  total: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
}

/** Options of one HTTP load. */
export interface LoadOptions {
  url: string;
  method?: 'POST' | 'GET';
  bodies: readonly string[];
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /**
   * A fixed total rate (requests/s over all connections, autocannon's `overallRate`) instead of as fast as the
   * server answers. autocannon paces per connection and per second: each connection sends its share, then waits for
   * the next second.
   */
  overallRate?: number;
}

/**
 * Loads `url` with autocannon in this process (`pipelining: 1`); each connection sends the bodies in turn, starting
 * at its own offset (connection k of c at body k·n/c), so connections do not send the same body at the same moment
 * (identical requests in flight would be coalesced by the server, and batches would hold copies of one row).
 * Latency comes from autocannon's per-response event at full (sub-millisecond) resolution.
 */
export function loadHttp(o: LoadOptions): Promise<LoadResult> {
  const path = new URL(o.url).pathname;
  const headers = { 'content-type': 'application/json', ...o.headers };
  const requests = o.bodies.map((body) => ({ method: o.method ?? 'POST', path, headers, body }));
  let clients = 0;
  const setupClient = (client: autocannon.Client): void => {
    const offset = Math.floor(((clients++ % o.connections) * requests.length) / o.connections) % requests.length;
    if (offset > 0) client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
  };
  let latencies = new Float64Array(1 << 18);
  let n = 0;
  return new Promise<LoadResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: o.url,
        connections: o.connections,
        pipelining: 1,
        duration: o.durationS,
        requests,
        timeout: 10,
        setupClient,
        ...(o.overallRate !== undefined ? { overallRate: Math.max(1, Math.round(o.overallRate)) } : {}),
      },
      (err: unknown, result) => {
        if (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
          return;
        }
        const sorted = latencies.subarray(0, n).sort();
        resolve({
          rps: result.requests.total / result.duration,
          p50: percentile(sorted, 0.5),
          p99: percentile(sorted, 0.99),
          total: result.requests.total,
          errors: result.errors,
          timeouts: result.timeouts,
          non2xx: result.non2xx,
          mismatches: result.mismatches,
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode < 200 || statusCode >= 300) return;
      if (n === latencies.length) {
        const bigger = new Float64Array(latencies.length * 2);
        bigger.set(latencies);
        latencies = bigger;
      }
      latencies[n++] = responseTime;
    });
  });
}

/** The q-quantile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** The median of the finite values (mean of the middle two when even); NaN when none. */
export function median(values: readonly number[]): number {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Sends one request and returns status and parsed JSON body (for the pre-load sanity check). */
export async function probe(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // leave the text: the caller reports it
  }
  return { status: res.status, json };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The machine the numbers were measured on. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGB: number;
  node: string;
  onnxruntime: string;
  autocannon: string;
  os: string;
  date: string;
  loadBefore: string;
}

/** Describes this machine from /proc/cpuinfo, os and the installed package versions. */
export function machineInfo(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() it is
  }
  let os = `${process.platform} ${process.arch}`;
  try {
    os = readFileSync('/proc/version', 'utf8').split(' ').slice(0, 3).join(' ') + ` (${process.arch})`;
  } catch {
    // not Linux
  }
  return {
    cpu,
    cores: cpus().length,
    memoryGB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    onnxruntime: packageVersion('onnxruntime-node'),
    autocannon: packageVersion('autocannon'),
    os,
    date: new Date().toISOString(),
    loadBefore: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(`${ROOT}node_modules/${name}/package.json`, 'utf8')) as { version?: string };
    return pkg.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * The `--name value` / `--name=value` arguments of a bench script; names in `booleans` take no value (stored as
 * "1"), and `aliases` maps a spelling to the name it stands for (`no-write` -> `no-readme`).
 */
export function parseArgs(
  argv: readonly string[],
  booleans: ReadonlySet<string> = new Set(),
  aliases: Readonly<Record<string, string>> = {},
): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    const raw = eq > 0 ? a.slice(2, eq) : a.slice(2);
    const name = aliases[raw] ?? raw;
    if (eq > 0) args.set(name, a.slice(eq + 1));
    else if (booleans.has(raw) || booleans.has(name)) args.set(name, '1');
    else if (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--')) args.set(name, '');
    else args.set(name, argv[++i]!);
  }
  return args;
}

/** A positive number from `args` (or `fallback` when absent); anything else stops the script with a message. */
export function positiveNumber(args: ReadonlyMap<string, string>, name: string, fallback: number, envValue?: string): number {
  const raw = args.get(name) ?? envValue;
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number, got ${raw}`);
  return v;
}

