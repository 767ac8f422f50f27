/**
 * The `mooring` CLI against a running `mooring serve` (both real child processes on loopback): without --url the
 * CLI finds the server through `<home>/server.json` and every command goes over HTTP; a deploy through the CLI is
 * served by the very next inference request; a wrong token exits 5, an unreachable server 6; SIGTERM stops the
 * server with exit 0 and removes server.json, after which the CLI opens the home in-process again.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AliasEventDto, AuditRecordDto, ModelDetailDto, ModelDto, ModelVersionDto } from '../../src/protocol/admin/dto.js';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { pollFor, removeDir, runCli, show, startServe, stdoutJson, tempDir, writeBytes, type CliResult, type ServeProcess, failed, LINEAR_X, linearAnswer, ok } from './cli-harness.js';

let dir: string;
let home: string;
let otherHome: string;
let v1File: string;
let v2File: string;
let server: ServeProcess;
let token: string;

function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

const X = LINEAR_X;
const expected = linearAnswer;
const Y1 = expected(linearModel());
const Y2 = expected(linearModelV2());

before(async () => {
  dir = tempDir('cli-server');
  home = join(dir, 'home');
  otherHome = join(dir, 'other-home');
  v1File = writeBytes(dir, 'linear-v1.onnx', linearModel().bytes);
  v2File = writeBytes(dir, 'linear-v2.onnx', linearModelV2().bytes);
  server = await startServe(home, ['--port', '0', '--no-demo']);
  token = readFileSync(join(home, 'admin-token'), 'utf8').trim();
});

after(() => {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  removeDir(dir);
});

describe('mooring CLI against a running server', () => {
  it('finds the server through the home and registers over HTTP', async () => {
    const r = ok(await mooring('--verbose', 'models', 'register', 'iris', '--artifact', v1File, '--metric', 'auc=0.9', '--alias', 'production', '--json'));
    assert.match(r.stderr, new RegExp(`using the server at ${server.url.replace(/[.]/g, '\\.')}`));
    const v = stdoutJson<ModelVersionDto>(r);
    assert.equal(v.version, 1);
    assert.deepEqual(v.metrics, { auc: 0.9 });
    // The server records the caller as api:<x-mooring-actor>; local mode would have written cli:...
    assert.match(v.created_by, new RegExp(`^api:.+@${hostname().replace(/[.]/g, '\\.')}$`));
    ok(await mooring('models', 'register', 'iris', '--artifact', v2File, '--alias', 'staging'));
  });

  it('reads models and versions from the server', async () => {
    const [list, detail, version] = await Promise.all([
      mooring('models', 'list', '--json'),
      mooring('models', 'show', 'iris', '--json'),
      mooring('models', 'show', 'iris@staging', '--json'),
    ]);
    const iris = stdoutJson<{ models: ModelDto[] }>(ok(list)).models.find((m) => m.name === 'iris');
    assert.deepEqual(iris?.aliases, { production: 1, staging: 2 });
    assert.deepEqual(stdoutJson<ModelDetailDto>(ok(detail)).versions.map((v) => v.version), [1, 2]);
    assert.equal(stdoutJson<ModelVersionDto>(ok(version)).version, 2);
  });

  it('predicts through the server, reporting the version that answered', async () => {
    const [records, tensors, byNumber, latest] = await Promise.all([
      mooring('predict', 'iris', '--data', JSON.stringify([X])),
      mooring('predict', 'iris@staging', '--data', JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X }] })),
      mooring('predict', 'iris/1', '--data', JSON.stringify({ instances: [X] }), '--json'),
      mooring('predict', 'iris@latest', '--data', JSON.stringify([X])),
    ]);
    assert.deepEqual(stdoutJson(ok(byNumber)), { predictions: [[Y1]], model_name: 'iris', model_version: '1' });
    assert.equal(byNumber.stderr, '');
    assert.match(ok(latest).stderr, /answered by version 2/);
    assert.deepEqual(stdoutJson<{ predictions: number[][] }>(ok(records)).predictions, [[Y1]]);
    assert.match(records.stderr, /answered by version 1/);
    const body = stdoutJson<{ model_version: string; outputs: Array<{ data: number[] }> }>(ok(tensors));
    assert.equal(body.model_version, '2');
    assert.deepEqual(body.outputs[0]?.data, [Y2]);
    assert.match(tensors.stderr, /answered by version 2/);
  });

  it('deploys through the CLI and the next inference request is served by the new version', async () => {
    const event = stdoutJson<AliasEventDto>(ok(await mooring('deploy', 'iris', '2', '--reason', 'better', '--json')));
    assert.deepEqual([event.from_version, event.to_version], [1, 2]);
    const response = await fetch(`${server.url}/v2/models/iris/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X }] }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-model-version'), '2');
    const answer = (await response.json()) as { outputs: Array<{ data: number[] }> };
    assert.deepEqual(answer.outputs[0]?.data, [Y2]);
  });

  it('rolls back, and shows history and audit from the server', async () => {
    assert.match(ok(await mooring('rollback', 'iris', '--reason', 'regression')).stdout, /iris: production 2 -> 1/);
    const [history, at, audit] = await Promise.all([
      mooring('history', 'iris', '--alias', 'production', '--json'),
      mooring('history', 'iris', '--at', new Date().toISOString(), '--json'),
      mooring('audit', '--limit', '3', '--json'),
    ]);
    const events = stdoutJson<{ events: AliasEventDto[] }>(ok(history)).events;
    assert.deepEqual(events.map((e) => [e.from_version, e.to_version]), [[null, 1], [1, 2], [2, 1]]);
    assert.equal(stdoutJson<{ version: number | null }>(ok(at)).version, 1);
    const records = stdoutJson<{ records: AuditRecordDto[] }>(ok(audit)).records;
    assert.equal(records.length, 3);
    assert.ok(records.every((r) => r.actor.startsWith('api:')), JSON.stringify(records));
  });

  it('maps the server errors to the same exit codes as local mode', async () => {
    const [missing, alias, usage] = await Promise.all([
      mooring('models', 'show', 'nope'),
      mooring('models', 'alias', 'iris', 'latest', '1'),
      mooring('predict', 'iris', '--data', JSON.stringify({ instances: [[1, 2]] })),
    ]);
    failed(missing, 3, 'MODEL_NOT_FOUND');
    failed(alias, 2, 'INVALID_ALIAS');
    failed(usage, 2, '[A-Z_]+');
    ok(await mooring('models', 'register', 'solo', '--artifact', v1File, '--alias', 'production'));
    failed(await mooring('rollback', 'solo'), 4, 'NOTHING_TO_ROLL_BACK');
  });

  it('--url uses the given token, MOORING_ADMIN_TOKEN, and exits 5 on a wrong or missing one', async () => {
    const [wrong, none, right, env, json] = await Promise.all([
      runCli(['--home', otherHome, '--url', server.url, '--token', 'not-the-token', 'models', 'list']),
      runCli(['--home', otherHome, '--url', server.url, 'models', 'list']),
      runCli(['--home', otherHome, '--url', server.url, '--token', token, 'models', 'list', '--json']),
      runCli(['--home', otherHome, '--url', server.url, 'models', 'show', 'iris', '--json'], { env: { MOORING_ADMIN_TOKEN: token } }),
      runCli(['--home', otherHome, '--url', server.url, '--token', 'nope', 'models', 'list', '--json']),
    ]);
    failed(wrong, 5, 'UNAUTHORIZED');
    failed(none, 5, 'UNAUTHORIZED');
    assert.ok(stdoutJson<{ models: ModelDto[] }>(ok(right)).models.some((m) => m.name === 'iris'));
    assert.equal(stdoutJson<ModelDetailDto>(ok(env)).name, 'iris');
    assert.equal(json.code, 5);
    assert.equal((JSON.parse(json.stderr) as { code: string }).code, 'UNAUTHORIZED');
    assert.equal(existsSync(join(otherHome, 'mooring.db')), false, '--url never opens the home');
  });

  it('exits 6 when the server cannot be reached', async () => {
    const r = await runCli(['--home', otherHome, '--url', 'http://127.0.0.1:1', '--token', token, 'models', 'list']);
    failed(r, 6, 'SERVER_UNREACHABLE');
    assert.match(r.stderr, /http:\/\/127\.0\.0\.1:1/);
  });

  it('stops on SIGTERM with exit 0, removes server.json, and the CLI falls back to local mode', async () => {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, server.output());
    await pollFor('server.json to be gone', () => (existsSync(join(home, 'server.json')) ? undefined : true), 50);
    const r = ok(await mooring('--verbose', 'models', 'list', '--json'));
    assert.match(r.stderr, /local mode/);
    const iris = stdoutJson<{ models: ModelDto[] }>(r).models.find((m) => m.name === 'iris');
    assert.deepEqual(iris?.aliases, { production: 1, staging: 2 });
  });
});
