import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSqliteRegistryStore } from '../../src/storage/sqlite/sqlite-registry-store.js';
import { registryStoreSuite } from './registry-store.suite.js';

const dir = mkdtempSync(join(tmpdir(), 'mooring-sqlite-registry-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

registryStoreSuite('sqlite file', (clock) => openSqliteRegistryStore(join(dir, `nested/registry-${n++}.db`), { clock }));
registryStoreSuite('sqlite :memory:', (clock) => openSqliteRegistryStore(':memory:', { clock }));
