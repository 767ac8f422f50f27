import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteRegistryStore } from '../../src/storage/sqlite/sqlite-registry-store.js';

// SQLite-only guarantees that need real processes: an acknowledged write survives SIGKILL, and several processes
// sharing one file (migrating it at the same time, too) never hand out the same version number.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const writer = fileURLToPath(new URL('../fixtures/sqlite-registry-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mooring-sqlite-durability-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly versions: number[];
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once the child printed "ok" (every write acknowledged). */
  readonly acknowledged: Promise<void>;
  kill(): void;
}

function runWriter(db: string, model: string, count: number, then: 'exit' | 'hang'): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', writer, db, model, String(count), then], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const versions: number[] = [];
  let stdout = '';
  let stderr = '';
  let ack: () => void = () => undefined;
  const acknowledged = new Promise<void>((resolve) => (ack = resolve));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split('\n');
    stdout = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('v ')) versions.push(Number(line.slice(2)));
      if (line === 'ok') ack();
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { versions, exit, acknowledged: Promise.race([acknowledged, exit.then((e) => Promise.reject(new Error(`writer exited early: ${e.stderr}`)))]), kill: () => child.kill('SIGKILL') };
}

describe('SQLite registry across processes', () => {
  test('a version acknowledged before SIGKILL is there after reopening', async () => {
    const db = join(dir, 'crash.db');
    const run = runWriter(db, 'crashy', 1, 'hang');
    await run.acknowledged;
    run.kill();
    const { signal } = await run.exit;
    assert.equal(signal, 'SIGKILL');
    const store = await openSqliteRegistryStore(db);
    try {
      assert.equal((await store.getVersion('crashy', 1))?.version, 1);
      assert.equal((await store.getModel('crashy'))?.latestVersion, 1);
    } finally {
      await store.close();
    }
  });

  test('three processes writing one model at once (and migrating a new file at once) get distinct numbers', async () => {
    const db = join(dir, 'shared.db');
    const runs = [0, 1, 2].map(() => runWriter(db, 'shared', 5, 'exit'));
    for (const run of runs) {
      const { code, stderr } = await run.exit;
      assert.equal(code, 0, stderr);
    }
    const all = runs.flatMap((r) => r.versions).sort((a, b) => a - b);
    assert.deepEqual(all, Array.from({ length: 15 }, (_, i) => i + 1));
    const store = await openSqliteRegistryStore(db);
    try {
      assert.equal((await store.getModel('shared'))?.latestVersion, 15);
      assert.equal((await store.listVersions('shared')).length, 15);
    } finally {
      await store.close();
    }
  });
});
