import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMooringError } from '../../src/core/errors.js';
import { FsArtifactStore } from '../../src/storage/fs/fs-artifact-store.js';

// What only the file backend can get wrong: its on-disk layout, leftovers, and files that escape the root.

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function fresh(): Promise<{ root: string; store: FsArtifactStore }> {
  const root = await mkdtemp(join(tmpdir(), 'mooring-fs-layout-'));
  roots.push(root);
  return { root, store: await FsArtifactStore.open(join(root, 'store')) };
}

describe('FsArtifactStore on disk', () => {
  test('stores <root>/sha256/<first 2 hex>/<digest> and leaves no temporary files', async () => {
    const { store, root } = await fresh();
    const src = join(root, 'm.onnx');
    await writeFile(src, randomBytes(100));
    const refs = [await store.put(randomBytes(100), 'onnx'), await store.putFile(src, 'onnx'), await store.put(randomBytes(0), 'onnx')];
    const shards = await readdir(join(store.root, 'sha256'));
    assert.deepEqual(shards.sort(), [...new Set(refs.map((r) => r.sha256.slice(0, 2)))].sort());
    const files = (await Promise.all(shards.map((s) => readdir(join(store.root, 'sha256', s))))).flat();
    assert.deepEqual(files.sort(), refs.map((r) => r.sha256).sort(), 'only digests, no temporary files');
    assert.deepEqual(await readdir(join(store.root, 'tmp')), []);
  });

  test('a stored name that is a symlink leading outside the root is refused, never read', async () => {
    const { store, root } = await fresh();
    const bytes = randomBytes(100);
    const ref = await store.put(bytes, 'onnx');
    const file = join(store.root, 'sha256', ref.sha256.slice(0, 2), ref.sha256);
    const outside = join(root, 'outside-secret');
    await writeFile(outside, 'secret');
    await unlink(file);
    await symlink(outside, file);
    await assert.rejects(store.get(ref.sha256), (e: unknown) => isMooringError(e) && e.code === 'ARTIFACT_INTEGRITY');
    // Storing the genuine bytes again replaces the planted link; the outside file is untouched.
    await store.put(bytes, 'onnx');
    assert.ok(Buffer.from(await store.get(ref.sha256)).equals(bytes));
    assert.equal(await readFile(outside, 'utf8'), 'secret');
  });
});
