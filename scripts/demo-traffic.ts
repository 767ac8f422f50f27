/**
 * `npm run demo:traffic`: shows monitoring end to end on the demo model of a running server (`npm start` first).
 *
 * 1. starts a small webhook receiver on 127.0.0.1 and sets an alert rule `demo-drift` (dataset drift of `churn`,
 *    notifying that webhook and the server log);
 * 2. sends realistic traffic (customers drawn like the training data), with ground-truth feedback for each
 *    prediction, and prints the drift report and live accuracy: no drift;
 * 3. sends drifted traffic (newer customers with bigger bills who call support more), runs a monitoring round,
 *    and prints the drift report, the alert firing and the notification the webhook received.
 *
 * Options: `--url URL` (default: the server recorded in the home), `--home DIR` (default MOORING_HOME or
 * ./.mooring), `--rows N` per phase (default 400). The admin token is read from the home or MOORING_ADMIN_TOKEN.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { readAdminToken, readServerInfo } from '../src/config/home.js';
import { DEMO_FEATURE_NAMES, demoDataset } from '../src/demo/demo-model.js';
import type { DemoRow } from '../src/demo/demo-model.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const home = resolve(args.get('home') ?? process.env.MOORING_HOME ?? '.mooring');
const url = args.get('url') ?? readServerInfo(home)?.url;
const token = process.env.MOORING_ADMIN_TOKEN ?? readAdminToken(home);
const rows = Number(args.get('rows') ?? 400);
if (!url) fail(`no server is running on ${home}: start one with \`npm start\` (or pass --url)`);
if (!token) fail(`no admin token in ${home}/admin-token: set MOORING_ADMIN_TOKEN`);

function fail(message: string): never {
  process.stderr.write(`demo:traffic: ${message}\n`);
  process.exit(1);
}

async function call<T = any>(method: string, path: string, body?: unknown, admin = true): Promise<{ status: number; body: T; id: string }> {
  const headers: Record<string, string> = {};
  if (admin) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  const parsed = text ? (JSON.parse(text) as T) : (undefined as T);
  if (res.status >= 400) fail(`${method} ${path} answered ${res.status}: ${text}`);
  return { status: res.status, body: parsed, id: res.headers.get('x-request-id') ?? '' };
}

/** Sends rows as records by feature name, 8 at a time; answers the request ids in row order. */
async function send(batch: readonly DemoRow[]): Promise<string[]> {
  const ids = new Array<string>(batch.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < batch.length) {
        const i = next++;
        const row = batch[i]!;
        const instance = Object.fromEntries(DEMO_FEATURE_NAMES.map((n) => [n, row[n]]));
        ids[i] = (await call('POST', '/v1/models/churn:predict', { instances: [instance] }, false)).id;
      }
    }),
  );
  return ids;
}

function printDrift(report: any): void {
  console.log(`  drift over ${report.current_rows} rows: dataset drift ${report.dataset_drift} (share ${report.drift_share.toFixed(2)})`);
  for (const c of report.columns) {
    const stat = c.statistic === null ? '-' : Number(c.statistic).toFixed(4);
    console.log(`    ${c.kind.padEnd(10)} ${c.name.padEnd(16)} ${c.method.padEnd(13)} ${stat.padStart(8)}  ${c.drift ? 'DRIFT' : 'ok'}`);
  }
}

const received: any[] = [];
const hook = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8').on('data', (c: string) => (body += c));
  req.on('end', () => {
    received.push(JSON.parse(body));
    res.writeHead(200).end();
  });
});
await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;

console.log(`demo:traffic against ${url}`);
await call('PUT', '/api/alerts/rules/demo-drift', {
  model: 'churn',
  signal: 'drift_share',
  op: '>=',
  threshold: 0.5,
  window_ms: 300_000,
  severity: 'warning',
  description: 'Half or more of the churn model features drift from its training data (set by npm run demo:traffic).',
  notify: [{ type: 'webhook', url: hookUrl }, { type: 'log' }],
});
console.log(`alert rule demo-drift: dataset drift of churn over 5 minutes, notifying ${hookUrl}`);

console.log(`\n1. ${rows} requests like the training data, each with its ground-truth label`);
const normal = demoDataset(rows, Date.now() % 1_000_000);
const ids = await send(normal);
await call('POST', '/api/feedback', { items: ids.map((id, i) => ({ id, label: normal[i]!.churned })) });
await new Promise((r) => setTimeout(r, 1500)); // the prediction log flushes every second
printDrift((await call('GET', `/api/models/churn/drift?last=${rows}`)).body);
const accuracy = (await call('GET', '/api/models/churn/accuracy?since=1h')).body;
const m = accuracy.versions.at(-1)?.metrics ?? {};
console.log(`  live accuracy over ${accuracy.versions.at(-1)?.labelled ?? 0} labelled predictions: accuracy ${m.accuracy?.toFixed(3)}, AUC ${m.auc?.toFixed(3)}`);

console.log(`\n2. ${rows * 2} drifted requests: newer customers with bigger bills who call support more`);
const drifted = demoDataset(rows * 2, (Date.now() + 7) % 1_000_000).map((r) => ({
  ...r,
  tenure_months: Math.min(72, Math.floor(r.tenure_months / 4)),
  monthly_charges: Math.round((r.monthly_charges + 40) * 100) / 100,
  support_calls: Math.min(10, r.support_calls + 4),
}));
await send(drifted);
await new Promise((r) => setTimeout(r, 1500));
printDrift((await call('GET', `/api/models/churn/drift?last=${rows * 2}`)).body);

console.log('\n3. a monitoring round (the server also runs one every alerts.evaluationIntervalMs)');
const round = (await call('POST', '/api/monitoring/run', {})).body;
console.log(`  evaluated ${round.alerts.evaluated} rule(s), ${round.alerts.events} change(s) of state`);
const alert = (await call('GET', '/api/alerts')).body.alerts.find((a: any) => a.rule === 'demo-drift');
console.log(`  alert demo-drift is ${alert?.state} (value ${alert?.value})`);
for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
if (received.length > 0) console.log(`  the webhook received: ${JSON.stringify(received[0])}`);
else console.log('  the webhook has received nothing yet (it may be retrying; see `mooring alerts history`)');
console.log('\nSee also: curl -s ' + url + '/metrics | grep mooring_drift, and ./bin/mooring.js alerts list');
hook.close();
