import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMooringError } from '../../src/core/errors.js';
import { openArtifactStore, openRegistryStore } from '../../src/storage/backends.js';
import { minimalVersion } from './registry-fixtures.js';

// Choosing a backend by URL: the accepted forms open a working store, anything else is CONFIG_INVALID naming the
// accepted schemes (and never echoing the URL, which may carry a password).

const dir = await mkdtemp(join(tmpdir(), 'mooring-backends-'));
after(() => rm(dir, { recursive: true, force: true }));

const configInvalid = (mention: RegExp) => (e: unknown) => {
  assert.ok(isMooringError(e), String(e));
  assert.equal(e.code, 'CONFIG_INVALID');
  assert.match(e.message, mention);
  assert.doesNotMatch(e.message, /hunter2/);
  return true;
};

describe('storage backends chosen by URL', () => {
  test('sqlite:///abs/path.db and sqlite::memory: open registry stores', async () => {
    const path = join(dir, 'sub dir', 'registry.db');
    for (const url of [pathToFileURL(path).href.replace(/^file:/, 'sqlite:'), 'sqlite::memory:']) {
      const store = await openRegistryStore(url, { clock: () => 42 });
      try {
        assert.equal((await store.createVersion(minimalVersion('iris'), { actor: 'a' })).createdAt, 42);
      } finally {
        await store.close();
      }
    }
    const reopened = await openRegistryStore(pathToFileURL(path).href.replace(/^file:/, 'sqlite:'));
    assert.equal((await reopened.getModel('iris'))?.latestVersion, 1);
    await reopened.close();
  });

  test('unknown schemes and relative sqlite paths are CONFIG_INVALID', async () => {
    await assert.rejects(openRegistryStore('mysql://root:hunter2@db/x'), configInvalid(/^(?=.*mysql:)(?=.*sqlite:\/\/\/)(?=.*sqlite::memory:)(?=.*postgres:\/\/)(?=.*postgresql:\/\/)/));
    await assert.rejects(openRegistryStore('registry.db'), configInvalid(/unknown registry store URL scheme/));
    await assert.rejects(openRegistryStore('sqlite:relative.db'), configInvalid(/three slashes/));
    await assert.rejects(openRegistryStore('sqlite://host/x.db'), configInvalid(/three slashes/));
    await assert.rejects(openArtifactStore('s3://bucket/x'), configInvalid(/file:\/\/\/abs\/dir.*memory:/));
    await assert.rejects(openArtifactStore('file:relative'), configInvalid(/three slashes/));
  });

  test('file:///abs/dir and memory: open artifact stores', async () => {
    for (const url of [pathToFileURL(join(dir, 'artifacts')).href, 'memory:']) {
      const store = await openArtifactStore(url);
      const ref = await store.put(new Uint8Array([1, 2, 3]), 'onnx');
      assert.deepEqual([...(await store.get(ref.sha256))], [1, 2, 3]);
    }
  });
});
