import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isMooringError } from '../../src/core/errors.js';
import { openPredictionLog } from '../../src/storage/backends.js';
import { rec } from './prediction-log-fixtures.js';

// Choosing a prediction log by URL, as storage-backends.test.ts does for the registry and artifact stores.

const dir = await mkdtemp(join(tmpdir(), 'mooring-prediction-log-backends-'));
after(() => rm(dir, { recursive: true, force: true }));

const configInvalid = (mention: RegExp) => (e: unknown) => {
  assert.ok(isMooringError(e), String(e));
  assert.equal(e.code, 'CONFIG_INVALID');
  assert.match(e.message, mention);
  assert.doesNotMatch(e.message, /hunter2/);
  return true;
};

describe('prediction log chosen by URL', () => {
  test('sqlite:///abs/path.db, sqlite::memory: and memory: open working logs', async () => {
    const path = join(dir, 'sub dir', 'predictions.db');
    const fileUrl = pathToFileURL(path).href.replace(/^file:/, 'sqlite:');
    for (const url of [fileUrl, 'sqlite::memory:', 'memory:']) {
      const log = await openPredictionLog(url);
      try {
        assert.equal(await log.append([rec('a')]), 1, url);
        assert.equal(await log.count({ model: 'iris' }), 1, url);
      } finally {
        await log.close();
      }
    }
    const reopened = await openPredictionLog(fileUrl);
    assert.equal(await reopened.count({ model: 'iris' }), 1);
    await reopened.close();
  });

  test('unknown schemes, relative sqlite paths and bad schema names are CONFIG_INVALID', async () => {
    await assert.rejects(
      openPredictionLog('mysql://root:hunter2@db/x'),
      configInvalid(/^(?=.*unknown prediction log URL scheme mysql:)(?=.*sqlite:\/\/\/)(?=.*sqlite::memory:)(?=.*postgres:\/\/)(?=.*memory:)/),
    );
    await assert.rejects(openPredictionLog('sqlite:relative.db'), configInvalid(/three slashes/));
    // Refused before any connection is tried (nothing listens on port 1).
    await assert.rejects(openPredictionLog('postgres://u:hunter2@127.0.0.1:1/db', { schema: 'x"; drop' }), configInvalid(/schema name/));
  });
});
