/**
 * `mooring predictions list|export`, `mooring feedback send` and `mooring accuracy` as real child processes: first
 * against a running `mooring serve` (the CLI finds it through the home), then, with the server stopped, in local mode
 * over the same home, where the CLI must read the prediction log the server wrote.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildDemoModel, demoDataset, demoFeatureVector } from '../../src/demo/demo-model.js';
import type { AccuracyAnswerDto, PredictionPageDto } from '../../src/protocol/admin/monitoring-dto.js';
import { readTable } from '../../src/storage/duckdb/table-files.js';
import { failed, ok, removeDir, runCli, startServe, stdoutJson, tempDir, writeBytes } from './cli-harness.js';
import type { CliResult, ServeProcess } from './cli-harness.js';

let dir: string;
let home: string;
let server: ServeProcess;
let token: string;
const ids: string[] = [];
const labels: boolean[] = [];

function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

before(async () => {
  dir = tempDir('cli-predictions');
  home = join(dir, 'home');
  server = await startServe(home, ['--port', '0', '--no-demo']);
  token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
  const model = writeBytes(dir, 'churn.onnx', buildDemoModel().bytes);
  ok(await mooring('models', 'register', 'churn', '--artifact', model, '--alias', 'production'));
  for (const row of demoDataset(5, 3)) {
    const res = await fetch(`${server.url}/v1/models/churn:predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ instances: [demoFeatureVector(row)] }),
    });
    assert.equal(res.status, 200);
    await res.text();
    ids.push(res.headers.get('x-request-id')!);
    labels.push(row.churned);
  }
  // The server writes its log in batches (every second by default): wait until all five are there.
  const seen = async (): Promise<number> => {
    const res = await fetch(`${server.url}/api/models/churn/predictions`, { headers: { authorization: `Bearer ${token}` } });
    return ((await res.json()) as PredictionPageDto).items.length;
  };
  for (let i = 0; i < 200 && (await seen()) < 5; i++) await new Promise((r) => setTimeout(r, 50));
});

after(() => {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  removeDir(dir);
});

describe('the prediction log from the CLI, through the server', () => {
  it('feedback send takes one label as arguments and many from a JSON lines file', async () => {
    const one = ok(await mooring('feedback', 'send', ids[0]!, String(labels[0]), '--json'));
    assert.deepEqual(stdoutJson(one), { accepted: 1 });
    const file = writeBytes(dir, 'labels.jsonl', ids.slice(1).map((id, i) => JSON.stringify({ id, label: labels[i + 1] })).join('\n') + '\n\n');
    const many = ok(await mooring('feedback', 'send', '--file', file));
    assert.equal(many.stdout, 'accepted 4 labels\n');
  });

  it('feedback send refuses a bad line before sending anything', async () => {
    const file = writeBytes(dir, 'bad.jsonl', `${JSON.stringify({ id: ids[0], label: !labels[0] })}\n{"id": "x"}\n`);
    const r = await mooring('feedback', 'send', '--file', file);
    failed(r, 2, 'INVALID_REQUEST');
    assert.match(r.stderr, /line 2: "label" is missing/);
    const [broken, nothing] = await Promise.all([
      mooring('feedback', 'send', '--file', writeBytes(dir, 'broken.jsonl', '{nope\n')),
      mooring('feedback', 'send'),
    ]);
    failed(broken, 2, 'INVALID_JSON');
    failed(nothing, 2, 'INVALID_REQUEST');
  });

  it('predictions list --json prints a page with the labels joined', async () => {
    const [all, limited, human, unknown, badTime] = await Promise.all([
      mooring('predictions', 'list', 'churn', '--json'),
      mooring('predictions', 'list', 'churn', '--limit', '2', '--version', '1', '--since', '1h', '--json'),
      mooring('predictions', 'list', 'churn', '--limit', '2'),
      mooring('predictions', 'list', 'nope'),
      mooring('predictions', 'list', 'churn', '--since', 'yesterday'),
    ]);
    const page = stdoutJson<PredictionPageDto>(ok(all));
    assert.equal(page.items.length, 5);
    assert.equal(page.next, null);
    const byId = new Map(page.items.map((p) => [p.id, p]));
    ids.forEach((id, i) => assert.equal(byId.get(id)?.label, labels[i]));
    const first = stdoutJson<PredictionPageDto>(ok(limited));
    assert.equal(first.items.length, 2);
    assert.equal(typeof first.next, 'string');
    assert.match(ok(human).stdout, /^ID\s+AT\s+VERSION/);
    assert.match(human.stderr, /--after /);
    failed(unknown, 3, 'MODEL_NOT_FOUND');
    failed(badTime, 2, 'INVALID_TIME');
  });

  it('predictions export writes CSV and Parquet that read back', async () => {
    const csv = join(dir, 'predictions.csv');
    ok(await mooring('predictions', 'export', 'churn', '--format', 'csv', '--out', csv));
    const table = await readTable(csv);
    assert.equal(table.rows, 5);
    assert.deepEqual(table.columns.map((c) => c.name), [
      'id', 'at', 'model', 'version', 'route', 'rows', 'latency_ms', 'status', 'error', 'flags', 'inputs', 'outputs', 'label', 'label_at',
    ]);
    const col = (name: string) => table.columns.find((c) => c.name === name)!;
    assert.equal(col('at').kind, 'timestamp');
    const rowOf = new Map(col('id').values.map((id, r) => [id, r]));
    // JSON text in the file; DuckDB's CSV reader may take a column of `true`/`false` texts for booleans.
    ids.forEach((id, i) => assert.equal(String(col('label').values[rowOf.get(id)!]), JSON.stringify(labels[i])));
    assert.deepEqual(JSON.parse(col('inputs').values[0] as string).instances.length, 1);
    assert.ok(JSON.parse(col('outputs').values[0] as string).predictions);

    const parquet = join(dir, 'predictions.parquet');
    const answer = stdoutJson<{ rows: number; format: string; complete: boolean }>(
      ok(await mooring('predictions', 'export', 'churn', '--out', parquet, '--limit', '3', '--json')),
    );
    assert.deepEqual(answer, { file: parquet, format: 'parquet', rows: 3, complete: false });
    const back = await readTable(parquet);
    assert.equal(back.rows, 3);
    assert.equal(back.columns.find((c) => c.name === 'label_at')?.kind, 'timestamp');
    failed(await mooring('predictions', 'export', 'churn', '--out', join(dir, 'x.txt')), 2, 'INVALID_REQUEST');
  });

  it('accuracy prints the report', async () => {
    const [json, human] = await Promise.all([mooring('accuracy', 'churn', '--window', '1h', '--json'), mooring('accuracy', 'churn', '--version', '1')]);
    const report = stdoutJson<AccuracyAnswerDto>(ok(json));
    assert.equal(report.versions.length, 1);
    assert.equal(report.versions[0]!.labelled, 5);
    assert.equal(report.versions[0]!.task, 'classification');
    assert.match(ok(human).stdout, /version 1 \(classification, positive class true\): 5 labelled rows/);
    assert.match(human.stdout, /accuracy/);
  });
});

describe('the prediction log from the CLI in local mode', () => {
  before(async () => {
    server.child.kill('SIGTERM');
    assert.equal((await server.exited).code, 0);
  });

  it('reads the log the server wrote, and takes labels in-process', async () => {
    const listed = ok(await mooring('--verbose', 'predictions', 'list', 'churn', '--json'));
    assert.match(listed.stderr, /local mode/);
    const page = stdoutJson<PredictionPageDto>(listed);
    assert.deepEqual(new Set(page.items.map((p) => p.id)), new Set(ids));
    assert.ok(page.items.every((p) => p.label_at !== null));

    ok(await mooring('feedback', 'send', ids[0]!, String(!labels[0])));
    const relabelled = stdoutJson<PredictionPageDto>(ok(await mooring('predictions', 'list', 'churn', '--json')));
    assert.equal(relabelled.items.find((p) => p.id === ids[0])?.label, !labels[0]);

    const jsonl = join(dir, 'local.jsonl');
    ok(await mooring('predictions', 'export', 'churn', '--out', jsonl));
    assert.equal(readFileSync(jsonl, 'utf8').trim().split('\n').length, 5);
    const report = stdoutJson<AccuracyAnswerDto>(ok(await mooring('accuracy', 'churn', '--json')));
    assert.equal(report.versions[0]!.labelled, 5);
  });
});
