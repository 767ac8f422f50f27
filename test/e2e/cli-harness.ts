import assert from 'node:assert/strict';
/**
 * Runs the real `mooring` executable as a child process for the CLI end-to-end tests, and starts `mooring serve`.
 *
 * The compiled CLI (`bin/mooring.js` -> `dist/cli/main.js`) is used when dist/ is at least as new as every source
 * file; otherwise the sources run through tsx, so a stale or missing build never tests old code.
 * `MOORING_TEST_CLI=dist|tsx` forces one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What one CLI run produced. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

let chosen: string[] | undefined;

/** The node arguments that start the CLI (before the CLI's own arguments). */
export function cliEntry(): string[] {
  const dist = join(ROOT, 'dist', 'cli', 'main.js');
  // Re-checked on every run: a rebuild elsewhere in the tree may remove dist/ while the tests run.
  if (chosen && (chosen.length > 1 || existsSync(dist))) return chosen;
  const forced = process.env.MOORING_TEST_CLI;
  const useDist = forced === 'dist' || (forced !== 'tsx' && existsSync(dist) && statSync(dist).mtimeMs >= newestSource(join(ROOT, 'src')));
  chosen = useDist ? [join(ROOT, 'bin', 'mooring.js')] : ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts')];
  return chosen;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** The environment of a child: this process's, without any MOORING_* variable (tests set what they mean). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MOORING_')) env[k] = v;
  return { ...env, ...extra };
}

/** Options of one run. */
export interface RunOptions {
  env?: Record<string, string>;
  /** Written to the child's stdin (closed either way). */
  input?: string;
  cwd?: string;
}

/** Runs `mooring ...args` to completion and collects its exit code and output. */
export function runCli(args: readonly string[], options: RunOptions = {}): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: options.cwd ?? ROOT,
      env: cleanEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Parses a run's stdout as JSON, failing with the run's output when it is not. */
export function stdoutJson<T = unknown>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`);
  }
}

/** A one-line summary of a run, for assertion messages. */
export function show(result: CliResult): string {
  return `exit ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** A fresh temporary folder; remove it with `removeDir`. */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `mooring-${prefix}-`));
}

/** Removes a folder made by `tempDir`. */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Writes bytes to `dir/name` and returns the path. */
export function writeBytes(dir: string, name: string, bytes: Uint8Array | string): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

/** Polls `check` until it returns a value (not undefined), at most `attempts` times `intervalMs` apart. */
export async function pollFor<T>(what: string, check: () => T | undefined, attempts = 600, intervalMs = 100): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A `mooring serve` child process. */
/** Asserts a successful run. */
export function ok(result: CliResult): CliResult {
  assert.equal(result.code, 0, show(result));
  return result;
}

/** Asserts a failed run: exit code, the one-line error with its code on stderr, and nothing on stdout. */
export function failed(result: CliResult, exitCode: number, code: string): void {
  assert.equal(result.code, exitCode, show(result));
  assert.match(result.stderr, new RegExp(`^mooring: error \\[${code}\\]: \\S`, 'm'), show(result));
  assert.equal(result.stdout, '', show(result));
}

/** The linear fixtures' answer y = x·w + b for x = [1, 2, 3, 4], to tell version 1 from version 2. */
export const LINEAR_X = [1, 2, 3, 4];
export function linearAnswer(m: { weights: readonly number[]; bias: number }): number {
  return LINEAR_X.reduce((sum, x, i) => sum + x * m.weights[i]!, m.bias);
}

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  /** Everything the server wrote so far. */
  output(): string;
  /** Resolves with the exit code and signal once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `mooring --home HOME serve ...args` and waits until it records its URL in `<home>/server.json`. */
export async function startServe(home: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [...cliEntry(), '--home', home, 'serve', ...args], {
    cwd: ROOT,
    env: cleanEnv({ MOORING_LOG_LEVEL: 'warn', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => {
      ended = true;
      r({ code, signal });
    }),
  );
  const url = await pollFor('the server to write server.json', () => {
    if (ended) throw new Error(`mooring serve exited before listening:\n${output}`);
    try {
      const info = JSON.parse(readFileSync(join(home, 'server.json'), 'utf8')) as { url?: string; pid?: number };
      return info.pid === child.pid && typeof info.url === 'string' ? info.url : undefined;
    } catch {
      return undefined;
    }
  });
  return { child, url, output: () => output, exited };
}

/**
 * Starts `mooring serve` on `home` (free port, no demo) for a test suite and stops it after: `before` starts it and
 * reads the admin token, `after` sends SIGTERM if it still runs and waits for the exit. Returns the live handles.
 */
export function serveDuringSuite(home: string, hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void }): {
  readonly server: ServeProcess;
  readonly token: string;
} {
  let server: ServeProcess | undefined;
  let token = '';
  hooks.before(async () => {
    server = await startServe(home, ['--port', '0', '--no-demo']);
    token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  });
  hooks.after(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
  return {
    get server() {
      if (!server) throw new Error('the server is started by the suite\'s before hook');
      return server;
    },
    get token() {
      return token;
    },
  };
}
