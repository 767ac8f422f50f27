/**
 * Runs the real `mooring serve` (the CLI's sources through tsx) as a child process on a home, for tests that
 * need a whole process: signals, exit codes, what it writes to stdout. Waiting is by bounded polling only.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pollUntil } from './harness.js';

/** The repository root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running `mooring serve` child. */
export interface ChildServer {
  readonly child: ChildProcess;
  readonly url: string;
  readonly home: string;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves once the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills the process if it is still running (SIGKILL); for cleanup after a failed test. */
  kill(): void;
}

/** This process's environment without any MOORING_* variable, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MOORING_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Starts `node --import tsx src/cli/main.ts --home HOME serve --port 0 --no-demo ...args` and waits (bounded) until
 * it has written `<home>/server.json`.
 */
export async function spawnServe(home: string, env: Record<string, string> = {}, args: readonly string[] = []): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli', 'main.ts'), '--home', home, 'serve', '--port', '0', '--no-demo', ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  let ended = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('exit', (code, signal) => {
      ended = true;
      r({ code, signal });
    }),
  );
  const info = join(home, 'server.json');
  let url: string;
  try {
    url = await pollUntil(
      'the server to write server.json',
      () => {
        if (ended) throw new Error(`mooring serve exited before listening:\n--- stdout\n${out}\n--- stderr\n${err}`);
        if (!existsSync(info)) return undefined;
        try {
          const parsed = JSON.parse(readFileSync(info, 'utf8')) as { url?: unknown };
          return typeof parsed.url === 'string' ? parsed.url : undefined;
        } catch {
          return undefined; // being written
        }
      },
      1500,
      20,
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    child,
    url,
    home,
    stdout: () => out,
    stderr: () => err,
    exited,
    kill: () => {
      if (!ended) child.kill('SIGKILL');
    },
  };
}
