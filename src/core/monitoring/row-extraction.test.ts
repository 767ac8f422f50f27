import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { FeatureSignature } from '../features/feature-spec.js';
import { compileFeaturePacker } from '../features/packer.js';
import { ProblemReport } from '../validation/problems.js';
import { compileRowExtractor } from './row-extraction.js';
import type { ExtractionColumn, RowExtractor } from './row-extraction.js';

const SIG: FeatureSignature = {
  input: 'x',
  features: [
    { name: 'age', type: 'numerical', encoding: { kind: 'value' } },
    { name: 'plan', type: 'categorical', encoding: { kind: 'onehot', categories: ['basic', 'pro', 'team'] } },
    { name: 'region', type: 'categorical', encoding: { kind: 'index', categories: ['eu', 'us'] } },
    { name: 'spend', type: 'numerical', encoding: { kind: 'value' }, nullable: true },
  ],
};

const COLUMNS: ExtractionColumn[] = [
  { name: 'age', kind: 'feature', type: 'numerical' },
  { name: 'plan', kind: 'feature', type: 'categorical' },
  { name: 'region', kind: 'feature', type: 'categorical' },
  { name: 'spend', kind: 'feature', type: 'numerical' },
  { name: 'probability', kind: 'prediction', type: 'numerical' },
  { name: 'label', kind: 'prediction', type: 'categorical' },
];

const OUTPUTS = [
  { name: 'probability', datatype: 'FP32' },
  { name: 'label', datatype: 'BOOL' },
];

function extractor(columns = COLUMNS, outputs = OUTPUTS, features = SIG): RowExtractor {
  return compileRowExtractor({ features, outputs, columns });
}

/** The extracted values keyed by column name (absent columns as []). */
function byName(x: RowExtractor, inputs: unknown, outputs: unknown): { rows: number; cols: Record<string, unknown[]> } {
  const r = x.extract(inputs, outputs);
  const cols: Record<string, unknown[]> = {};
  x.columns.forEach((c, i) => (cols[c.name] = [...r.values[i]!]));
  return { rows: r.rows, cols };
}

const TWO_ANSWERS = {
  predictions: [
    { probability: [0.8], label: [true] },
    { probability: [0.1], label: [false] },
  ],
  model_name: 'm',
  model_version: '1',
};

describe('row extraction: inputs', () => {
  it('reads records keyed by feature name, unseen categories and nulls included', () => {
    const { rows, cols } = byName(
      extractor(),
      { instances: [{ age: 41, plan: 'pro', region: 'us', spend: 12.5 }, { age: 18, plan: 'gold', region: 'eu', spend: null }] },
      TWO_ANSWERS,
    );
    assert.equal(rows, 2);
    assert.deepEqual(cols, {
      age: [41, 18],
      plan: ['pro', 'gold'],
      region: ['us', 'eu'],
      spend: [12.5, null],
      probability: [0.8, 0.1],
      label: ['true', 'false'],
    });
  });

  it('unpacks packed rows (bare or keyed by the input) through the features', () => {
    const body = { instances: [[41, 0, 1, 0, 1, 12.5], { x: [18, 0, 0, 1, 0, 3] }] };
    const { cols } = byName(extractor(), body, null);
    assert.deepEqual(cols.age, [41, 18]);
    assert.deepEqual(cols.plan, ['pro', 'team']);
    assert.deepEqual(cols.region, ['us', 'eu']);
    assert.deepEqual(cols.spend, [12.5, 3]);
    assert.deepEqual(cols.probability, [], 'no answer: no output values, the features still count');
  });

  it('round-trips every category through the packer; unseen ones come back null', () => {
    const records = [
      { age: 20, plan: 'basic', region: 'eu', spend: 1 },
      { age: 30, plan: 'pro', region: 'us', spend: null },
      { age: 40, plan: 'team', region: 'us', spend: 2 },
      { age: 50, plan: 'gold', region: 'mars', spend: 3 },
    ];
    for (const datatype of ['FP32', 'INT64', 'UINT8'] as const) {
      const packer = compileFeaturePacker(SIG, { datatype, ranges: new Map(), reportUnseen: false, maxStringLength: 100 });
      const report = new ProblemReport();
      const records2 = datatype === 'FP32' ? records : records.map((r) => ({ ...r, spend: r.spend ?? 0 }));
      const data = Array.from(packer.packRecords(records2, report) as ArrayLike<number | bigint>, (v) => Number(v));
      assert.equal(report.schema, 0, datatype);
      const rows = records2.map((_, r) => data.slice(r * packer.width, (r + 1) * packer.width));
      const { cols } = byName(extractor(), { instances: rows }, null);
      assert.deepEqual(cols.plan, ['basic', 'pro', 'team', null], datatype);
      assert.deepEqual(cols.region, ['eu', 'us', 'us', null], datatype);
      assert.deepEqual(cols.age, [20, 30, 40, 50], datatype);
      // The same tensor as an Open Inference Protocol v2 body.
      const v2 = byName(extractor(), { inputs: [{ name: 'x', datatype, shape: [4, packer.width], data }] }, null).cols;
      assert.deepEqual(v2.plan, cols.plan);
      assert.deepEqual(v2.region, cols.region);
    }
  });

  it('reads v2 bodies with flat or nested data, and big integers sent as text', () => {
    const flat = { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 6], data: [41, 0, 1, 0, 1, 12.5, 18, 1, 0, 0, 0, 3] }] };
    const nested = { inputs: [{ name: 'x', datatype: 'INT64', shape: [2, 6], data: [['41', 0, 1, 0, 1, 12], [18, 1, 0, 0, 0, 3]] }] };
    const v2Answer = {
      outputs: [
        { name: 'probability', datatype: 'FP32', shape: [2, 1], data: [0.8, 0.1] },
        { name: 'label', datatype: 'BOOL', shape: [2, 1], data: [true, false] },
      ],
    };
    const a = byName(extractor(), flat, v2Answer);
    assert.equal(a.rows, 2);
    assert.deepEqual(a.cols, { age: [41, 18], plan: ['pro', 'basic'], region: ['us', 'eu'], spend: [12.5, 3], probability: [0.8, 0.1], label: ['true', 'false'] });
    assert.deepEqual(byName(extractor(), nested, null).cols.age, [41, 18]);
  });

  it('takes a one-hot block with no or several columns set as missing', () => {
    const { cols } = byName(extractor(), { instances: [[1, 0, 0, 0, 0, 1], [1, 1, 1, 0, 0, 1], [1, 0, 0.5, 0, 0, 1]] }, null);
    assert.deepEqual(cols.plan, [null, null, null]);
  });
});

describe('row extraction: outputs', () => {
  it('names one-element rows by the output and wider rows name[j]; only profiled columns are kept', () => {
    const columns: ExtractionColumn[] = [
      { name: 'age', kind: 'feature', type: 'numerical' },
      { name: 'scores[0]', kind: 'prediction', type: 'numerical' },
      { name: 'scores[1]', kind: 'prediction', type: 'numerical' },
      { name: 'class', kind: 'prediction', type: 'categorical' },
    ];
    const outputs = [
      { name: 'scores', datatype: 'FP32' },
      { name: 'class', datatype: 'INT64' },
      { name: 'embedding', datatype: 'FP32' },
    ];
    const x = extractor(columns, outputs, { input: 'x', features: [SIG.features[0]!] });
    const records = byName(x, { instances: [{ age: 1 }, { age: 2 }] }, {
      predictions: [
        { scores: [0.2, 0.8], class: 1, embedding: [1, 2, 3] },
        { scores: [0.9, 0.1], class: '9007199254740993', embedding: [1, 2, 3] },
      ],
    });
    assert.deepEqual(records.cols, { age: [1, 2], 'scores[0]': [0.2, 0.9], 'scores[1]': [0.8, 0.1], class: ['1', '9007199254740992'] });
    const v2 = byName(x, { inputs: [{ name: 'x', shape: [2, 1], datatype: 'FP32', data: [1, 2] }] }, {
      outputs: [{ name: 'scores', datatype: 'FP32', shape: [2, 2], data: [0.2, 0.8, 0.9, 0.1] }],
    });
    assert.deepEqual(v2.cols, { age: [1, 2], 'scores[0]': [0.2, 0.9], 'scores[1]': [0.8, 0.1], class: [] }, 'an output the answer left out is absent');
  });

  it('reads the single output of a one-output model from bare rows', () => {
    const columns: ExtractionColumn[] = [
      { name: 'age', kind: 'feature', type: 'numerical' },
      { name: 'y', kind: 'prediction', type: 'numerical' },
    ];
    const x = extractor(columns, [{ name: 'y', datatype: 'FP32' }], { input: 'x', features: [SIG.features[0]!] });
    assert.deepEqual(byName(x, { instances: [{ age: 1 }, { age: 2 }] }, { predictions: [[0.5], 0.25] }).cols.y, [0.5, 0.25]);
  });

  it('drops outputs whose row count disagrees with the inputs', () => {
    const { rows, cols } = byName(extractor(), { instances: [{ age: 1, plan: 'pro', region: 'eu', spend: 1 }] }, TWO_ANSWERS);
    assert.equal(rows, 1);
    assert.deepEqual(cols.probability, []);
    assert.deepEqual(cols.age, [1]);
  });
});

describe('row extraction: garbage', () => {
  it('gives no rows for bodies it cannot read', () => {
    const x = extractor();
    for (const body of [null, 1, 'x', [], {}, { instances: 'x' }, { instances: [1] }, { instances: [[1, 2]] }, { inputs: [{ name: 'x', data: [1, 2, 3] }] }, { inputs: [{ name: 'y', data: [1, 2, 3, 4, 5, 6] }] }]) {
      const r = x.extract(body, TWO_ANSWERS);
      assert.equal(r.rows, 0, JSON.stringify(body));
      assert.ok(r.values.every((v) => v.length === 0));
    }
  });

  it('treats __proto__ keys as data and never reads inherited properties', () => {
    const body = JSON.parse('{"instances":[{"__proto__":{"age":5},"plan":"pro","region":"eu","spend":1}]}') as unknown;
    const { cols } = byName(extractor(), body, null);
    assert.deepEqual(cols.age, [null]);
    assert.equal(({} as Record<string, unknown>)['age'], undefined);
  });

  it('never throws, whatever JSON it is given (property)', () => {
    const x = extractor();
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (inputs, outputs) => {
        const r = x.extract(inputs, outputs);
        assert.ok(r.values.every((v) => v.length === 0 || v.length === r.rows));
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.jsonValue(), fc.array(fc.oneof(fc.double(), fc.string(), fc.boolean()), { maxLength: 8 }))), (instances) => {
        const r = x.extract({ instances }, { predictions: instances });
        assert.ok(r.values.every((v) => v.length === 0 || v.length === r.rows));
      }),
      { numRuns: 500 },
    );
  });

  it('survives deeply nested data without touching the stack', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const r = extractor().extract({ inputs: [{ name: 'x', shape: [1, 6], data: deep }] }, null);
    assert.equal(r.rows, 0);
  });
});
