import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemReport } from '../validation/problems.js';
import type { FeatureSignature } from './feature-spec.js';
import { packedWidth } from './feature-spec.js';
import { compileFeaturePacker } from './packer.js';
import type { PackerChecks } from './packer.js';

const SIG: FeatureSignature = {
  input: 'x',
  features: [
    { name: 'age', type: 'numerical', encoding: { kind: 'value' } },
    { name: 'plan', type: 'categorical', encoding: { kind: 'onehot', categories: ['basic', 'pro', 'team'] } },
    { name: 'region', type: 'categorical', encoding: { kind: 'index', categories: ['eu', 'us'] } },
    { name: 'spend', type: 'numerical', encoding: { kind: 'value' }, nullable: true },
  ],
};

const CHECKS: PackerChecks = {
  datatype: 'FP32',
  ranges: new Map([['age', [18, 90] as const]]),
  reportUnseen: true,
  maxStringLength: 16,
};

function pack(records: unknown[], checks: Partial<PackerChecks> = {}) {
  const p = compileFeaturePacker(SIG, { ...CHECKS, ...checks });
  const report = new ProblemReport();
  const data = p.packRecords(records, report);
  return { data: Array.from(data as Float32Array), report, p };
}

describe('feature packer', () => {
  it('packs values, one-hot and index encodings in feature order', () => {
    const { data, report, p } = pack([
      { age: 41, plan: 'pro', region: 'us', spend: 12.5 },
      { spend: null, region: 'eu', plan: 'team', age: 18 },
    ]);
    assert.equal(p.width, packedWidth(SIG));
    assert.equal(p.width, 6);
    assert.deepEqual(data, [41, 0, 1, 0, 1, 12.5, 18, 0, 0, 1, 0, NaN]);
    assert.equal(report.total, 0);
  });

  it('reports every schema problem with row and field, and keeps going', () => {
    const { report } = pack([
      { age: '41', plan: 'pro', region: 'us', spend: 1 },
      { plan: 'pro', region: 'us', spend: 1, extra: true },
      { age: null, plan: { a: 1 }, region: 'us', spend: 1 },
      'not a record',
      { age: 1e400, plan: 'x'.repeat(17), region: 'us', spend: 1 },
    ]);
    assert.deepEqual(
      report.problems.map((p) => [p.row, p.field, p.problem]),
      [
        [0, 'age', 'wrong_type'],
        [1, 'age', 'missing'],
        [1, 'extra', 'unknown_field'],
        [2, 'age', 'null'],
        [2, 'plan', 'wrong_type'],
        [3, '', 'wrong_type'],
        [4, 'age', 'non_finite'],
        [4, 'plan', 'too_long'],
      ],
    );
    assert.equal(report.schema, 8);
    assert.equal(report.anomalies, 0);
  });

  it('flags values outside the training range and unseen categories as anomalies, encoding them as unseen', () => {
    const { data, report } = pack([{ age: 120, plan: 'enterprise', region: 'apac', spend: 0 }]);
    assert.deepEqual(data, [120, 0, 0, 0, -1, 0]);
    assert.deepEqual(
      report.problems.map((p) => [p.field, p.problem]),
      [
        ['age', 'out_of_range'],
        ['plan', 'unseen_category'],
        ['region', 'unseen_category'],
      ],
    );
    assert.equal(report.anomalies, 3);
  });

  it('does not report anomalies when they are switched off', () => {
    const { report } = pack([{ age: 120, plan: 'enterprise', region: 'apac', spend: 0 }], { ranges: new Map(), reportUnseen: false });
    assert.equal(report.total, 0);
  });

  it('reads numbers and booleans as category strings', () => {
    const sig: FeatureSignature = {
      input: 'x',
      features: [{ name: 'flag', type: 'categorical', encoding: { kind: 'index', categories: ['true', '3'] } }],
    };
    const p = compileFeaturePacker(sig, CHECKS);
    const report = new ProblemReport();
    assert.deepEqual(Array.from(p.packRecords([{ flag: true }, { flag: 3 }], report) as Float32Array), [0, 1]);
    assert.equal(report.total, 0);
  });

  it('refuses values the input datatype cannot hold', () => {
    const p = compileFeaturePacker({ input: 'x', features: [SIG.features[0]!] }, { ...CHECKS, datatype: 'INT32', ranges: new Map() });
    const report = new ProblemReport();
    p.packRecords([{ age: 1.5 }, { age: 2 ** 40 }, { age: 7 }], report);
    assert.deepEqual(report.problems.map((q) => [q.row, q.problem]), [
      [0, 'wrong_type'],
      [1, 'wrong_type'],
    ]);
    const fp32 = compileFeaturePacker({ input: 'x', features: [SIG.features[0]!] }, { ...CHECKS, ranges: new Map() });
    const r2 = new ProblemReport();
    fp32.packRecords([{ age: 1e39 }], r2);
    assert.equal(r2.problems[0]!.problem, 'non_finite');
  });

  it('stores unseen index categories past the end for unsigned inputs and as -1 for INT64', () => {
    const sig: FeatureSignature = { input: 'x', features: [SIG.features[2]!] };
    const u = compileFeaturePacker(sig, { ...CHECKS, datatype: 'UINT8' });
    assert.deepEqual(Array.from(u.packRecords([{ region: 'apac' }], new ProblemReport()) as Uint8Array), [2]);
    const i = compileFeaturePacker(sig, { ...CHECKS, datatype: 'INT64' });
    assert.deepEqual(Array.from(i.packRecords([{ region: 'apac' }, { region: 'us' }], new ProblemReport()) as BigInt64Array), [-1n, 1n]);
  });

  it('treats prototype names as absent fields', () => {
    const sig: FeatureSignature = { input: 'x', features: [{ name: 'constructor', type: 'numerical', encoding: { kind: 'value' } }] };
    const p = compileFeaturePacker(sig, { ...CHECKS, ranges: new Map() });
    const report = new ProblemReport();
    p.packRecords([{}], report);
    assert.equal(report.problems[0]!.problem, 'missing');
  });

  it('checks a tensor packed by the client with the same rules', () => {
    const p = compileFeaturePacker(SIG, CHECKS);
    const report = new ProblemReport();
    const rows = new Float32Array([
      41, 0, 1, 0, 1, 3, // clean
      99, 0, 0, 0, 5, NaN, // age out of range, plan unseen (no column set), region index unseen, spend null is fine
      40, 1, 1, 0, 0.5, 2, // two one-hot columns, fractional index
    ]);
    p.checkPacked(rows, 3, report);
    assert.deepEqual(
      report.problems.map((q) => [q.row, q.field, q.problem]),
      [
        [1, 'age', 'out_of_range'],
        [1, 'plan', 'unseen_category'],
        [1, 'region', 'unseen_category'],
        [2, 'plan', 'wrong_type'],
        [2, 'region', 'wrong_type'],
      ],
    );
  });
});
