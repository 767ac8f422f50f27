/**
 * Canary rollouts through the admin API: the HTTP routes (in-process app), HttpAdminClient against a real server
 * (errors rebuilt as MooringErrors), and the `mooring rollout` commands as the real executable in local mode (the
 * home opened in-process), with their JSON, their human output and their exit codes.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HttpAdminClient } from '../../src/cli/http-admin-client.js';
import { loadConfig } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import { MooringError } from '../../src/core/errors.js';
import type { RolloutStatusDto } from '../../src/protocol/admin/rollout-dto.js';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { openTestApp, startTestServer } from '../helpers/harness.js';
import type { TestApp, TestServer } from '../helpers/harness.js';
import { failed, ok, removeDir, runCli, stdoutJson, tempDir, type CliResult } from './cli-harness.js';

const T0 = Date.UTC(2026, 0, 1);

describe('the rollout routes', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp({ clock: () => T0, overrides: { alerts: { enabled: false } } });
    await t.register('lin', linearModel().bytes, { alias: 'production' });
    await t.register('lin', linearModelV2().bytes);
  });
  after(async () => t?.close());

  it('starts, shows and moves a rollout; answers the status every time', async () => {
    const none = await t.admin('GET', '/api/models/lin/rollout');
    assert.equal(none.status, 200, none.text);
    assert.deepEqual(none.body, { model: 'lin', production_version: 1, revision: 0, canary: null, rollout: null, history: [] });

    const started = await t.admin('POST', '/api/models/lin/rollout', { version: 2, steps: [5, 25, 100], interval_ms: 60_000, max_error_rate: 0.02, reason: 'ship v2' });
    assert.equal(started.status, 201, started.text);
    const s = started.body as RolloutStatusDto;
    assert.deepEqual(s.canary, { version: 2, weight: 5 });
    assert.deepEqual(s.rollout, {
      version: 2,
      baseline_version: 1,
      phase: 'progressing',
      step: 0,
      steps: [5, 25, 100],
      weight: 5,
      interval_ms: 60_000,
      max_error_rate: 0.02,
      max_latency_ratio: 1.5,
      max_drift: 0.2,
      max_accuracy_drop: 0.05,
      min_requests: 100,
      max_failed_checks: 1,
      weighted_rollback: false,
      failed_checks: 0,
      started_at: new Date(T0).toISOString(),
      step_started_at: new Date(T0).toISOString(),
      next_check_at: new Date(T0 + 60_000).toISOString(),
      last_check: null,
    });
    assert.equal(s.history.length, 1);
    assert.match(s.history[0]!.reason ?? '', /started over version 1: canary at 5% \(step 1 of 3\): ship v2$/);
    assert.equal(s.history[0]!.actor, 'api:api');

    const paused = await t.admin('POST', '/api/models/lin/rollout/pause', { reason: 'a look' });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.body.rollout.phase, 'paused');
    assert.equal(paused.body.rollout.next_check_at, null);
    // No body at all is fine too.
    const resumed = await t.adminInject({ method: 'POST', url: '/api/models/lin/rollout/resume' });
    assert.equal(resumed.statusCode, 200, resumed.body);
    const promoted = await t.admin('POST', '/api/models/lin/rollout/promote', {});
    assert.equal(promoted.status, 200, promoted.text);
    assert.equal(promoted.body.rollout.phase, 'promoted');
    assert.equal(promoted.body.production_version, 2);
    assert.equal(promoted.body.canary, null);
    assert.deepEqual(
      (promoted.body as RolloutStatusDto).history.map((h) => h.phase),
      ['progressing', 'paused', 'progressing', 'promoted'],
    );
  });

  it('refuses with coded errors: conflict, not found, invalid settings', async () => {
    const abort = await t.admin('POST', '/api/models/lin/rollout/abort', {});
    assert.equal(abort.status, 409);
    assert.equal(abort.body.code, 'ROLLOUT_CONFLICT');
    const same = await t.admin('POST', '/api/models/lin/rollout', { version: 2, steps: [100], interval_ms: 60_000 });
    assert.equal(same.status, 409, 'version 2 already serves production');
    const bad = await t.admin('POST', '/api/models/lin/rollout', { version: 1, steps: [50, 25, 100], interval_ms: 60_000 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.code, 'INVALID_REQUEST');
    assert.equal(bad.body.details.field, 'steps');
    const unknownField = await t.admin('POST', '/api/models/lin/rollout', { version: 1, steps: [100], interval_ms: 60_000, maxDrift: 1 });
    assert.equal(unknownField.status, 400);
    const unknownModel = await t.admin('POST', '/api/models/nope/rollout/pause', {});
    assert.equal(unknownModel.status, 404);
    assert.equal(unknownModel.body.code, 'MODEL_NOT_FOUND');
    await t.register('other', linearModel().bytes, { alias: 'production' });
    const noRollout = await t.admin('POST', '/api/models/other/rollout/resume', {});
    assert.equal(noRollout.status, 404);
    assert.equal(noRollout.body.code, 'ROLLOUT_NOT_FOUND');
    const unauthorized = await t.inject({ method: 'GET', url: '/api/models/lin/rollout' });
    assert.equal(unauthorized.statusCode, 401);
  });

  it('is in the OpenAPI document', async () => {
    const doc = await t.get('/api/openapi.json');
    for (const p of ['/api/models/{name}/rollout', '/api/models/{name}/rollout/pause', '/api/models/{name}/rollout/abort']) {
      assert.ok(doc.body.paths[p], p);
    }
  });
});

describe('HttpAdminClient against a server', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer({ overrides: { rollouts: { enabled: false } } });
    await s.register('lin', linearModel().bytes, { alias: 'production' });
    await s.register('lin', linearModelV2().bytes);
  });
  after(async () => s?.close());

  it('starts, reads and aborts a rollout; refusals are the registry MooringErrors', async () => {
    const client = new HttpAdminClient({ baseUrl: s.url, token: s.token, actor: 'ann@box' });
    const started = await client.startRollout('lin', { version: 2, steps: [10, 100], intervalMs: 5000, weightedRollback: true, minRequests: 3 }, 'try');
    assert.equal(started.rollout?.weighted_rollback, true);
    assert.equal(started.rollout?.min_requests, 3);
    assert.equal(started.history[0]?.actor, 'api:ann@box');
    assert.equal((await client.rolloutStatus('lin')).rollout?.phase, 'progressing');
    await assert.rejects(client.resumeRollout('lin'), (e: unknown) => e instanceof MooringError && e.code === 'ROLLOUT_CONFLICT');
    const aborted = await client.abortRollout('lin', 'changed my mind');
    assert.equal(aborted.rollout?.phase, 'aborted');
    assert.match(aborted.history.at(-1)?.reason ?? '', /aborted at 10%.*: changed my mind$/);
    assert.equal(aborted.production_version, 1);
  });
});

describe('mooring rollout, in local mode', () => {
  let dir: string;
  let home: string;
  const mooring = (...args: string[]): Promise<CliResult> => runCli(['--home', home, ...args]);

  before(async () => {
    dir = tempDir('cli-rollout');
    home = join(dir, 'home');
    const ctx = await openContext(loadConfig({ home, env: {}, overrides: { demo: false, log: { level: 'silent' } } }), { processMetrics: false });
    try {
      await ctx.registry.register({ name: 'lin', artifact: linearModel().bytes, alias: 'production' }, { actor: 'test' });
      await ctx.registry.register({ name: 'lin', artifact: linearModelV2().bytes }, { actor: 'test' });
    } finally {
      await ctx.close();
    }
  });
  after(() => removeDir(dir));

  it('starts a rollout and shows it, as JSON and as text', async () => {
    const started = stdoutJson<RolloutStatusDto>(
      ok(await mooring('rollout', 'start', 'lin', '2', '--steps', '5,25,100', '--interval', '90s', '--max-latency-ratio', '2', '--min-requests', '50', '--json')),
    );
    assert.equal(started.rollout?.interval_ms, 90_000);
    assert.equal(started.rollout?.max_latency_ratio, 2);
    assert.equal(started.rollout?.min_requests, 50);
    assert.deepEqual(started.canary, { version: 2, weight: 5 });
    assert.match(started.history[0]?.actor ?? '', /^cli:/);

    const text = ok(await mooring('rollout', 'status', 'lin')).stdout;
    assert.match(text, /^rollout of lin version 2 over version 1: progressing, step 1 of 3$/m);
    assert.match(text, /^canary: +version 2 at 5%$/m);
    assert.match(text, /^steps: +5% -> 25% -> 100%, each watched 1m30s$/m);
    assert.match(text, /p99 <= 2x production/);
    assert.match(text, /^history$/m);
  });

  it('pauses, resumes and aborts with reasons; refusals exit with their category', async () => {
    const paused = stdoutJson<RolloutStatusDto>(ok(await mooring('rollout', 'pause', 'lin', '--reason', 'lunch', '--json')));
    assert.equal(paused.rollout?.phase, 'paused');
    assert.match(paused.history.at(-1)?.reason ?? '', /: lunch$/);
    failed(await mooring('rollout', 'pause', 'lin'), 4, 'ROLLOUT_CONFLICT');
    failed(await mooring('rollout', 'start', 'lin', '2', '--steps', '5,25,100', '--interval', '60s'), 4, 'ROLLOUT_CONFLICT');
    ok(await mooring('rollout', 'resume', 'lin'));
    const text = ok(await mooring('rollout', 'abort', 'lin')).stdout;
    assert.match(text, /^rollout of lin version 2 over version 1: aborted$/m);
    assert.match(text, /^canary: +none$/m);
    failed(await mooring('rollout', 'promote', 'lin'), 4, 'ROLLOUT_CONFLICT');
    failed(await mooring('rollout', 'status', 'nope'), 3, 'MODEL_NOT_FOUND');
    failed(await mooring('rollout', 'start', 'lin', '2', '--steps', '5,50', '--interval', '60s'), 2, 'INVALID_REQUEST');
    failed(await mooring('rollout', 'start', 'lin', '2', '--steps', 'five', '--interval', '60s'), 2, 'INVALID_REQUEST');
    failed(await mooring('rollout', 'start', 'lin', '2', '--steps', '5,100', '--interval', 'soon'), 2, 'INVALID_REQUEST');
  });
});
