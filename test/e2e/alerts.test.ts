/**
 * Alerts end to end: rules through the admin HTTP API (status codes, snake_case, refusals naming the field, the
 * token), states and history as an evaluator writes them, and `mooring alerts ...` as the real executable, against a
 * running server (over HTTP) and in local mode (the home opened in-process), ending with a webhook delivered to a
 * local receiver. The signals are a fake (what they compute is tested where they live); the server's own evaluator is
 * turned off (`alerts.enabled: false`) so the test's evaluator is the only one.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AlertDto, AlertHistoryDto, AlertRuleChangeDto, AlertRuleDto } from '../../src/protocol/admin/alert-dto.js';
import { AlertEvaluator } from '../../src/services/alerts.js';
import { CapturingLogger, FakeSignals } from '../helpers/fake-signals.js';
import { openTestApp, startTestServer, TEST_ADMIN_TOKEN } from '../helpers/harness.js';
import type { TestApp, TestServer } from '../helpers/harness.js';
import { failed, ok, removeDir, runCli, stdoutJson, tempDir } from './cli-harness.js';

const OFF = { alerts: { enabled: false } };

describe('alerts over the admin HTTP API', () => {
  let t: TestApp;
  before(async () => {
    t = await openTestApp({ overrides: OFF });
  });
  after(() => t?.close());

  const rule = {
    model: 'churn',
    signal: 'error_rate',
    op: '>',
    threshold: 0.05,
    window_ms: 300_000,
    for_ms: 0,
    severity: 'critical',
    notify: [{ type: 'webhook', url: 'https://hooks.example/T0/s3cret', headers: { Authorization: 'Bearer x' } }, { type: 'log' }],
  };

  test('PUT creates (201), repeats change nothing (200), changes replace; GET lists and shows', async () => {
    const created = await t.admin<AlertRuleChangeDto>('PUT', '/api/alerts/rules/churn-errors', rule);
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.change, 'create');
    assert.deepEqual([created.body.name, created.body.window_ms, created.body.repeat_interval_ms, created.body.updated_by], ['churn-errors', 300_000, 14_400_000, 'api:api']);
    assert.deepEqual(created.body.notify, rule.notify);
    const same = await t.admin<AlertRuleChangeDto>('PUT', '/api/alerts/rules/churn-errors', { ...rule, name: 'churn-errors' });
    assert.deepEqual([same.status, same.body.change], [200, 'none']);
    const changed = await t.admin<AlertRuleChangeDto>('PUT', '/api/alerts/rules/churn-errors', { ...rule, threshold: 0.1 });
    assert.deepEqual([changed.status, changed.body.change, changed.body.threshold], [200, 'replace', 0.1]);
    await t.admin('PUT', '/api/alerts/rules/auc-drop', { model: 'churn', signal: 'accuracy', metric: 'auc', baseline: { max_drop: 0.05 } });

    const list = await t.admin<{ rules: AlertRuleDto[] }>('GET', '/api/alerts/rules');
    assert.deepEqual(list.body.rules.map((r) => r.name), ['auc-drop', 'churn-errors']);
    const one = await t.admin<AlertRuleDto>('GET', '/api/alerts/rules/auc-drop');
    assert.deepEqual([one.body.baseline, one.body.op, one.body.threshold], [{ metric_from_version: null, max_drop: 0.05 }, null, null]);
  });

  test('refusals are 4xx naming the problem', async () => {
    const cases: Array<[string, string, unknown, number, string, RegExp]> = [
      ['PUT', '/api/alerts/rules/x', { ...rule, window_ms: 5 }, 400, 'INVALID_REQUEST', /window_ms/],
      ['PUT', '/api/alerts/rules/x', { ...rule, windowMs: 60_000 }, 400, 'INVALID_REQUEST', /windowMs is not a known field/],
      ['PUT', '/api/alerts/rules/x', { ...rule, name: 'y' }, 400, 'INVALID_REQUEST', /differs/],
      ['PUT', '/api/alerts/rules/bad%20name', rule, 400, 'INVALID_REQUEST', /name/],
      ['PUT', '/api/alerts/rules/x', [rule], 400, 'INVALID_REQUEST', /object/],
      ['GET', '/api/alerts/rules/nope', undefined, 404, 'ALERT_RULE_NOT_FOUND', /nope/],
      ['DELETE', '/api/alerts/rules/nope', undefined, 404, 'ALERT_RULE_NOT_FOUND', /nope/],
      ['GET', '/api/alerts/history?since=yesterday', undefined, 400, 'INVALID_TIME', /since/],
      ['GET', '/api/alerts/history?cursor=zzz', undefined, 400, 'INVALID_REQUEST', /cursor/],
      ['GET', '/api/alerts/history?limit=0', undefined, 400, 'INVALID_REQUEST', /limit/],
    ];
    for (const [method, url, body, status, code, message] of cases) {
      const r = await t.admin(method as 'GET', url, body);
      assert.equal(r.status, status, `${method} ${url}: ${r.text}`);
      assert.equal(r.body.code, code, r.text);
      assert.match(r.body.error, message, r.text);
    }
    assert.equal((await t.get('/api/alerts')).status, 401, 'the token is required');
  });

  test('alerts and history show what the evaluator wrote, firing first', async () => {
    const initial = await t.admin<{ alerts: AlertDto[] }>('GET', '/api/alerts');
    assert.deepEqual(initial.body.alerts.map((a) => [a.rule, a.state, a.evaluated_at]), [
      ['churn-errors', 'inactive', null],
      ['auc-drop', 'inactive', null],
    ]);
    const signals = new FakeSignals().set('churn', 'error_rate', 0.3);
    const evaluator = new AlertEvaluator({ store: t.ctx.alertStore, signals, logger: new CapturingLogger(), delivery: { maxAttempts: 1, timeoutMs: 1000 } });
    await evaluator.evaluate();
    await evaluator.stop();
    const now = await t.admin<{ alerts: AlertDto[] }>('GET', '/api/alerts');
    const [first, second] = now.body.alerts;
    assert.deepEqual([first?.rule, first?.state, first?.value, first?.threshold, first?.op, first?.health], ['churn-errors', 'firing', 0.3, 0.1, '>', 'ok']);
    assert.equal(first?.fired_at, first?.evaluated_at);
    assert.deepEqual([second?.rule, second?.state, second?.health], ['auc-drop', 'inactive', 'error']);
    assert.match(second?.last_error ?? '', /registered metrics/);

    const history = await t.admin<AlertHistoryDto>('GET', '/api/alerts/history?rule=churn-errors&since=1h&limit=10');
    assert.deepEqual(history.body.events.map((e) => [e.rule, e.from, e.to, e.value]), [['churn-errors', 'inactive', 'firing', 0.3]]);
    assert.equal(history.body.next, null);
    assert.deepEqual((await t.admin<AlertHistoryDto>('GET', '/api/alerts/history?model=other')).body.events, []);

    const deleted = await t.admin<AlertRuleDto>('DELETE', '/api/alerts/rules/churn-errors');
    assert.deepEqual([deleted.status, deleted.body.name], [200, 'churn-errors']);
    const closed = await t.admin<AlertHistoryDto>('GET', '/api/alerts/history?rule=churn-errors');
    assert.deepEqual(closed.body.events.map((e) => e.to), ['resolved', 'firing'], 'a deleted firing alert is resolved');
    assert.deepEqual((await t.admin<{ alerts: AlertDto[] }>('GET', '/api/alerts')).body.alerts.map((a) => a.rule), ['auc-drop']);
  });

  test('the routes are in the OpenAPI document', async () => {
    const doc = (await t.get('/api/openapi.json')).body as { paths: Record<string, unknown> };
    for (const p of ['/api/alerts', '/api/alerts/rules', '/api/alerts/rules/{name}', '/api/alerts/history']) assert.ok(p in doc.paths, p);
  });
});

describe('mooring alerts, against a server and in local mode', () => {
  let server: TestServer;
  let dir: string;
  const received: Array<Record<string, unknown>> = [];
  const receiver = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString('utf8')));
    req.on('end', () => {
      received.push(JSON.parse(text) as Record<string, unknown>);
      res.writeHead(200).end();
    });
  });
  let hook = '';

  before(async () => {
    dir = tempDir('cli-alerts');
    server = await startTestServer({ overrides: OFF });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alertmanager`;
  });
  after(async () => {
    await server?.close();
    receiver.closeAllConnections();
    receiver.close();
    removeDir(dir);
  });

  const remote = (...args: string[]) => runCli(['--url', server.url, '--token', TEST_ADMIN_TOKEN, ...args]);

  test('set, rules, list, history and delete over HTTP; a webhook is delivered', async () => {
    const set = await remote('alerts', 'set', 'p99', '--model', 'churn', '--signal', 'latency_p99_ms', '--op', '>=', '--threshold', '250',
      '--window', '15m', '--for', '1m', '--severity', 'critical', '--webhook', hook, '--header', 'X-Team: ml', '--log', '--json');
    const rule = stdoutJson<AlertRuleChangeDto>(ok(set));
    assert.deepEqual([rule.change, rule.window_ms, rule.for_ms, rule.op, rule.threshold], ['create', 900_000, 60_000, '>=', 250]);
    assert.deepEqual(rule.notify, [{ type: 'webhook', url: hook, headers: { 'X-Team': 'ml' } }, { type: 'log' }]);
    assert.match(rule.updated_by, /^api:/);
    const human = ok(await remote('alerts', 'set', 'drift', '--model', 'churn', '--signal', 'column_drift', '--column', 'tenure', '--op', '>', '--threshold', '0.1')).stdout;
    assert.match(human, /^alert rule drift created$/m);
    assert.match(human, /^notify:\s+log$/m);

    const rules = stdoutJson<{ rules: AlertRuleDto[] }>(ok(await remote('alerts', 'rules', '--json'))).rules;
    assert.deepEqual(rules.map((r) => r.name), ['drift', 'p99']);
    const table = ok(await remote('alerts', 'rules')).stdout;
    assert.match(table, /^p99\s+churn\s+latency_p99_ms\s+>= 250\s+15m\s+1m\s+critical\s+webhook http:\/\/127\.0\.0\.1:\d+, log\s+yes$/m);
    assert.doesNotMatch(table, /alertmanager/, 'a webhook shows only its origin');

    // The server's own evaluator is off; one in this process plays the leader over the server's store.
    const signals = new FakeSignals().set('churn', 'latency_p99_ms', 400).set('churn', 'column_drift:tenure', 0.02);
    const evaluator = new AlertEvaluator({ store: server.ctx.alertStore, signals, logger: new CapturingLogger() });
    await evaluator.evaluate();
    const start = Date.now();
    await evaluator.evaluate(start + 61_000);
    await evaluator.idle();
    await evaluator.stop();
    assert.equal(received.length, 1);
    assert.deepEqual([received[0]?.['status'], received[0]?.['alert'], received[0]?.['value'], received[0]?.['severity']], ['firing', 'p99', 400, 'critical']);

    const alerts = stdoutJson<{ alerts: AlertDto[] }>(ok(await remote('alerts', 'list', '--json'))).alerts;
    assert.deepEqual(alerts.map((a) => [a.rule, a.state]), [['p99', 'firing'], ['drift', 'inactive']]);
    const listed = ok(await remote('alerts', 'list')).stdout;
    assert.match(listed, /^STATE\s+RULE\s+MODEL\s+SIGNAL\s+VALUE\s+CONDITION/m);
    assert.match(listed, /^firing\s+p99\s+churn\s+latency_p99_ms\s+400\s+>= 250\s+critical/m);

    const history = stdoutJson<AlertHistoryDto>(ok(await remote('alerts', 'history', 'p99', '--json')));
    assert.deepEqual(history.events.map((e) => `${e.from}->${e.to}`), ['pending->firing', 'inactive->pending']);
    assert.match(ok(await remote('alerts', 'history')).stdout, /pending -> firing/);

    assert.match(ok(await remote('alerts', 'delete', 'drift')).stdout, /^alert rule drift deleted$/m);
    failed(await remote('alerts', 'delete', 'drift'), 3, 'ALERT_RULE_NOT_FOUND');
    failed(await remote('alerts', 'rules', 'drift'), 3, 'ALERT_RULE_NOT_FOUND');
  });

  test('usage errors and invalid rules exit 2 naming the problem', async () => {
    failed(await remote('alerts', 'set', 'x', '--model', 'churn', '--signal', 'error_rate', '--op', '>', '--threshold', '1', '--window', '10x'), 2, 'INVALID_REQUEST');
    failed(await remote('alerts', 'set', 'x', '--model', 'churn', '--signal', 'sideways', '--op', '>', '--threshold', '1'), 2, 'INVALID_REQUEST');
    const noMetric = await remote('alerts', 'set', 'x', '--model', 'churn', '--signal', 'accuracy', '--op', '<', '--threshold', '0.8');
    failed(noMetric, 2, 'INVALID_REQUEST');
    assert.match(noMetric.stderr, /metric: is required for signal accuracy/);
    failed(await remote('alerts', 'history', '--since', 'last tuesday'), 2, 'INVALID_TIME');
  });

  test('local mode: the same commands on a home with no server', async () => {
    const home = join(dir, 'home');
    const local = (...args: string[]) => runCli(['--home', home, ...args]);
    const set = stdoutJson<AlertRuleChangeDto>(
      ok(await local('alerts', 'set', 'auc-drop', '--model', 'churn', '--signal', 'accuracy', '--metric', 'auc', '--max-drop', '0.05', '--repeat', '0', '--json')),
    );
    assert.deepEqual([set.change, set.baseline, set.repeat_interval_ms, set.notify], ['create', { metric_from_version: null, max_drop: 0.05 }, 0, [{ type: 'log' }]]);
    assert.match(set.updated_by, /^cli:/);
    assert.match(ok(await local('alerts', 'rules')).stdout, /^auc-drop\s+churn\s+accuracy\(auc\)\s+< registered auc - 0\.05/m);
    assert.deepEqual(stdoutJson<{ alerts: AlertDto[] }>(ok(await local('alerts', 'list', '--json'))).alerts.map((a) => a.state), ['inactive']);
    assert.match(ok(await local('alerts', 'history')).stdout, /no alert history/);
    assert.equal(stdoutJson<AlertRuleDto>(ok(await local('alerts', 'delete', 'auc-drop', '--json'))).name, 'auc-drop');
    assert.match(ok(await local('alerts', 'list')).stdout, /no alert rules/);
  });
});
