/**
 * `mooring deployment show|set|history` and what `models show` / `models profile` print for named features and
 * training profiles, run as the real executable: first in local mode (no server: the home opened in-process),
 * then against a running `mooring serve` on the same home, where every command goes over HTTP and answers the
 * same JSON. Exit codes follow the error categories as for every other command.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import { DEFAULT_POLICY } from '../../src/core/deployment/policy.js';
import type { DeploymentChangeDto, DeploymentDto } from '../../src/protocol/admin/deployment-dto.js';
import type { ModelVersionDto } from '../../src/protocol/admin/dto.js';
import { profileDto } from '../../src/protocol/admin/profile-dto.js';
import type { VersionProfileAnswerDto } from '../../src/protocol/admin/profile-dto.js';
import { toSnakeKeys } from '../../src/protocol/admin/wire-case.js';
import { sampleFeatures, sampleProfile } from '../conformance/registry-fixtures.js';
import { linearModel } from '../fixtures/models.js';
import { failed, ok, removeDir, runCli, startServe, stdoutJson, tempDir, type CliResult, type ServeProcess } from './cli-harness.js';

let dir: string;
let home: string;

function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

const defaults = toSnakeKeys(DEFAULT_POLICY);

before(async () => {
  dir = tempDir('cli-deployment');
  home = join(dir, 'home');
  // The CLI's own `models register` computes features and profiles from reference data; here they are given.
  const ctx = await openContext(loadConfig({ home, env: {}, overrides: { demo: false, log: { level: 'silent' } } }), { processMetrics: false });
  try {
    await ctx.registry.register({ name: 'churn', artifact: linearModel().bytes, features: sampleFeatures(), profile: sampleProfile() }, { actor: 'test' });
    await ctx.registry.register({ name: 'plain', artifact: linearModel().bytes }, { actor: 'test' });
  } finally {
    await ctx.close();
  }
});

after(() => removeDir(dir));

describe('mooring deployment, in local mode', () => {
  it('shows the defaults as revision 0 before anything is set', async () => {
    const d = stdoutJson<DeploymentDto>(ok(await mooring('deployment', 'show', 'churn', '--json')));
    assert.deepEqual([d.name, d.revision, d.policy], ['churn', 0, defaults]);
    const text = ok(await mooring('deployment', 'show', 'churn')).stdout;
    assert.match(text, /revision 0: the defaults, never set/);
    assert.match(text, /^validation\.anomalies:\s+flag$/m);
    assert.match(text, /^validation\.max_rows:\s+10000$/m);
    assert.match(ok(await mooring('deployment', 'history', 'churn')).stdout, /never set/);
    assert.deepEqual(stdoutJson(ok(await mooring('deployment', 'history', 'churn', '--json'))), { revisions: [] });
  });

  it('sets fields, keeps the others, and a repeat changes nothing', async () => {
    const set = await mooring('deployment', 'set', 'churn', '--on-anomaly', 'reject', '--max-rows', '5', '--range-tolerance', '0.25', '--reason', 'launch', '--json');
    const c = stdoutJson<DeploymentChangeDto>(ok(set));
    assert.deepEqual([c.changed, c.revision, c.reason], [true, 1, 'launch']);
    assert.match(c.actor, /^cli:/);
    assert.deepEqual(c.policy.validation, { ...defaults.validation, anomalies: 'reject', max_rows: 5, range_tolerance: 0.25 });

    const repeat = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'churn', '--max-rows', '5', '--json')));
    assert.deepEqual([repeat.changed, repeat.revision], [false, 1]);
    assert.match(ok(await mooring('deployment', 'set', 'churn', '--max-rows', '5')).stdout, /no change/);

    const human = ok(await mooring('deployment', 'set', 'churn', '--on-schema-error', 'fallback', '--max-input-bytes', '1048576')).stdout;
    assert.match(human, /churn: deployment policy revision 2 set/);
    assert.match(human, /^validation\.schema:\s+fallback$/m);
    assert.match(human, /^validation\.anomalies:\s+reject$/m);

    const history = stdoutJson<{ revisions: DeploymentDto[] }>(ok(await mooring('deployment', 'history', 'churn', '--json'))).revisions;
    assert.deepEqual(history.map((r) => r.revision), [1, 2]);
    const table = ok(await mooring('deployment', 'history', 'churn')).stdout;
    assert.match(table, /^\s*1 .*launch\s+validation\.anomalies=reject, validation\.range_tolerance=0\.25, validation\.max_rows=5$/m);
    assert.match(table, /^\s*2 .*validation\.schema=fallback, validation\.max_input_bytes=1048576$/m);
    const audit = stdoutJson<{ records: Array<{ action: string; target: string }> }>(ok(await mooring('audit', '--target', 'model:churn', '--limit', '1', '--json')));
    assert.deepEqual(audit.records.map((r) => [r.action, r.target]), [['deployment.set', 'model:churn']]);
  });

  it('turns batching, the response cache and coalescing on and off', async () => {
    const set = await mooring('deployment', 'set', 'plain', '--batching', 'on', '--max-batch-size', '8', '--max-queue-delay-us', '200', '--cache', 'on', '--cache-ttl-ms', '1000', '--coalescing', 'off', '--json');
    const c = stdoutJson<DeploymentChangeDto>(ok(set));
    assert.deepEqual(c.policy.batching, { enabled: true, max_batch_size: 8, max_queue_delay_micros: 200 });
    assert.deepEqual(c.policy.cache, { enabled: true, ttl_ms: 1000 });
    assert.deepEqual(c.policy.coalescing, { enabled: false });
    assert.deepEqual(c.policy.validation, defaults.validation, 'the other sections keep their values');
    const off = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'plain', '--cache', 'off', '--json')));
    assert.deepEqual(off.policy.cache, { enabled: false, ttl_ms: 1000 });
    assert.match(ok(await mooring('deployment', 'show', 'plain')).stdout, /^batching\.max_batch_size:\s+8$/m);
    failed(await mooring('deployment', 'set', 'plain', '--batching', 'maybe'), 2, 'INVALID_REQUEST');
  });

  it('exits by error category: 3 for an unknown model, 2 for a bad value or no change asked', async () => {
    const [missing, range, choice, none, notNumber, zero] = await Promise.all([
      mooring('deployment', 'show', 'ghost'),
      mooring('deployment', 'set', 'churn', '--range-tolerance', '5000'),
      mooring('deployment', 'set', 'churn', '--on-anomaly', 'explode'),
      mooring('deployment', 'set', 'churn'),
      mooring('deployment', 'set', 'churn', '--max-rows', 'many'),
      mooring('deployment', 'set', 'churn', '--max-rows', '0'),
    ]);
    failed(missing, 3, 'MODEL_NOT_FOUND');
    failed(range, 2, 'INVALID_REQUEST');
    assert.match(range.stderr, /validation\.range_tolerance/);
    failed(choice, 2, 'INVALID_REQUEST');
    assert.match(choice.stderr, /reject, flag, fallback, off/);
    failed(none, 2, 'INVALID_REQUEST');
    assert.match(none.stderr, /at least one policy flag/);
    failed(notNumber, 2, 'INVALID_REQUEST');
    failed(zero, 2, 'INVALID_REQUEST');
    assert.match(zero.stderr, /validation\.max_rows/);
    failed(await mooring('deployment', 'history', 'ghost'), 3, 'MODEL_NOT_FOUND');
  });
});

describe('models show and models profile, in local mode', () => {
  it('models show prints the features and a profile summary', async () => {
    for (const ref of ['churn', 'churn/1']) {
      const text = ok(await mooring('models', 'show', ref)).stdout;
      assert.match(text, /features \(input x, 4 columns\):/);
      assert.match(text, /^city\s+categorical\s+onehot \(2: "ny", "sf"\)\s+no$/m);
      assert.match(text, /^income\s+numerical\s+value\s+yes$/m);
      assert.match(text, /profile: 100 rows from train\.parquet/);
      assert.match(text, /^age\s+feature\s+numerical\s+0%\s+18 \.\. 77\.5$/m);
      assert.match(text, /^income\s+feature\s+numerical\s+3%/m);
      assert.match(text, /^city\s+feature\s+categorical\s+0%\s+"ny" 60, "__proto__" 39, \(other\) 1$/m);
      assert.match(text, /^y\s+output\s+numerical/m);
    }
    const v = stdoutJson<ModelVersionDto>(ok(await mooring('models', 'show', 'churn/1', '--json')));
    assert.deepEqual([v.features, v.has_profile], [sampleFeatures(), true]);
    const plain = ok(await mooring('models', 'show', 'plain')).stdout;
    assert.doesNotMatch(plain, /features|profile/);
  });

  it('models profile prints the whole profile, or says there is none', async () => {
    const answer = stdoutJson<VersionProfileAnswerDto>(ok(await mooring('models', 'profile', 'churn@latest', '--json')));
    assert.deepEqual(answer, { name: 'churn', version: 1, profile: profileDto(sampleProfile()) });
    const text = ok(await mooring('models', 'profile', 'churn/1')).stdout;
    assert.match(text, /^rows:\s+100$/m);
    assert.match(text, /^ {2}age \(numerical\)$/m);
    assert.match(text, /quantiles:\s+p1 18\.595 {2}p5 20\.975/);
    assert.match(text, /histogram:\s+\[18, 38\) 40 \| \[38, 58\) 35 \| \[58, 77\.5\] 25/);
    assert.match(text, /categories:\s+"ny" 60, "__proto__" 39, \(other\) 1/);
    assert.match(text, /^outputs \(1\):$/m);
    assert.match(ok(await mooring('models', 'profile', 'plain/1')).stdout, /plain version 1 has no training profile/);
    assert.deepEqual(stdoutJson(ok(await mooring('models', 'profile', 'plain/1', '--json'))), { name: 'plain', version: 1, profile: null });
    failed(await mooring('models', 'profile', 'plain/9'), 3, 'VERSION_NOT_FOUND');
  });
});

describe('the same commands against a running server', () => {
  let server: ServeProcess;
  let token: string;

  before(async () => {
    server = await startServe(home, ['--port', '0', '--no-demo']);
    token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  });

  after(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('registers features and a profile over HTTP, and the CLI reads them from the server', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const upload = await fetch(`${server.url}/api/artifacts`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: linearModel().bytes,
    });
    const { sha256 } = (await upload.json()) as { sha256: string };
    const created = await fetch(`${server.url}/api/models/churn/versions`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ artifact_sha256: sha256, features: sampleFeatures(), profile: profileDto(sampleProfile(1000)) }),
    });
    assert.equal(created.status, 201, await created.clone().text());
    const version = (await created.json()) as ModelVersionDto;
    assert.deepEqual([version.version, version.has_profile], [2, true]);

    const r = ok(await mooring('--verbose', 'models', 'profile', 'churn/2', '--json'));
    assert.match(r.stderr, /using the server at/);
    assert.deepEqual(stdoutJson<VersionProfileAnswerDto>(r).profile, profileDto(sampleProfile(1000)));
    assert.match(ok(await mooring('models', 'show', 'churn/2')).stdout, /profile: 100 rows from train\.parquet/);
  });

  it('shows, sets and lists deployment revisions through the server', async () => {
    const shown = stdoutJson<DeploymentDto>(ok(await mooring('deployment', 'show', 'churn', '--json')));
    assert.equal(shown.revision, 2, 'the revisions set in local mode are the server\'s too');
    const c = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'churn', '--on-anomaly', 'off', '--reason', 'noisy', '--json')));
    assert.deepEqual([c.changed, c.revision, c.reason, c.policy.validation.anomalies], [true, 3, 'noisy', 'off']);
    assert.match(c.actor, /^api:/);
    assert.equal(c.policy.validation.schema, 'fallback', 'earlier revisions still hold');
    const repeat = stdoutJson<DeploymentChangeDto>(ok(await mooring('deployment', 'set', 'churn', '--on-anomaly', 'off', '--json')));
    assert.deepEqual([repeat.changed, repeat.revision], [false, 3]);
    const history = stdoutJson<{ revisions: DeploymentDto[] }>(ok(await mooring('deployment', 'history', 'churn', '--json'))).revisions;
    assert.deepEqual(history.map((r) => [r.revision, r.reason]), [[1, 'launch'], [2, null], [3, 'noisy']]);
    failed(await mooring('deployment', 'show', 'ghost'), 3, 'MODEL_NOT_FOUND');
    const bad = await mooring('deployment', 'set', 'churn', '--max-rows', '0');
    failed(bad, 2, 'INVALID_REQUEST');
    assert.match(bad.stderr, /validation\.max_rows/);
  });
});
