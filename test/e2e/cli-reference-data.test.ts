/**
 * `mooring models register --reference-data FILE` as a user runs it: a CSV and a Parquet file of training data are
 * read (DuckDB), the features and their encodings derived, the model run on every row for the outputs profile, and
 * the version stored with both; `models show` summarises the profile and `predict` takes records by feature name.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Table } from '../../src/core/profile/table.js';
import { writeTable } from '../../src/storage/duckdb/table-files.js';
import { linearModel } from '../fixtures/models.js';
import { failed, ok, removeDir, runCli, stdoutJson, tempDir, writeBytes } from './cli-harness.js';

let dir: string;
let home: string;
let model: string;

function mooring(...args: string[]) {
  return runCli(['--home', home, ...args]);
}

/** 50 customers; `plan` one-hot over [basic, pro], `region` index over [eu, us]: 4 columns, the linear model's width. */
function table(): Table {
  const idx = Array.from({ length: 50 }, (_, i) => i);
  return {
    rows: 50,
    columns: [
      { name: 'age', kind: 'number', values: idx.map((i) => 20 + i) },
      { name: 'plan', kind: 'string', values: idx.map((i) => (i % 2 ? 'pro' : 'basic')) },
      { name: 'region', kind: 'string', values: idx.map((i) => (i % 3 ? 'us' : 'eu')) },
      { name: 'churned', kind: 'boolean', values: idx.map((i) => i % 4 === 0) },
    ],
  };
}

before(async () => {
  dir = tempDir('cli-reference');
  home = join(dir, 'home');
  model = writeBytes(dir, 'model.onnx', linearModel().bytes);
  const csv = table().columns.map((c) => c.name).join(',') + '\n' +
    Array.from({ length: 50 }, (_, r) => table().columns.map((c) => String(c.values[r])).join(',')).join('\n') + '\n';
  writeBytes(dir, 'train.csv', csv);
  await writeTable(join(dir, 'train.parquet'), table(), 'parquet');
});
after(() => removeDir(dir));

describe('models register --reference-data', () => {
  it('profiles a CSV file, derives the features and stores both with the version', async () => {
    const res = await mooring('models', 'register', 'cust', '--artifact', model, '--reference-data', join(dir, 'train.csv'),
      '--target', 'churned', '--features', 'age,plan:onehot,region:index', '--alias', 'production', '--json');
    const v = stdoutJson<{ version: number; features: { features: { name: string; encoding: { kind: string } }[] }; has_profile: boolean }>(ok(res));
    assert.equal(v.has_profile, true);
    assert.deepEqual(v.features.features.map((f) => [f.name, f.encoding.kind]), [['age', 'value'], ['plan', 'onehot'], ['region', 'index']]);
    const profile = stdoutJson<{ profile: { rows: number; source: string; target: { name: string }; outputs: { columns: { name: string }[] } } }>(
      ok(await mooring('models', 'profile', 'cust', '--json')),
    );
    assert.equal(profile.profile.rows, 50);
    assert.equal(profile.profile.source, 'train.csv');
    assert.equal(profile.profile.target.name, 'churned');
    assert.deepEqual(profile.profile.outputs.columns.map((c) => c.name), ['y']);
    assert.match(ok(await mooring('models', 'show', 'cust')).stdout, /age/);
  });

  it('predicts by feature name through the same packer, and refuses a record missing a feature', async () => {
    const answer = stdoutJson<{ predictions: number[][] }>(
      ok(await mooring('predict', 'cust', '--data', JSON.stringify({ instances: [{ age: 30, plan: 'pro', region: 'us' }] }))),
    );
    // x = [30, 0, 1, 1] through y = x · [0.5, -1.25, 2, 0.75] + 0.125
    assert.ok(Math.abs(answer.predictions[0]![0]! - (15 + 2 + 0.75 + 0.125)) < 1e-5);
    const refused = await mooring('predict', 'cust', '--data', JSON.stringify({ instances: [{ age: 30, plan: 'pro' }] }));
    failed(refused, 2, 'VALIDATION_FAILED');
    assert.match(refused.stderr, /region/);
  });

  it('reads Parquet, one-hot encodes by default and index encodes where one-hot would not fit the input', async () => {
    const res = await mooring('models', 'register', 'cust2', '--artifact', model, '--reference-data', join(dir, 'train.parquet'),
      '--target', 'churned', '--features', 'age,plan:onehot,region', '--json');
    const v = stdoutJson<{ features: { features: { name: string; encoding: { kind: string; categories?: string[] } }[] } }>(ok(res));
    // one-hot for region would make 1 + 2 + 2 = 5 columns; the input takes 4, so region falls back to index.
    assert.deepEqual(v.features.features.map((f) => [f.name, f.encoding.kind, f.encoding.categories]), [
      ['age', 'value', undefined],
      ['plan', 'onehot', ['basic', 'pro']],
      ['region', 'index', ['eu', 'us']],
    ]);
    // With no encodings named, neither 5 (one-hot) nor 3 (index) columns fit: refused, saying so.
    const refused = await mooring('models', 'register', 'cust3', '--artifact', model, '--reference-data', join(dir, 'train.parquet'), '--target', 'churned');
    failed(refused, 2, 'INVALID_REQUEST');
    assert.match(refused.stderr, /columns/);
  });

  it('refuses bad options with exit code 2 and a message naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--target', 'churned'], /--target needs --reference-data/],
      [['--reference-data', join(dir, 'nope.csv')], /nope\.csv/],
      [['--reference-data', join(dir, 'train.csv'), '--features', 'age,zzz'], /zzz/],
      [['--reference-data', join(dir, 'train.csv'), '--categorical', 'agee'], /agee/],
    ];
    for (const [args, message] of cases) {
      const res = await mooring('models', 'register', 'x', '--artifact', model, ...args);
      failed(res, 2, 'INVALID_REQUEST');
      assert.match(res.stderr, message);
    }
  });
});
