/**
 * `mooring drift report` as the real executable: in local mode (the home opened in-process) and against a running
 * `mooring serve` on the same home (over HTTP), the same JSON; `--html FILE` writes a self-contained page; the
 * human form is a table; a version without reference data exits 3, a muddled window 2.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { DriftReport } from '../../src/protocol/admin/drift-dto.js';
import { OnnxModelRuntime } from '../../src/runtime/onnx/onnx-model-runtime.js';
import { buildReferenceProfile } from '../../src/services/reference-profile.js';
import { linearModel } from '../fixtures/models.js';
import { driftReference, driftTraffic } from '../helpers/drift-data.js';
import { failed, ok, removeDir, runCli, startServe, stdoutJson, tempDir, type CliResult, type ServeProcess } from './cli-harness.js';

let dir: string;
let home: string;
const T0 = Date.UTC(2025, 0, 1);
const SHIFT_AT = T0 + 3_600_000;

function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

before(async () => {
  dir = tempDir('cli-drift');
  home = join(dir, 'home');
  const ctx = await openContext(loadConfig({ home, env: {}, overrides: { demo: false, log: { level: 'silent' } } }), { processMetrics: false });
  try {
    const model = linearModel();
    const { features, profile } = await buildReferenceProfile(new OnnxModelRuntime(), model.bytes, driftReference(600), {
      features: [{ name: 'age' }, { name: 'plan', encoding: 'onehot' }, { name: 'region', encoding: 'index' }],
      source: 'test',
      now: 0,
    });
    await ctx.registry.register({ name: 'cust', artifact: model.bytes, features, profile, alias: 'production' }, { actor: 'test' });
    await ctx.registry.register({ name: 'plain', artifact: model.bytes, alias: 'production' }, { actor: 'test' });
    // Real answers of the model, logged at fixed times: 30 normal requests an hour before SHIFT_AT, 30 shifted after.
    const records: PredictionRecord[] = [];
    for (const [start, shifted, seed] of [[T0, false, 7], [SHIFT_AT, true, 8]] as const) {
      let i = 0;
      for (const batch of driftTraffic(30, 10, seed, shifted)) {
        const answer = await ctx.admin.predict('cust', { instances: batch });
        records.push({
          id: `${seed}-${i}`,
          at: start + i++ * 1000,
          model: 'cust',
          version: 1,
          route: 'production',
          rows: batch.length,
          inputs: { instances: batch },
          outputs: answer.body,
          latencyMs: 1,
          status: 'ok',
          error: null,
          flags: [],
        });
      }
    }
    await ctx.predictionLog.append(records);
  } finally {
    await ctx.close();
  }
});

after(() => removeDir(dir));

const calm = ['--since', new Date(T0).toISOString(), '--until', new Date(SHIFT_AT).toISOString()];

describe('mooring drift report, in local mode', () => {
  it('prints the report as JSON: no drift before the shift, drift after it', async () => {
    const before = stdoutJson<DriftReport>(ok(await mooring('drift', 'report', 'cust', ...calm, '--json')));
    assert.deepEqual([before.model, before.version, before.reference_rows, before.current_rows], ['cust', 1, 600, 300]);
    assert.equal(before.dataset_drift, false);
    assert.deepEqual(Object.keys(before), ['model', 'version', 'reference_rows', 'current_rows', 'dataset_drift', 'drift_share', 'columns']);
    assert.deepEqual(Object.keys(before.columns[0]!), ['name', 'kind', 'type', 'method', 'statistic', 'p_value', 'threshold', 'drift']);

    const shifted = stdoutJson<DriftReport>(ok(await mooring('drift', 'report', 'cust', '--last', '30', '--version', '1', '--json')));
    assert.equal(shifted.current_rows, 300);
    assert.equal(shifted.dataset_drift, true);
    assert.deepEqual(shifted.columns.map((c) => [c.name, c.drift]), [['age', true], ['plan', true], ['region', false], ['y', true]]);
  });

  it('prints a table of columns, and forces a method', async () => {
    const text = ok(await mooring('drift', 'report', 'cust', '--last', '30', '--method', 'wasserstein')).stdout;
    assert.match(text, /^cust version 1: DATASET DRIFT \(2 of 3 features drifted, share 0\.6667\)$/m);
    assert.match(text, /^COLUMN\s+KIND\s+TYPE\s+TEST\s+STATISTIC\s+P-VALUE\s+THRESHOLD\s+DRIFT$/m);
    assert.match(text, /^age\s+feature\s+numerical\s+wasserstein\s+\S+\s+-\s+0\.1\s+DRIFT$/m);
    assert.match(text, /^plan\s+feature\s+categorical\s+ztest\s/m, 'Wasserstein needs numbers: a categorical column keeps its default');
  });

  it('writes the HTML report with --html', async () => {
    const file = join(dir, 'drift.html');
    const r = ok(await mooring('drift', 'report', 'cust', '--last', '30', '--html', file, '--json'));
    assert.equal(stdoutJson<DriftReport>(r).dataset_drift, true);
    assert.match(r.stderr, /wrote the HTML report/);
    assert.ok(existsSync(file));
    const html = readFileSync(file, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.equal((html.match(/<svg /g) ?? []).length, 4);
    assert.doesNotMatch(html, /<script/);
  });

  it('exits 3 for a version without reference data and 2 for a muddled window', async () => {
    failed(await mooring('drift', 'report', 'plain'), 3, 'PROFILE_NOT_FOUND');
    failed(await mooring('drift', 'report', 'nope'), 3, 'MODEL_NOT_FOUND');
    failed(await mooring('drift', 'report', 'cust', '--since', '1h', '--last', '5'), 2, 'INVALID_REQUEST');
    failed(await mooring('drift', 'report', 'cust', '--method', 'magic'), 2, 'INVALID_REQUEST');
    failed(await mooring('drift', 'report', 'cust', '--since', 'yesterday'), 2, 'INVALID_TIME');
  });
});

describe('mooring drift report, against a running server', () => {
  let server: ServeProcess;
  before(async () => {
    server = await startServe(home, ['--port', '0', '--no-demo']);
  });
  after(() => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  });

  it('answers the same report over HTTP, HTML included', async () => {
    const remote = stdoutJson<DriftReport>(ok(await runCli(['--home', dir + '/nowhere', '--url', server.url, '--token', readFileSync(join(home, 'admin-token'), 'utf8').trim(), 'drift', 'report', 'cust', ...calm, '--json'])));
    assert.equal(remote.current_rows, 300);
    assert.equal(remote.dataset_drift, false);
    const file = join(dir, 'server.html');
    const viaHome = ok(await mooring('--verbose', 'drift', 'report', 'cust', '--last', '30', '--html', file));
    assert.match(viaHome.stderr, /using the server at/);
    assert.match(readFileSync(file, 'utf8'), /Drift report: cust version 1/);
  });
});
