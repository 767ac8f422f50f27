/**
 * `mooring shadow start|stop|report` and `mooring replay`, run as the real executable: first in local mode over a
 * prediction log written by hand (the numbers are checked exactly), then against a running `mooring serve` on the same
 * home, where a live shadow mirrors real requests and every command goes over HTTP.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { ComparisonReportDto } from '../../src/protocol/admin/comparison-dto.js';
import type { DeploymentChangeDto } from '../../src/protocol/admin/deployment-dto.js';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { linearExpect } from '../helpers/harness.js';
import { failed, ok, removeDir, runCli, serveDuringSuite, stdoutJson, tempDir, type CliResult } from './cli-harness.js';

const v1 = linearModel();
const v2 = linearModelV2();
/** Dyadic inputs: every FP32 answer equals linearExpect exactly. */
const XS = [
  [1, 2, 3, 4],
  [2, 1, 0, -1],
  [0.5, 0.5, 0.5, 0.5],
];
const T0 = Date.now() - 3_600_000;

let dir: string;
let home: string;

function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

const body = (x: readonly number[]) => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }] });
const answer = (version: number, y: number) => ({ model_name: 'lin', model_version: String(version), outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [y] }] });
const diffs = (xs: readonly (readonly number[])[]) => xs.map((x) => Math.abs(linearExpect(v2, x) - linearExpect(v1, x)));
const mean = (a: readonly number[]) => a.reduce((s, d) => s + d, 0) / a.length;

function rec(id: string, at: number, over: Partial<PredictionRecord>): PredictionRecord {
  return { id, at, model: 'lin', version: 1, route: 'production', rows: 1, inputs: null, outputs: null, latencyMs: 2, status: 'ok', error: null, flags: [], ...over };
}

before(async () => {
  dir = tempDir('cli-shadow');
  home = join(dir, 'home');
  const ctx = await openContext(loadConfig({ home, env: {}, overrides: { demo: false, log: { level: 'silent' } } }), { processMetrics: false });
  try {
    await ctx.registry.register({ name: 'lin', artifact: v1.bytes, alias: 'production' }, { actor: 'test' });
    await ctx.registry.register({ name: 'lin', artifact: v2.bytes }, { actor: 'test' });
    const records: PredictionRecord[] = [];
    XS.forEach((x, i) => {
      const at = T0 + i * 1000;
      records.push(rec(`r${i}`, at, { inputs: body(x), outputs: answer(1, linearExpect(v1, x)) }));
      records.push(rec(`r${i}`, at + 5, { route: 'shadow', version: 2, inputs: body(x), outputs: answer(2, linearExpect(v2, x)), flags: ['shadow_of:1'] }));
    });
    // A request whose shadow run failed.
    records.push(rec('r3', T0 + 3000, { inputs: body([0, 0, 0, 0]), outputs: answer(1, linearExpect(v1, [0, 0, 0, 0])) }));
    records.push(rec('r3', T0 + 3005, { route: 'shadow', version: 2, inputs: body([0, 0, 0, 0]), status: 'error', error: 'DEADLINE_EXCEEDED', flags: ['shadow_of:1'] }));
    await ctx.predictionLog.append(records);
  } finally {
    await ctx.close();
  }
});

after(() => removeDir(dir));

describe('mooring shadow and replay, in local mode', () => {
  it('starts a shadow (a policy revision), refuses production and bad samples', async () => {
    const c = stdoutJson<DeploymentChangeDto>(ok(await mooring('shadow', 'start', 'lin', '2', '--sample', '50%', '--json')));
    assert.equal(c.changed, true);
    assert.deepEqual(c.policy.routing.shadows.map((s) => [s.version, s.sample]), [[2, 0.5]]);
    const text = ok(await mooring('shadow', 'start', 'lin', '2', '--sample', '0.25')).stdout;
    assert.match(text, /^lin: shadow of version 2 started \(deployment policy revision 2\)$/m);
    assert.match(text, /^\s+2\s+25%\s+\d{4}-/m);
    failed(await mooring('shadow', 'start', 'lin', '1'), 2, 'INVALID_REQUEST');
    failed(await mooring('shadow', 'start', 'lin', '2', '--sample', '2'), 2, 'INVALID_REQUEST');
    failed(await mooring('shadow', 'start', 'lin', '7'), 3, 'VERSION_NOT_FOUND');
  });

  it('reports the logged shadow runs against production, exactly', async () => {
    const since = String(T0 - 1);
    const r = stdoutJson<ComparisonReportDto>(ok(await mooring('shadow', 'report', 'lin', '2', '--since', since, '--json')));
    const d = diffs(XS);
    assert.deepEqual(
      [r.version, r.primary_versions, r.requests, r.rows, r.agreement, r.agreement_rule, r.errors, r.error_detail.codes, r.skipped],
      [2, [1], 4, 3, 0, 'tolerance', 1, { DEADLINE_EXCEEDED: 1 }, 0],
    );
    assert.deepEqual([r.mean_abs_diff, r.max_abs_diff, r.latency_ms], [mean(d), Math.max(...d), { primary: { p50: 2, p99: 2 }, shadow: { p50: 2, p99: 2 } }]);
    const text = ok(await mooring('shadow', 'report', 'lin', '--since', since)).stdout;
    assert.match(text, /^shadow report: lin version 2 against version 1$/m);
    assert.match(text, /^agreement:\s+0% \(within 1e-6 relative\)$/m);
    assert.match(text, /^errors:\s+1 \(DEADLINE_EXCEEDED 1\)$/m);
    assert.match(text, /^p99\s+2\s+2$/m);
    // Since the shadow (re)started: nothing logged yet.
    assert.equal(stdoutJson<ComparisonReportDto>(ok(await mooring('shadow', 'report', 'lin', '--json'))).requests, 0);
  });

  it('replays logged production requests on a version and prints the same report', async () => {
    const r = stdoutJson<ComparisonReportDto>(ok(await mooring('replay', 'lin', '2', '--json')));
    const d = diffs([...XS, [0, 0, 0, 0]]);
    assert.deepEqual([r.source, r.version, r.requests, r.rows, r.errors, r.agreement], ['replay', 2, 4, 4, 0, 0]);
    assert.deepEqual([r.mean_abs_diff, r.max_abs_diff], [mean(d), Math.max(...d)]);
    const last = stdoutJson<ComparisonReportDto>(ok(await mooring('replay', 'lin', '1', '--last', '2', '--json')));
    assert.deepEqual([last.requests, last.agreement, last.max_abs_diff], [2, 1, 0]);
    assert.match(ok(await mooring('replay', 'lin', '2', '--since', '2h')).stdout, /^replay: lin version 2 on requests answered by version 1$/m);
    failed(await mooring('replay', 'lin', '2', '--last', '2', '--since', '1h'), 2, 'INVALID_REQUEST');
  });

  it('stops the shadows', async () => {
    const c = stdoutJson<DeploymentChangeDto>(ok(await mooring('shadow', 'stop', 'lin', '--json')));
    assert.deepEqual([c.changed, c.policy.routing.shadows], [true, []]);
    assert.match(ok(await mooring('shadow', 'stop', 'lin', '2')).stdout, /^lin: no change/m);
    failed(await mooring('shadow', 'report', 'lin'), 2, 'INVALID_REQUEST');
  });
});

describe('the same commands against a running server', () => {
  const live = serveDuringSuite(home, { before, after });

  it('mirrors live requests to a shadow and reports them, and replays, over HTTP', async () => {
    const started = stdoutJson<DeploymentChangeDto>(ok(await mooring('shadow', 'start', 'lin', '2', '--json')));
    assert.deepEqual(started.policy.routing.shadows.map((s) => s.version), [2]);
    const auth = { authorization: `Bearer ${live.token}` };
    const report = async (): Promise<ComparisonReportDto> =>
      (await (await fetch(`${live.server.url}/api/models/lin/shadows/2/report`, { headers: auth })).json()) as ComparisonReportDto;
    const infer = async (x: readonly number[]): Promise<void> => {
      const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body(x)) };
      assert.equal((await fetch(`${live.server.url}/v2/models/lin/infer`, init)).status, 200);
    };
    // One input, sent until three of its requests were mirrored and logged (a shadow mirrors once it is loaded, and
    // the log is written in batches): however many it takes, every pair differs by the same amount.
    const x = XS[0]!;
    let seen = 0;
    for (let round = 0; round < 50 && seen < 3; round++) {
      for (let i = 0; i < 3; i++) await infer(x);
      for (let poll = 0; poll < 20 && seen < 3; poll++) {
        seen = (await report()).requests;
        if (seen < 3) await new Promise((r) => setTimeout(r, 100));
      }
    }
    assert.ok(seen >= 3, 'the shadow runs reach the report');
    const r = stdoutJson<ComparisonReportDto>(ok(await mooring('shadow', 'report', 'lin', '--json')));
    const [d] = diffs([x]);
    assert.ok(r.requests >= 3);
    assert.deepEqual([r.version, r.primary_versions, r.rows, r.agreement, r.errors, r.skipped], [2, [1], r.requests, 0, 0, 0]);
    assert.deepEqual([r.mean_abs_diff, r.max_abs_diff], [d, d]);

    const replayed = stdoutJson<ComparisonReportDto>(ok(await mooring('replay', 'lin', '2', '--last', '2', '--json')));
    assert.deepEqual([replayed.source, replayed.requests, replayed.errors, replayed.agreement], ['replay', 2, 0, 0]);
    assert.match(ok(await mooring('shadow', 'stop', 'lin', '2')).stdout, /^lin: shadow of version 2 stopped/m);
  });
});
