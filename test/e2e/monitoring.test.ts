/**
 * Monitoring end to end, through the server's own pieces: the demo churn model registered with its training
 * profile, an alert rule on dataset drift notifying a local webhook, normal traffic with ground-truth feedback
 * (live accuracy), then drifted traffic: the drift report, the monitoring round, the alert firing, the webhook
 * receiving it, and the gauges at /metrics all say so.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { buildDemoModel, demoDataset, demoReferenceTable, DEMO_FEATURE_NAMES } from '../../src/demo/demo-model.js';
import type { DemoRow } from '../../src/demo/demo-model.js';
import { OnnxModelRuntime } from '../../src/runtime/onnx/onnx-model-runtime.js';
import { buildReferenceProfile } from '../../src/services/reference-profile.js';
import { openTestApp, pollUntil } from '../helpers/harness.js';
import type { TestApp } from '../helpers/harness.js';

interface Delivery {
  status: string;
  alert: string;
  model: string;
  value: number;
}

describe('monitoring: drift, feedback, accuracy and an alert delivered to a webhook', () => {
  let t: TestApp;
  let hook: Server;
  let hookUrl: string;
  const received: Delivery[] = [];

  before(async () => {
    hook = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body) as Delivery);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;

    t = await openTestApp();
    const demo = buildDemoModel();
    const { features, profile } = await buildReferenceProfile(new OnnxModelRuntime(), demo.bytes, demoReferenceTable(), { target: 'churned', now: 0 });
    await t.register('churn', demo.bytes, { alias: 'production', features, profile });
    const rule = await t.admin('PUT', '/api/alerts/rules/churn-drift', {
      model: 'churn',
      signal: 'drift_share',
      op: '>=',
      threshold: 0.5,
      window_ms: 600_000,
      severity: 'warning',
      notify: [{ type: 'webhook', url: hookUrl }, { type: 'log' }],
    });
    assert.ok(rule.status === 200 || rule.status === 201, rule.text);
  });
  after(async () => {
    await t?.close();
    await new Promise((r) => hook?.close(r));
  });

  /** Sends each row as one records request by feature name; answers the request ids. */
  async function send(rows: readonly DemoRow[]): Promise<string[]> {
    const ids: string[] = [];
    for (const row of rows) {
      const instance = Object.fromEntries(DEMO_FEATURE_NAMES.map((n) => [n, row[n]]));
      const res = await t.post('/v1/models/churn:predict', { instances: [instance] });
      assert.equal(res.status, 200, res.text);
      ids.push(res.headers['x-request-id']!);
    }
    await t.ctx.predictions!.flush();
    return ids;
  }

  const run = async () => {
    const res = await t.admin('POST', '/api/monitoring/run', {});
    assert.equal(res.status, 200, res.text);
    return res.body as { models: { model: string; driftShare: number | null; accuracy: Record<string, number> }[] };
  };

  it('sees no drift and computes live accuracy on traffic like the training data', async () => {
    const rows = demoDataset(300, 424242);
    const ids = await send(rows);
    const feedback = await t.admin('POST', '/api/feedback', { items: ids.map((id, i) => ({ id, label: rows[i]!.churned })) });
    assert.equal(feedback.status, 200, feedback.text);

    const drift = await t.admin('GET', '/api/models/churn/drift?since=1h');
    assert.equal(drift.status, 200, drift.text);
    assert.equal(drift.body.dataset_drift, false);
    assert.equal(drift.body.current_rows, 300);

    const accuracy = await t.admin('GET', '/api/models/churn/accuracy');
    assert.equal(accuracy.status, 200, accuracy.text);
    const v1 = accuracy.body.versions[0];
    assert.equal(v1.labelled, 300);
    // The same number by hand: the logged answers' labels against the feedback.
    const page = await t.ctx.predictionLog.query({ model: 'churn', limit: 1000 });
    let right = 0;
    for (const p of page.items) {
      const predicted = (p.outputs as { predictions: { label: boolean[] }[] }).predictions[0]!.label[0];
      if (predicted === p.label) right++;
    }
    assert.ok(Math.abs(v1.metrics.accuracy - right / 300) < 1e-12);
    assert.ok(v1.metrics.accuracy > 0.6, `the demo model is better than chance on its own distribution (${v1.metrics.accuracy})`);

    const round = await run();
    assert.equal(round.models[0]!.driftShare! < 0.5, true);
    assert.equal(received.length, 0, 'no alert yet');
    const alerts = await t.admin('GET', '/api/alerts');
    const quiet = alerts.body.alerts.find((a: { rule: string }) => a.rule === 'churn-drift');
    assert.notEqual(quiet.state, 'firing');
    assert.equal(quiet.health, 'ok');
  });

  it('reports drift on shifted traffic, fires the alert and delivers it to the webhook', async () => {
    // Newer customers with bigger bills who call support more: three of four features move.
    const shifted = demoDataset(600, 515151).map((r) => ({
      ...r,
      tenure_months: Math.min(72, Math.floor(r.tenure_months / 4)),
      monthly_charges: r.monthly_charges + 40,
      support_calls: Math.min(10, r.support_calls + 4),
    }));
    await send(shifted);
    const drift = await t.admin('GET', '/api/models/churn/drift?last=600');
    assert.equal(drift.body.dataset_drift, true);
    const drifted = drift.body.columns.filter((c: { kind: string; drift: boolean }) => c.kind === 'feature' && c.drift).map((c: { name: string }) => c.name);
    assert.deepEqual(drifted.sort(), ['monthly_charges', 'support_calls', 'tenure_months']);

    const round = await run();
    assert.ok(round.models[0]!.driftShare! >= 0.5);
    const alerts = await t.admin('GET', '/api/alerts');
    const churn = alerts.body.alerts.find((a: { rule: string }) => a.rule === 'churn-drift');
    assert.equal(churn.state, 'firing');
    assert.ok(churn.value >= 0.5);

    const delivered = await pollUntil('the webhook to receive the firing alert', () => received.find((d) => d.status === 'firing'));
    assert.equal(delivered.alert, 'churn-drift');
    assert.equal(delivered.model, 'churn');

    const metrics = (await t.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(metrics, /mooring_drift_share\{model="churn",version="1"\} 0\.[5-9]|mooring_drift_share\{model="churn",version="1"\} 1/);
    assert.match(metrics, /mooring_drift_detected\{model="churn",version="1",column="monthly_charges"\} 1/);
    assert.match(metrics, /mooring_alerts\{rule="churn-drift",model="churn",severity="warning",state="firing"\} 1/);
    assert.match(metrics, /mooring_accuracy\{model="churn",version="1",metric="accuracy"\} 0\.\d+/);
  });
});
