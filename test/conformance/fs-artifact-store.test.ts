import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { FsArtifactStore } from '../../src/storage/fs/fs-artifact-store.js';
import { artifactStoreSuite } from './artifact-store.suite.js';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

// Tampering goes through the documented layout, <root>/sha256/<first 2 hex>/<digest>, so the suite checks it too.
artifactStoreSuite('fs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'mooring-fs-artifacts-'));
  roots.push(root);
  const store = await FsArtifactStore.open(join(root, 'store'));
  return { store, tamper: (sha256) => appendFile(join(store.root, 'sha256', sha256.slice(0, 2), sha256), 'x') };
});
