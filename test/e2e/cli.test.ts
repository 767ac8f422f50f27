/**
 * The `mooring` CLI end to end in local mode (no server: each command opens the home in-process), run as the real
 * executable: registration with metadata, reading back with --json, aliases, deploy, rollback, history, audit,
 * predictions, and the exit code and stderr of every error path.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AliasEventDto, AuditRecordDto, ModelDetailDto, ModelDto, ModelVersionDto } from '../../src/protocol/admin/dto.js';
import { garbageBytes, linearModel, linearModelV2 } from '../fixtures/models.js';
import { removeDir, runCli, show, stdoutJson, tempDir, writeBytes, type CliResult, failed, LINEAR_X, linearAnswer, ok } from './cli-harness.js';

let dir: string;
let home: string;
let v1File: string;
let v2File: string;

/** Runs the CLI on this file's home. */
function mooring(...args: string[]): Promise<CliResult> {
  return runCli(['--home', home, ...args]);
}

const X = LINEAR_X;
const expected = linearAnswer;
const Y1 = expected(linearModel());
const Y2 = expected(linearModelV2());

before(() => {
  dir = tempDir('cli');
  home = join(dir, 'home');
  v1File = writeBytes(dir, 'linear-v1.onnx', linearModel().bytes);
  v2File = writeBytes(dir, 'linear-v2.onnx', linearModelV2().bytes);
});

after(() => removeDir(dir));

describe('mooring CLI in local mode', () => {
  it('registers a version with metrics, params, tags, metadata and an alias', async () => {
    const r = ok(
      await mooring(
        'models', 'register', 'iris', '--artifact', v1File,
        '--metric', 'auc=0.91', '--metric', 'f1=0.8', '--param', 'lr=0.01', '--param', 'depth=3',
        '--tag', 'team=ml', '--dataset-version', 'ds-2024-05', '--trained-at', '2024-05-01T12:00:00Z',
        '--description', 'first cut', '--source', 'run-42', '--alias', 'production', '--json',
      ),
    );
    const v = stdoutJson<ModelVersionDto>(r);
    assert.equal(v.name, 'iris');
    assert.equal(v.version, 1);
    assert.deepEqual(v.metrics, { auc: 0.91, f1: 0.8 });
    assert.deepEqual(v.params, { lr: '0.01', depth: '3' });
    assert.deepEqual(v.tags, { team: 'ml' });
    assert.equal(v.dataset_version, 'ds-2024-05');
    assert.equal(v.trained_at, '2024-05-01T12:00:00.000Z');
    assert.equal(v.description, 'first cut');
    assert.equal(v.source, 'run-42');
    assert.deepEqual(v.aliases, ['production']);
    assert.equal(v.signature.inputs[0]?.name, 'x');
  });

  it('registers a second version in human mode', async () => {
    const r = ok(await mooring('models', 'register', 'iris', '--artifact', v2File, '--metric', 'auc=0.95', '--alias', 'staging'));
    assert.match(r.stdout, /registered iris version 2/);
    assert.match(r.stdout, /staging/);
  });

  it('lists models as JSON and as a table', async () => {
    const list = stdoutJson<{ models: ModelDto[] }>(ok(await mooring('models', 'list', '--json')));
    assert.deepEqual(Object.keys(list), ['models']);
    const iris = list.models.find((m) => m.name === 'iris');
    assert.ok(iris, JSON.stringify(list));
    assert.equal(iris.latest_version, 2);
    assert.deepEqual(iris.aliases, { production: 1, staging: 2 });
    const table = ok(await mooring('models', 'list')).stdout;
    assert.match(table, /^NAME\s+LATEST\s+ALIASES/m);
    assert.match(table, /^iris\s+2\s+production=1, staging=2/m);
  });

  it('shows a model with its versions, and one version by alias, number, v<N> and latest', async () => {
    const model = stdoutJson<ModelDetailDto>(ok(await mooring('models', 'show', 'iris', '--json')));
    assert.equal(model.name, 'iris');
    assert.deepEqual(model.versions.map((v) => v.version), [1, 2]);
    assert.deepEqual(model.aliases, { production: 1, staging: 2 });
    const human = ok(await mooring('models', 'show', 'iris')).stdout;
    assert.match(human, /signature/);
    assert.match(human, /input\s+x\s+FP32\s+\[\?, 4\]/);

    const refs = [['iris@staging', 2], ['iris/1', 1], ['iris@v1', 1], ['iris@latest', 2], ['iris@production', 1]] as const;
    const shown = await Promise.all(refs.map(([ref]) => mooring('models', 'show', ref, '--json')));
    refs.forEach(([ref, version], i) => assert.equal(stdoutJson<ModelVersionDto>(ok(shown[i]!)).version, version, ref));
    assert.match(ok(await mooring('models', 'show', 'iris/2')).stdout, /^version:\s+2$/m);
  });

  it('sets and deletes an alias', async () => {
    const set = stdoutJson<AliasEventDto>(ok(await mooring('models', 'alias', 'iris', 'candidate', '1', '--reason', 'try it', '--json')));
    assert.equal(set.alias, 'candidate');
    assert.equal(set.from_version, null);
    assert.equal(set.to_version, 1);
    assert.equal(set.reason, 'try it');
    const moved = ok(await mooring('models', 'alias', 'iris', 'candidate', '2'));
    assert.match(moved.stdout, /iris: candidate 1 -> 2/);
    const deleted = stdoutJson<AliasEventDto>(ok(await mooring('models', 'alias', 'iris', 'candidate', '--delete', '--json')));
    assert.equal(deleted.from_version, 2);
    assert.equal(deleted.to_version, null);
    const model = stdoutJson<ModelDetailDto>(ok(await mooring('models', 'show', 'iris', '--json')));
    assert.equal(model.aliases.candidate, undefined);
  });

  it('predicts in-process with records, a bare array, v2 tensors and a data file', async () => {
    const records = ok(await mooring('predict', 'iris', '--data', JSON.stringify({ instances: [X] })));
    assert.deepEqual(stdoutJson(records), { predictions: [[Y1]], model_name: 'iris', model_version: '1' });
    assert.match(records.stderr, /version 1/);

    const bare = ok(await mooring('predict', 'iris@staging', '--data', JSON.stringify([X]), '--json'));
    assert.deepEqual((stdoutJson<{ predictions: number[][] }>(bare)).predictions, [[Y2]]);
    assert.equal(bare.stderr, '');

    const v2Request = { id: 'req-1', inputs: [{ name: 'x', shape: [1, 4], datatype: 'FP32', data: X }] };
    const file = writeBytes(dir, 'request.json', JSON.stringify(v2Request));
    const tensors = stdoutJson<{ id: string; model_version: string; outputs: Array<{ name: string; data: number[] }> }>(
      ok(await mooring('predict', 'iris/2', '--data', `@${file}`, '--json')),
    );
    assert.equal(tensors.id, 'req-1');
    assert.equal(tensors.model_version, '2');
    assert.deepEqual(tensors.outputs.map((o) => [o.name, o.data]), [['y', [Y2]]]);

    const stdin = ok(await runCli(['--home', home, 'predict', 'iris', '--data', '@-'], { input: JSON.stringify([X]) }));
    assert.deepEqual(stdoutJson<{ predictions: number[][] }>(stdin).predictions, [[Y1]]);
  });

  it('deploys, rolls back, and records the moves in history and the audit log', async () => {
    const deploy = stdoutJson<AliasEventDto>(ok(await mooring('deploy', 'iris', '2', '--reason', 'better auc', '--json')));
    assert.deepEqual([deploy.alias, deploy.from_version, deploy.to_version, deploy.reason], ['production', 1, 2, 'better auc']);
    const after = stdoutJson<{ predictions: number[][] }>(ok(await mooring('predict', 'iris', '--data', JSON.stringify([X]))));
    assert.deepEqual(after.predictions, [[Y2]]);

    const rollback = ok(await mooring('rollback', 'iris', '--reason', 'regression'));
    assert.match(rollback.stdout, /iris: production 2 -> 1/);

    const history = stdoutJson<{ events: AliasEventDto[] }>(ok(await mooring('history', 'iris', '--alias', 'production', '--json')));
    assert.deepEqual(Object.keys(history), ['events']);
    assert.deepEqual(history.events.map((e) => [e.from_version, e.to_version]), [[null, 1], [1, 2], [2, 1]]);
    const all = stdoutJson<{ events: AliasEventDto[] }>(ok(await mooring('history', 'iris', '--json')));
    assert.ok(all.events.some((e) => e.alias === 'candidate' && e.to_version === null), 'history without --alias has every alias');
    assert.match(ok(await mooring('history', 'iris')).stdout, /^ID\s+AT\s+ALIAS\s+FROM\s+TO\s+ACTOR\s+REASON/m);

    const audit = stdoutJson<{ records: AuditRecordDto[] }>(ok(await mooring('audit', '--json')));
    assert.ok(audit.records.length >= 5, JSON.stringify(audit));
    const ids = audit.records.map((r) => r.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    const target = audit.records[0]!.target;
    const filtered = stdoutJson<{ records: AuditRecordDto[] }>(ok(await mooring('audit', '--target', target, '--limit', '2', '--json')));
    assert.ok(filtered.records.length >= 1 && filtered.records.length <= 2, JSON.stringify(filtered));
    assert.ok(filtered.records.every((r) => r.target === target));
    assert.match(ok(await mooring('audit', '--limit', '1')).stdout, /^ID\s+AT\s+ACTOR\s+ACTION\s+TARGET/m);
  });

  it('answers which version held an alias at a time', async () => {
    const now = stdoutJson<{ version: number | null; alias: string }>(ok(await mooring('history', 'iris', '--at', String(Date.now()), '--json')));
    assert.deepEqual([now.alias, now.version], ['production', 1]);
    const staging = stdoutJson<{ version: number | null }>(ok(await mooring('history', 'iris', '--alias', 'staging', '--at', new Date().toISOString(), '--json')));
    assert.equal(staging.version, 2);
    const before = ok(await mooring('history', 'iris', '--at', '2000-01-01T00:00:00Z'));
    assert.match(before.stdout, /iris@production at 2000-01-01T00:00:00.000Z: pointed at no version/);
  });

  it('exits 3 for what does not exist', async () => {
    const [model, version, deploy, history, json] = await Promise.all([
      mooring('models', 'show', 'nope'),
      mooring('models', 'show', 'iris/99'),
      mooring('deploy', 'nope', '1'),
      mooring('history', 'nope'),
      mooring('models', 'show', 'nope', '--json'),
    ]);
    failed(model, 3, 'MODEL_NOT_FOUND');
    failed(version, 3, 'VERSION_NOT_FOUND');
    failed(deploy, 3, 'MODEL_NOT_FOUND');
    failed(history, 3, 'MODEL_NOT_FOUND');
    assert.equal(json.code, 3, show(json));
    assert.equal(json.stdout, '');
    const error = JSON.parse(json.stderr) as { error: string; code: string };
    assert.equal(error.code, 'MODEL_NOT_FOUND');
    assert.match(error.error, /nope/);
  });

  it('exits 2 for invalid input', async () => {
    const garbage = writeBytes(dir, 'garbage.onnx', garbageBytes());
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'server:\n  port: not-a-port\n');
    const cases: Array<[string[], string]> = [
      [['models', 'alias', 'iris', 'latest', '1'], 'INVALID_ALIAS'],
      [['deploy', 'iris', 'abc'], 'INVALID_VERSION'],
      [['models', 'show', 'bad name!'], 'INVALID_NAME'],
      [['history', 'iris', '--at', 'yesterday'], 'INVALID_TIME'],
      [['predict', 'iris', '--data', '{not json'], 'INVALID_JSON'],
      [['predict', 'iris', '--data', JSON.stringify({ instances: [[1, 2]] })], 'SHAPE_MISMATCH'],
      [['models', 'register', 'junk', '--artifact', garbage], 'INVALID_MODEL'],
      [['--config', config, 'models', 'list'], 'CONFIG_INVALID'],
    ];
    const results = await Promise.all(cases.map(([args]) => mooring(...args)));
    cases.forEach(([, code], i) => failed(results[i]!, 2, code));
  });

  it('exits 2 naming a bad --metric or a missing artifact file', async () => {
    const [metric, missing] = await Promise.all([
      mooring('models', 'register', 'iris', '--artifact', v1File, '--metric', 'auc=abc'),
      mooring('models', 'register', 'iris', '--artifact', join(dir, 'missing.onnx')),
    ]);
    failed(metric, 2, 'INVALID_REQUEST');
    assert.match(metric.stderr, /--metric/);
    assert.match(metric.stderr, /auc=abc/);
    failed(missing, 2, 'INVALID_REQUEST');
    assert.match(missing.stderr, /--artifact .*missing\.onnx: cannot read the file \(no such file\)/);
  });

  it('exits 4 when there is nothing to roll back', async () => {
    ok(await mooring('models', 'register', 'solo', '--artifact', v1File, '--alias', 'production'));
    failed(await mooring('rollback', 'solo'), 4, 'NOTHING_TO_ROLL_BACK');
  });

  it('exits 2 for usage errors, 0 for --help and --version', async () => {
    const usage = [
      ['models', 'list', '--bogus'],
      ['deploy', 'iris'],
      ['frobnicate'],
      ['models', 'alias', 'iris', 'candidate'],
      ['models', 'alias', 'iris', 'candidate', '1', '--delete'],
      ['audit', '--limit', 'zero'],
      ['predict', 'iris'],
    ];
    const [results, json, bare, help, registerHelp, version] = await Promise.all([
      Promise.all(usage.map((args) => mooring(...args))),
      mooring('models', 'list', '--bogus', '--json'),
      runCli([]),
      mooring('--help'),
      mooring('models', 'register', '--help'),
      runCli(['--version']),
    ]);
    results.forEach((r) => failed(r, 2, 'INVALID_REQUEST'));
    assert.equal(json.code, 2, show(json));
    assert.deepEqual(Object.keys(JSON.parse(json.stderr) as object).sort(), ['code', 'error']);
    assert.equal((JSON.parse(json.stderr) as { code: string }).code, 'INVALID_REQUEST');
    assert.equal(bare.code, 2, show(bare));
    assert.match(bare.stderr, /Usage: mooring/);

    assert.match(ok(help).stdout, /Usage: mooring/);
    assert.match(help.stdout, /Exit codes/);
    assert.match(ok(registerHelp).stdout, /--artifact/);
    assert.match(ok(version).stdout, /^\d+\.\d+\.\d+/);
  });

  it('says how it connected with --verbose, on stderr only', async () => {
    const r = ok(await mooring('--verbose', 'models', 'list', '--json'));
    assert.match(r.stderr, /local mode/);
    stdoutJson(r);
  });
});
