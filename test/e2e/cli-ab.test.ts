/**
 * `mooring ab start|report|stop`, run as the real executable: first in local mode over a prediction log written by
 * hand (the test's numbers are checked exactly against test/fixtures/significance-vectors.json), then against a
 * running `mooring serve` on the same home, where the split sends real requests to both versions by sticky key and
 * every command goes over HTTP.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { AbChangeDto, AbReportDto } from '../../src/protocol/admin/ab-admin-api.js';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { linearExpect } from '../helpers/harness.js';
import { failed, ok, removeDir, runCli, startServe, stdoutJson, tempDir, writeBytes, type CliResult, type ServeProcess } from './cli-harness.js';

const v1 = linearModel();
const v2 = linearModelV2();
const vectors = JSON.parse(readFileSync(new URL('../fixtures/significance-vectors.json', import.meta.url), 'utf8')) as {
  service_regression: { errors_a: number[]; errors_b: number[]; mae: { statistic: number; df: number; pvalue: number; ci95: [number, number] } };
};

let dir: string;
let home: string;

function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

function close(actual: number | null | undefined, expected: number, what: string): void {
  assert.ok(typeof actual === 'number' && Math.abs(actual - expected) <= 1e-11 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);
}

/** Opens the home in-process for a moment (no server runs on it then). */
async function withContext(work: (ctx: Awaited<ReturnType<typeof openContext>>) => Promise<void>): Promise<void> {
  const ctx = await openContext(loadConfig({ home, env: {}, overrides: { demo: false, log: { level: 'silent' } } }), { processMetrics: false });
  try {
    await work(ctx);
  } finally {
    await ctx.close();
  }
}

before(async () => {
  dir = tempDir('cli-ab');
  home = join(dir, 'home');
  await withContext(async (ctx) => {
    await ctx.registry.register({ name: 'lin', artifact: v1.bytes, alias: 'production' }, { actor: 'test' });
    await ctx.registry.register({ name: 'lin', artifact: v2.bytes }, { actor: 'test' });
  });
});

after(() => removeDir(dir));

describe('mooring ab, in local mode', () => {
  it('starts a test on mae (an audited policy revision) and refuses what it cannot start', async () => {
    const c = stdoutJson<AbChangeDto>(ok(await mooring('ab', 'start', 'lin', '2', '--metric', 'mae', '--weight', '30', '--json')));
    assert.equal(c.changed, true);
    assert.deepEqual({ ...c.experiment, since: undefined }, { version: 2, production_version: 1, weight: 30, metric: 'mae', since: undefined });
    const again = ok(await mooring('ab', 'start', 'lin', '2', '--metric', 'mae', '--weight', '30'));
    assert.match(again.stdout, /^A\/B test of lin already running \(unchanged, policy revision \d+\): version 2 \(B\) takes 30% .* against production version 1 \(A\), tested on mae/);
    failed(await mooring('ab', 'start', 'lin', '1', '--metric', 'mae'), 4, 'EXPERIMENT_CONFLICT');
    failed(await mooring('ab', 'start', 'lin', '2', '--metric', 'accuracy'), 4, 'EXPERIMENT_CONFLICT');
    failed(await mooring('ab', 'start', 'lin', '2', '--metric', 'f1'), 2, 'INVALID_REQUEST');
    failed(await mooring('ab', 'start', 'lin', '2', '--metric', 'mae', '--weight', '100'), 2, 'INVALID_REQUEST');
    failed(await mooring('ab', 'start', 'lin', '9', '--metric', 'mae'), 3, 'VERSION_NOT_FOUND');
    const audit = ok(await mooring('audit', '--json'));
    assert.match(audit.stdout, /ab start: version 2 at 30% on mae/);
  });

  it('reports both arms and the exact Welch t test of a log written by hand', async () => {
    const { errors_a, errors_b, mae } = vectors.service_regression;
    const at = Date.now();
    await withContext(async (ctx) => {
      const records: PredictionRecord[] = [];
      for (const [errors, version, route] of [[errors_a, 1, 'production'], [errors_b, 2, 'canary']] as const) {
        errors.forEach((e, i) =>
          records.push({
            id: `r-${version}-${i}`,
            at: at + i,
            model: 'lin',
            version,
            route,
            rows: 1,
            inputs: null,
            outputs: { model_name: 'lin', model_version: String(version), outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 1], data: [10 + e] }] },
            latencyMs: 1,
            status: 'ok',
            error: null,
            flags: [],
          }),
        );
      }
      await ctx.predictionLog.append(records);
      await ctx.predictionLog.addFeedback(records.map((r) => ({ id: r.id, label: 10, at: at + 100 })));
    });
    const r = stdoutJson<AbReportDto>(ok(await mooring('ab', 'report', 'lin', '--json')));
    assert.equal(r.running, true);
    assert.deepEqual([r.a.version, r.a.route, r.a.requests, r.a.labelled, r.b.version, r.b.route, r.b.requests], [1, 'production', 8, 8, 2, 'canary', 8]);
    const t = r.test!;
    assert.equal(t.test, 'welch t');
    close(t.p_value, mae.pvalue, 'p');
    close(t.statistic, mae.statistic, 't');
    close(t.df, mae.df, 'df');
    close(t.ci95[0], mae.ci95[0], 'ci low');
    assert.equal(t.significant, true);
    const human = ok(await mooring('ab', 'report', 'lin')).stdout;
    assert.match(human, /^A\/B test of lin on mae \(running since .*; 30% of requests to B\)$/m);
    assert.match(human, /^ARM\s+VERSION\s+ROUTE\s+REQUESTS\s+ERRORS\s+LABELLED\s+ROWS\s+MAE$/m);
    assert.match(human, /^A\s+1\s+production\s+8\s+0\s+8\s+8\s+2\.1250$/m);
    assert.match(human, /^B\s+2\s+canary\s+8\s+0\s+8\s+8\s+0\.4375$/m);
    assert.match(human, /^mae: B - A = -1\.6875 \(95% CI -2\.6314 \.\. -0\.7436\); welch t t = -4\.188, df = 7\.3, p = 0\.003683: significant at 5%$/m);
    failed(await mooring('ab', 'report', 'nope'), 3, 'MODEL_NOT_FOUND');
    failed(await mooring('ab', 'report', 'lin', '--since', 'yesterday'), 2, 'INVALID_TIME');
  });

  it('stops the test; its report stays available', async () => {
    const c = stdoutJson<AbChangeDto>(ok(await mooring('ab', 'stop', 'lin', '--json')));
    assert.deepEqual([c.changed, c.experiment], [true, null]);
    assert.match(ok(await mooring('ab', 'stop', 'lin')).stdout, /^no A\/B test of lin was running/);
    const r = stdoutJson<AbReportDto>(ok(await mooring('ab', 'report', 'lin', '--json')));
    assert.deepEqual([r.running, r.a.requests, r.b.requests], [false, 8, 8]);
  });
});

describe('mooring ab, against a running server', () => {
  let server: ServeProcess;
  let auth: Record<string, string>;

  before(async () => {
    server = await startServe(home, ['--port', '0', '--no-demo']);
    auth = { authorization: `Bearer ${readFileSync(join(home, 'admin-token'), 'utf8').trim()}` };
  });
  after(async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
    await server.exited;
  });

  it('splits real requests by sticky key, takes their labels, and reports over HTTP', async () => {
    const c = stdoutJson<AbChangeDto>(ok(await mooring('ab', 'start', 'lin', '2', '--metric', 'mae', '--json')));
    assert.deepEqual([c.changed, c.experiment?.weight], [true, 50]);
    const labels: string[] = [];
    const versions = new Map<string, string>();
    for (let i = 0; i < 30; i++) {
      const x = [i % 5, 1, (i % 3) - 1, 0.5];
      const send = async (): Promise<{ id: string; version: string }> => {
        const res = await fetch(`${server.url}/v2/models/lin/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-mooring-key': `user-${i}` },
          body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }] }),
        });
        assert.equal(res.status, 200);
        const body = (await res.json()) as { model_version: string };
        return { id: res.headers.get('x-request-id')!, version: body.model_version };
      };
      const first = await send();
      // Sticky: the same key lands on the same version again.
      assert.equal((await send()).version, first.version, `user-${i}`);
      versions.set(`user-${i}`, first.version);
      // The label is version 1's answer: arm A's errors are 0, arm B's are the two versions' difference.
      labels.push(JSON.stringify({ id: first.id, label: linearExpect(v1, x) }));
    }
    const onB = [...versions.values()].filter((v) => v === '2').length;
    assert.ok(onB > 0 && onB < 30, `both arms get traffic (${onB} of 30 on B)`);
    ok(await mooring('feedback', 'send', '--file', writeBytes(dir, 'labels.jsonl', labels.join('\n'))));
    // The server writes its log in batches: wait until every labelled prediction is there.
    let report: AbReportDto | undefined;
    for (let poll = 0; poll < 100; poll++) {
      report = (await (await fetch(`${server.url}/api/models/lin/ab/report`, { headers: auth })).json()) as AbReportDto;
      if (report.a.labelled + report.b.labelled === 30) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const r = stdoutJson<AbReportDto>(ok(await mooring('ab', 'report', 'lin', '--json')));
    assert.deepEqual([r.a.requests + r.b.requests, r.a.labelled, r.b.labelled], [60, 30 - onB, onB]);
    assert.equal(r.a.value, 0);
    assert.equal(r.test?.test, 'welch t');
    assert.deepEqual([r.test?.a.n, r.test?.b.n], [30 - onB, onB]);
    const stopped = stdoutJson<AbChangeDto>(ok(await mooring('ab', 'stop', 'lin', '--json')));
    assert.equal(stopped.changed, true);
    const after = await fetch(`${server.url}/v2/models/lin/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mooring-key': [...versions].find(([, v]) => v === '2')![0] },
      body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [1, 1, 1, 1] }] }),
    });
    assert.equal(((await after.json()) as { model_version: string }).model_version, '1', 'after stop every request goes to production');
    const ended = (await (await fetch(`${server.url}/api/models/lin/ab/report`, { headers: auth })).json()) as AbReportDto;
    assert.equal(ended.running, false);
  });
});
