/**
 * loadConfig: the defaults, the precedence file < environment < overrides, where the file is found, and that bad
 * values fail at start with CONFIG_INVALID naming the variable or the setting's path.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { MooringError } from '../core/errors.js';
import { CONFIG_ENV_VARS, loadConfig } from './config.js';

let dir: string;
let home: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mooring-config-'));
  home = join(dir, 'home');
});

after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** Writes a config file (YAML or JSON text) and returns its path. */
function file(text: string): string {
  const p = join(dir, `config-${++files}.yaml`);
  writeFileSync(p, text);
  return p;
}

/** Asserts `fn` throws MooringError CONFIG_INVALID whose message matches every pattern. */
function invalid(fn: () => unknown, ...mentions: RegExp[]): MooringError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof MooringError, `expected a MooringError, got ${String(caught)}`);
  assert.equal(caught.code, 'CONFIG_INVALID', caught.message);
  for (const m of mentions) assert.match(caught.message, m);
  return caught;
}

describe('defaults', () => {
  test('every setting has its documented default', () => {
    const c = loadConfig({ home, env: {} });
    assert.equal(c.home, resolve(home));
    assert.deepEqual(c.server, {
      host: '127.0.0.1',
      port: 8080,
      bodyLimitBytes: 8 * 1024 * 1024,
      artifactLimitBytes: 1024 * 1024 * 1024,
      drainDelayMs: 0,
      shutdownTimeoutMs: 30_000,
    });
    assert.equal(c.registry.url, `sqlite://${join(resolve(home), 'mooring.db')}`);
    assert.equal(c.registry.syncIntervalMs, 2000);
    assert.equal(c.artifacts.url, pathToFileURL(join(resolve(home), 'artifacts')).href);
    assert.deepEqual(c.runtime, { intraOpThreads: 1, unloadGraceMs: 60_000 });
    assert.deepEqual(c.limits, { maxStringLength: 65_536, maxElements: 4_000_000, maxJsonDepth: 64 });
    assert.deepEqual(c.log, { level: 'info', requests: false });
    assert.equal(c.admin.token, undefined);
    assert.equal(c.demo, true);
  });

  test('the home comes from the option, else MOORING_HOME, else ./.mooring; it is made absolute', () => {
    assert.equal(loadConfig({ env: { MOORING_HOME: join(dir, 'from-env') } }).home, join(dir, 'from-env'));
    assert.equal(loadConfig({ home: join(dir, 'from-option'), env: { MOORING_HOME: join(dir, 'from-env') } }).home, join(dir, 'from-option'));
    assert.equal(loadConfig({ env: {} }).home, resolve('.mooring'));
    assert.equal(loadConfig({ home: 'relative-home', env: {} }).home, resolve('relative-home'));
  });

  test('explicit registry and artifact URLs are kept', () => {
    const c = loadConfig({ home, env: { MOORING_REGISTRY_URL: 'sqlite::memory:', MOORING_ARTIFACTS_URL: 'memory:' } });
    assert.equal(c.registry.url, 'sqlite::memory:');
    assert.equal(c.artifacts.url, 'memory:');
  });

  test('limits.maxJsonDepth comes from MOORING_MAX_JSON_DEPTH; below 4 it is refused', () => {
    assert.equal(loadConfig({ home, env: { MOORING_MAX_JSON_DEPTH: '128' } }).limits.maxJsonDepth, 128);
    assert.ok(CONFIG_ENV_VARS.includes('MOORING_MAX_JSON_DEPTH'));
    assert.throws(() => loadConfig({ home, env: { MOORING_MAX_JSON_DEPTH: '2' } }), /limits\.maxJsonDepth/);
  });

  test('CONFIG_ENV_VARS lists the variables read', () => {
    for (const v of ['MOORING_HOME', 'MOORING_CONFIG', 'MOORING_PORT', 'MOORING_DRAIN_DELAY_MS', 'MOORING_LOG_REQUESTS', 'MOORING_ADMIN_TOKEN']) {
      assert.ok(CONFIG_ENV_VARS.includes(v), v);
    }
  });
});

describe('precedence: defaults < file < environment < overrides', () => {
  const yaml = ['server:', '  host: 0.0.0.0', '  port: 9001', '  drainDelayMs: 250', 'log:', '  level: debug', 'demo: false', ''].join('\n');

  test('a file overrides the defaults', () => {
    const c = loadConfig({ home, env: {}, configFile: file(yaml) });
    assert.equal(c.server.host, '0.0.0.0');
    assert.equal(c.server.port, 9001);
    assert.equal(c.server.drainDelayMs, 250);
    assert.equal(c.log.level, 'debug');
    assert.equal(c.demo, false);
    assert.equal(c.server.shutdownTimeoutMs, 30_000, 'settings the file does not name keep their defaults');
  });

  test('the environment overrides the file, setting by setting (the rest of the file stays)', () => {
    const c = loadConfig({ home, env: { MOORING_PORT: '9002', MOORING_LOG_LEVEL: 'warn', MOORING_DEMO: 'true' }, configFile: file(yaml) });
    assert.equal(c.server.port, 9002);
    assert.equal(c.log.level, 'warn');
    assert.equal(c.demo, true);
    assert.equal(c.server.host, '0.0.0.0', 'from the file');
    assert.equal(c.server.drainDelayMs, 250, 'from the file');
  });

  test('overrides win over both', () => {
    const c = loadConfig({
      home,
      env: { MOORING_PORT: '9002', MOORING_DRAIN_DELAY_MS: '100' },
      configFile: file(yaml),
      overrides: { server: { port: 9003 } },
    });
    assert.equal(c.server.port, 9003);
    assert.equal(c.server.drainDelayMs, 100, 'from the environment');
    assert.equal(c.server.host, '0.0.0.0', 'from the file');
  });

  test('the file is found through configFile, else MOORING_CONFIG, else <home>/mooring.yaml', () => {
    const h = join(dir, 'home-with-file');
    mkdirSync(h, { recursive: true });
    writeFileSync(join(h, 'mooring.yaml'), 'server:\n  port: 7001\n');
    assert.equal(loadConfig({ home: h, env: {} }).server.port, 7001);
    const viaEnv = file('server:\n  port: 7002\n');
    assert.equal(loadConfig({ home: h, env: { MOORING_CONFIG: viaEnv } }).server.port, 7002);
    const viaOption = file('server:\n  port: 7003\n');
    assert.equal(loadConfig({ home: h, env: { MOORING_CONFIG: viaEnv }, configFile: viaOption }).server.port, 7003);
  });

  test('a JSON file works (YAML is a superset); an empty file is no settings', () => {
    assert.equal(loadConfig({ home, env: {}, configFile: file('{"server": {"port": 7100}, "log": {"requests": true}}') }).server.port, 7100);
    assert.equal(loadConfig({ home, env: {}, configFile: file('') }).server.port, 8080);
  });

  test('environment values are parsed: numbers, booleans (true/false/1/0/yes/no), empty means unset', () => {
    const c = loadConfig({
      home,
      env: { MOORING_PORT: '0', MOORING_LOG_REQUESTS: 'yes', MOORING_DEMO: '0', MOORING_DRAIN_DELAY_MS: '', MOORING_INTRA_OP_THREADS: '4' },
    });
    assert.equal(c.server.port, 0);
    assert.equal(c.log.requests, true);
    assert.equal(c.demo, false);
    assert.equal(c.server.drainDelayMs, 0);
    assert.equal(c.runtime.intraOpThreads, 4);
    assert.equal(loadConfig({ home, env: { MOORING_LOG_REQUESTS: 'FALSE' } }).log.requests, false);
    assert.equal(loadConfig({ home, env: { MOORING_ADMIN_TOKEN: 'a-token-of-enough-length' } }).admin.token, 'a-token-of-enough-length');
  });

  test('a __proto__ key in the file pollutes nothing', () => {
    const c = loadConfig({ home, env: {}, configFile: file('{"__proto__": {"polluted": true}, "server": {"port": 7200}}') });
    assert.equal(c.server.port, 7200);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('bad values fail at start with CONFIG_INVALID naming the variable or path', () => {
  test('MOORING_PORT=abc names the variable', () => {
    const e = invalid(() => loadConfig({ home, env: { MOORING_PORT: 'abc' } }), /MOORING_PORT/, /abc/);
    assert.equal(e.details?.variable, 'MOORING_PORT');
  });

  test('MOORING_DEMO=maybe names the variable', () => {
    invalid(() => loadConfig({ home, env: { MOORING_DEMO: 'maybe' } }), /MOORING_DEMO/);
  });

  test('port 70000 (environment, file or override) names server.port', () => {
    invalid(() => loadConfig({ home, env: { MOORING_PORT: '70000' } }), /server\.port/);
    const e = invalid(() => loadConfig({ home, env: {}, configFile: file('server:\n  port: 70000\n') }), /server\.port/);
    assert.equal(e.details?.path, 'server.port');
    invalid(() => loadConfig({ home, env: {}, overrides: { server: { port: -1 } } }), /server\.port/);
    invalid(() => loadConfig({ home, env: { MOORING_PORT: '80.5' } }), /server\.port/);
  });

  test('a port given as text in the file names server.port', () => {
    invalid(() => loadConfig({ home, env: {}, configFile: file('server:\n  port: "8080"\n') }), /server\.port/);
  });

  test('an unknown key in the file names it and where it is', () => {
    invalid(() => loadConfig({ home, env: {}, configFile: file('server:\n  prot: 8080\n') }), /server/, /prot/);
    invalid(() => loadConfig({ home, env: {}, configFile: file('sever:\n  port: 8080\n') }), /sever/);
  });

  test('bad YAML names the file', () => {
    const p = file('server:\n  port: [8080\n  host: x\n');
    const e = invalid(() => loadConfig({ home, env: {}, configFile: p }), /YAML/);
    assert.ok(e.message.includes(p), e.message);
  });

  test('a file that is not a mapping, or that cannot be read, names the file', () => {
    const list = file('- 1\n- 2\n');
    assert.ok(invalid(() => loadConfig({ home, env: {}, configFile: list })).message.includes(list));
    const missing = join(dir, 'no-such-file.yaml');
    assert.ok(invalid(() => loadConfig({ home, env: {}, configFile: missing })).message.includes(missing));
    assert.ok(invalid(() => loadConfig({ home, env: { MOORING_CONFIG: missing } })).message.includes(missing));
  });

  test('other out-of-range settings name their path', () => {
    invalid(() => loadConfig({ home, env: { MOORING_LOG_LEVEL: 'loud' } }), /log\.level/);
    invalid(() => loadConfig({ home, env: { MOORING_BODY_LIMIT_BYTES: '10' } }), /server\.bodyLimitBytes/);
    invalid(() => loadConfig({ home, env: { MOORING_DRAIN_DELAY_MS: '-5' } }), /server\.drainDelayMs/);
    invalid(() => loadConfig({ home, env: { MOORING_INTRA_OP_THREADS: '0' } }), /runtime\.intraOpThreads/);
    invalid(() => loadConfig({ home, env: { MOORING_ADMIN_TOKEN: 'short' } }), /admin\.token/);
    invalid(() => loadConfig({ home, env: {}, configFile: file('demo: sometimes\n') }), /demo/);
  });
});

