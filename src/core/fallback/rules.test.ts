import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FallbackRulesSchema } from '../deployment/policy.js';
import type { FallbackRules, RuleCondition } from '../deployment/policy.js';
import type { FeatureSignature } from '../features/feature-spec.js';
import type { Tensor, TensorSpec } from '../inference/tensor.js';
import type { ColumnValue } from '../monitoring/row-extraction.js';
import { throwsCode } from '../../../test/helpers/assert-code.js';
import { checkRulesFit, compileRuleInputs, compileRules } from './rules.js';
import type { RulesMiss, RulesTarget } from './rules.js';

const FEATURES: FeatureSignature = {
  input: 'x',
  features: [
    { name: 'age', type: 'numerical', encoding: { kind: 'value' } },
    { name: 'plan', type: 'categorical', encoding: { kind: 'onehot', categories: ['basic', 'pro', 'team'] } },
    { name: 'region', type: 'categorical', encoding: { kind: 'index', categories: ['eu', 'us'] } },
    { name: 'spend', type: 'numerical', encoding: { kind: 'value' }, nullable: true },
  ],
};

const OUTPUTS: TensorSpec[] = [
  { name: 'label', datatype: 'INT64', shape: [-1] },
  { name: 'score', datatype: 'FP32', shape: [-1, 2] },
  { name: 'reason', datatype: 'BYTES', shape: [-1] },
];

const TARGET: RulesTarget = { features: FEATURES, outputs: OUTPUTS };

/** Parsed through the policy schema, so the tests use rules exactly as a deployment holds them. */
function rules(input: unknown): FallbackRules {
  return FallbackRulesSchema.parse(input);
}

/** A `value` callback over rows given as records (absent keys read null). */
function rowsOf(records: readonly Record<string, ColumnValue>[]): (feature: string, row: number) => ColumnValue {
  return (feature, row) => records[row]?.[feature] ?? null;
}

function tensors(result: Tensor[] | RulesMiss): Tensor[] {
  assert.ok(Array.isArray(result), `expected tensors, got miss: ${(result as RulesMiss).miss}`);
  return result;
}

function missOf(result: Tensor[] | RulesMiss): string {
  assert.ok(!Array.isArray(result), 'expected a miss, got tensors');
  return result.miss;
}

/** Whether `condition` holds for `value` of its feature: a rule answering 1 when it does and 0 otherwise. */
function holds(condition: RuleCondition, value: ColumnValue): boolean {
  const compiled = compileRules(
    rules({ cases: [{ when: [condition], outputs: [{ name: 'label', value: 1 }] }], default: { outputs: [{ name: 'label', value: 0 }] } }),
    TARGET,
  );
  const [label] = tensors(compiled.answer(1, () => value, ['label']));
  return (label!.data as BigInt64Array)[0] === 1n;
}

describe('rule conditions', () => {
  it('compare numerical features, and are false on a missing value', () => {
    const age = (op: RuleCondition['op'], value: RuleCondition['value']): RuleCondition => ({ feature: 'age', op, value });
    const table: [RuleCondition, ColumnValue, boolean][] = [
      [age('eq', 5), 5, true], [age('eq', 5), 6, false], [age('eq', 5), null, false],
      [age('ne', 5), 6, true], [age('ne', 5), 5, false], [age('ne', 5), null, false],
      [age('lt', 5), 4.5, true], [age('lt', 5), 5, false], [age('lt', 5), null, false],
      [age('le', 5), 5, true], [age('le', 5), 5.01, false], [age('le', 5), null, false],
      [age('gt', 5), 6, true], [age('gt', 5), 5, false], [age('gt', 5), null, false],
      [age('ge', 5), 5, true], [age('ge', 5), 4.99, false], [age('ge', 5), null, false],
      [age('in', [1, 2]), 2, true], [age('in', [1, 2]), 3, false], [age('in', [1, 2]), null, false],
      [age('not_in', [1, 2]), 3, true], [age('not_in', [1, 2]), 1, false], [age('not_in', [1, 2]), null, false],
      [age('missing', undefined), null, true], [age('missing', undefined), 0, false],
      [age('eq', 0), -0, true],
    ];
    for (const [cond, value, want] of table) {
      assert.equal(holds(cond, value), want, `${cond.op} ${JSON.stringify(cond.value)} on ${String(value)}`);
    }
  });

  it('compare categorical features as strings, and are false on a missing value', () => {
    const plan = (op: RuleCondition['op'], value: RuleCondition['value']): RuleCondition => ({ feature: 'plan', op, value });
    const table: [RuleCondition, ColumnValue, boolean][] = [
      [plan('eq', 'pro'), 'pro', true], [plan('eq', 'pro'), 'basic', false], [plan('eq', 'pro'), null, false],
      [plan('ne', 'pro'), 'basic', true], [plan('ne', 'pro'), 'pro', false], [plan('ne', 'pro'), null, false],
      [plan('eq', 12), '12', true], [plan('eq', 12), '12.0', false], [plan('eq', true), 'true', true],
      [plan('in', ['pro', 'team']), 'team', true], [plan('in', ['pro', 'team']), 'basic', false], [plan('in', ['pro']), null, false],
      [plan('not_in', ['pro', 'team']), 'enterprise', true], [plan('not_in', ['pro']), 'pro', false], [plan('not_in', ['pro']), null, false],
      [plan('missing', undefined), null, true], [plan('missing', undefined), '', false],
    ];
    for (const [cond, value, want] of table) {
      assert.equal(holds(cond, value), want, `${cond.op} ${JSON.stringify(cond.value)} on ${String(value)}`);
    }
  });
});

describe('compileRules: matching', () => {
  const table = rules({
    cases: [
      { when: [{ feature: 'age', op: 'lt', value: 30 }, { feature: 'plan', op: 'eq', value: 'pro' }], outputs: [{ name: 'label', value: 1 }, { name: 'reason', value: 'young pro' }] },
      { when: [{ feature: 'age', op: 'lt', value: 30 }], outputs: [{ name: 'label', value: 2 }, { name: 'reason', value: 'young' }] },
    ],
    default: { outputs: [{ name: 'label', value: 0 }, { name: 'reason', value: 'default' }] },
  });
  const compiled = compileRules(table, TARGET);

  it('lists the features the conditions read, once, in first-use order', () => {
    assert.deepEqual(compiled.features, ['age', 'plan']);
  });

  it('answers each row from the first case that holds, else the default', () => {
    const value = rowsOf([{ age: 25, plan: 'pro' }, { age: 25, plan: 'basic' }, { age: 40, plan: 'pro' }, { plan: 'pro' }]);
    const [label, reason] = tensors(compiled.answer(4, value, ['label', 'reason']));
    assert.deepEqual(label, { name: 'label', datatype: 'INT64', shape: [4], data: new BigInt64Array([1n, 2n, 0n, 0n]) });
    assert.deepEqual(reason, { name: 'reason', datatype: 'BYTES', shape: [4], data: ['young pro', 'young', 'default', 'default'] });
  });

  it('misses a row no case matches when there is no default', () => {
    const noDefault = compileRules(rules({ cases: table.cases }), TARGET);
    const value = rowsOf([{ age: 25 }, { age: 25 }, { age: 50 }]);
    assert.equal(missOf(noDefault.answer(3, value, ['label'])), 'row 2 matches no case and there is no default');
  });

  it('misses when the matched case does not give a wanted output', () => {
    const value = rowsOf([{ age: 25, plan: 'pro' }, { age: 40 }]);
    assert.equal(missOf(compiled.answer(2, value, ['label', 'score'])), 'row 0 matches case 0, which gives no output "score"');
    assert.equal(missOf(compiled.answer(2, rowsOf([{ age: 40 }]), ['label', 'score'])), 'row 0 falls to the default, which gives no output "score"');
    // Every output of the signature is wanted when `wanted` is undefined; score is given by no case.
    assert.match(missOf(compiled.answer(1, value, undefined)), /which gives no output "score"/);
  });

  it('answers a constant (a default only) for any rows, with no named features', () => {
    const constant = compileRules(rules({ default: { outputs: [{ name: 'label', value: 7 }, { name: 'score', value: [0.25, 0.75] }, { name: 'reason', value: 'constant' }] } }), {
      features: null,
      outputs: OUTPUTS,
    });
    assert.deepEqual(constant.features, []);
    const out = tensors(constant.answer(2, () => null, undefined));
    assert.deepEqual(out, [
      { name: 'label', datatype: 'INT64', shape: [2], data: new BigInt64Array([7n, 7n]) },
      { name: 'score', datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.25, 0.75, 0.25, 0.75]) },
      { name: 'reason', datatype: 'BYTES', shape: [2], data: ['constant', 'constant'] },
    ]);
  });

  it('answers the wanted outputs only, in the wanted order', () => {
    const constant = compileRules(rules({ default: { outputs: [{ name: 'label', value: 7 }, { name: 'score', value: [0.5, 0.5] }, { name: 'reason', value: 'r' }] } }), TARGET);
    const out = tensors(constant.answer(1, () => null, ['reason', 'label']));
    assert.deepEqual(out.map((t) => t.name), ['reason', 'label']);
    assert.deepEqual(out[0]!.data, ['r']);
    assert.equal(missOf(constant.answer(1, () => null, ['nope'])), 'the model has no output "nope"');
  });
});

describe('compileRules: output shapes and datatypes', () => {
  const outputs: TensorSpec[] = [
    { name: 'p', datatype: 'FP32', shape: [-1, 2] },
    { name: 'emb', datatype: 'FP64', shape: [-1, -1] },
    { name: 'grid', datatype: 'INT32', shape: [-1, 2, -1] },
    { name: 'fixed', datatype: 'FP32', shape: [3] },
    { name: 'big', datatype: 'INT64', shape: [-1] },
    { name: 'u', datatype: 'UINT64', shape: [-1] },
    { name: 'ok', datatype: 'BOOL', shape: [-1, 2] },
    { name: 'text', datatype: 'BYTES', shape: [-1, 1] },
    { name: 'half', datatype: 'FP16', shape: [-1, 3] },
    { name: 'small', datatype: 'UINT8', shape: [-1] },
  ];
  const target: RulesTarget = { features: FEATURES, outputs };
  const constant = (name: string, value: unknown) => compileRules(rules({ default: { outputs: [{ name, value }] } }), target);
  const one = (name: string, value: unknown, rows = 2) => tensors(constant(name, value).answer(rows, () => null, [name]))[0]!;

  it('stacks rows of [-1, 2], nested rows, and a fixed first dimension only for its own row count', () => {
    assert.deepEqual(one('p', [0.1, 0.9]), { name: 'p', datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.1, 0.9, 0.1, 0.9]) });
    assert.deepEqual(one('grid', [[1, 2, 3], [4, 5, 6]], 1), { name: 'grid', datatype: 'INT32', shape: [1, 2, 3], data: new Int32Array([1, 2, 3, 4, 5, 6]) });
    assert.deepEqual(one('fixed', 1.5, 3).data, new Float32Array([1.5, 1.5, 1.5]));
    assert.equal(missOf(constant('fixed', 1.5).answer(2, () => null, ['fixed'])), 'output "fixed" has a fixed first dimension of 3, so it cannot answer 2 rows');
    assert.deepEqual(one('p', [1, 2], 0), { name: 'p', datatype: 'FP32', shape: [0, 2], data: new Float32Array([]) });
  });

  it('lets a variable later dimension take any length, but all answered rows must agree', () => {
    const compiled = compileRules(
      rules({
        cases: [{ when: [{ feature: 'age', op: 'lt', value: 30 }], outputs: [{ name: 'emb', value: [1, 2, 3] }] }],
        default: { outputs: [{ name: 'emb', value: [4, 5] }] },
      }),
      target,
    );
    assert.deepEqual(tensors(compiled.answer(2, rowsOf([{ age: 20 }, { age: 21 }]), ['emb']))[0]!, {
      name: 'emb', datatype: 'FP64', shape: [2, 3], data: new Float64Array([1, 2, 3, 1, 2, 3]),
    });
    assert.deepEqual(tensors(compiled.answer(1, rowsOf([{ age: 50 }]), ['emb']))[0]!.shape, [1, 2]);
    assert.equal(
      missOf(compiled.answer(3, rowsOf([{ age: 50 }, { age: 50 }, { age: 20 }]), ['emb'])),
      'output "emb": row 2 (case 0) has row shape [3] but row 0 (the default) has [2]',
    );
  });

  it('converts to each datatype: FP32, INT64, UINT64, BOOL, BYTES, FP16, UINT8', () => {
    assert.deepEqual(one('big', -9007199254740991).data, new BigInt64Array([-9007199254740991n, -9007199254740991n]));
    assert.deepEqual(one('big', '9223372036854775807', 1).data, new BigInt64Array([9223372036854775807n]));
    assert.deepEqual(one('u', '18446744073709551615', 1).data, new BigUint64Array([18446744073709551615n]));
    assert.deepEqual(one('ok', [true, false]), { name: 'ok', datatype: 'BOOL', shape: [2, 2], data: new Uint8Array([1, 0, 1, 0]) });
    assert.deepEqual(one('text', ['churn risk']), { name: 'text', datatype: 'BYTES', shape: [2, 1], data: ['churn risk', 'churn risk'] });
    // IEEE half bits: 0.5 = 0x3800, -2 = 0xc000, 65504 (the largest half) = 0x7bff.
    assert.deepEqual(one('half', [0.5, -2, 65504], 1), { name: 'half', datatype: 'FP16', shape: [1, 3], data: new Uint16Array([0x3800, 0xc000, 0x7bff]) });
    assert.deepEqual(one('small', 255, 1).data, new Uint8Array([255]));
    assert.deepEqual(one('p', [1e-46, 3.4e38], 1).data, new Float32Array([0, 3.4e38]));
  });

  it('refuses values that do not fit the datatype or the row shape, naming the value', () => {
    const refused: [string, unknown, RegExp][] = [
      ['small', 256, /UINT8 needs a whole number in \[0, 255\], got the number 256/],
      ['small', 1.5, /UINT8 needs a whole number/],
      ['big', 2 ** 53, /INT64 needs a whole number .*got the number 9007199254740992/],
      ['big', '9223372036854775808', /INT64 needs a whole number/],
      ['u', -1, /UINT64 needs a whole number/],
      ['ok', [1, 0], /at \[0\]: BOOL needs true or false, got the number 1/],
      ['text', [3], /at \[0\]: BYTES needs a string, got the number 3/],
      ['half', [0, 0, 65520], /at \[2\]: FP16 needs a finite number of magnitude below 65520, got the number 65520/],
      ['p', [0, 1e39], /at \[1\]: FP32 needs a finite number of magnitude below/],
      ['p', [1, 2, 3], /expected a list of 2 \(row shape \[2\]\), got a list of 3/],
      ['p', 0.5, /expected a list of 2 \(row shape \[2\]\), got the number 0.5/],
      ['big', [1], /INT64 needs a whole number .*got an array of 1/],
      ['grid', [[1, 2], [3]], /at \[1\]: expected a list of 2 \(row shape \[2, 2\]\), got a list of 1/],
      ['emb', [[1]], /at \[0\]: FP64 needs a finite number, got an array of 1/],
    ];
    for (const [name, value, message] of refused) {
      const err = throwsCode(() => constant(name, value), 'INVALID_REQUEST', message);
      assert.deepEqual(err.details, { field: 'fallback.rules.default.outputs[0].value' }, `${name} ${JSON.stringify(value)}`);
    }
  });
});

describe('checkRulesFit', () => {
  const label = [{ name: 'label', value: 1 }];
  /** The field the rules are refused at. */
  function refusedAt(input: unknown, target: RulesTarget = TARGET): string {
    const err = throwsCode(() => checkRulesFit(rules(input), target), 'INVALID_REQUEST', /^invalid deployment policy: fallback\.rules\./);
    const field = (err.details as { field: string }).field;
    assert.ok(err.message.startsWith(`invalid deployment policy: ${field}: `), err.message);
    return field;
  }
  const when = (...conditions: unknown[]) => ({ cases: [{ when: conditions, outputs: label }] });

  it('accepts rules that fit', () => {
    checkRulesFit(rules(when({ feature: 'age', op: 'ge', value: 18 }, { feature: 'plan', op: 'not_in', value: ['pro', 3, true] })), TARGET);
  });

  it('names the exact field of a condition that does not fit', () => {
    const err = throwsCode(() => checkRulesFit(rules(when({ feature: 'age', op: 'lt', value: 1 }, { feature: 'tenure', op: 'lt', value: 6 })), TARGET), 'INVALID_REQUEST');
    assert.equal(
      err.message,
      'invalid deployment policy: fallback.rules.cases[0].when[1].feature: "tenure" is not a named feature of the model version (its features: "age", "plan", "region", "spend")',
    );
    assert.deepEqual(err.details, { field: 'fallback.rules.cases[0].when[1].feature' });
    assert.equal(refusedAt(when({ feature: 'age', op: 'eq', value: 1 }), { features: null, outputs: OUTPUTS }), 'fallback.rules.cases[0].when[0].feature');
    assert.equal(refusedAt(when({ feature: 'plan', op: 'lt', value: 1 })), 'fallback.rules.cases[0].when[0].op');
    assert.equal(refusedAt(when({ feature: 'age', op: 'gt', value: '1' })), 'fallback.rules.cases[0].when[0].value');
    assert.equal(refusedAt(when({ feature: 'age', op: 'le', value: [1] })), 'fallback.rules.cases[0].when[0].value');
    assert.equal(refusedAt(when({ feature: 'age', op: 'eq' })), 'fallback.rules.cases[0].when[0].value');
    assert.equal(refusedAt(when({ feature: 'age', op: 'eq', value: 'old' })), 'fallback.rules.cases[0].when[0].value');
    assert.equal(refusedAt(when({ feature: 'plan', op: 'eq', value: ['pro'] })), 'fallback.rules.cases[0].when[0].value');
    assert.equal(refusedAt(when({ feature: 'plan', op: 'in', value: 'pro' })), 'fallback.rules.cases[0].when[0].value');
    assert.equal(refusedAt(when({ feature: 'age', op: 'not_in', value: [1, 'two'] })), 'fallback.rules.cases[0].when[0].value[1]');
    assert.equal(refusedAt(when({ feature: 'spend', op: 'missing', value: 0 })), 'fallback.rules.cases[0].when[0].value');
  });

  it('names the exact field of an output that does not fit', () => {
    assert.equal(refusedAt({ cases: [{ outputs: [{ name: 'nope', value: 1 }] }] }), 'fallback.rules.cases[0].outputs[0].name');
    assert.equal(refusedAt({ cases: [{ outputs: [{ name: 'label', value: 1 }, { name: 'label', value: 2 }] }] }), 'fallback.rules.cases[0].outputs[1].name');
    assert.equal(
      refusedAt({ cases: [{ outputs: label }, { outputs: [{ name: 'score', value: [1] }] }] }),
      'fallback.rules.cases[1].outputs[0].value',
    );
    assert.equal(refusedAt({ default: { outputs: [{ name: 'reason', value: null }] } }), 'fallback.rules.default.outputs[0].value');
    const scalar: RulesTarget = { features: null, outputs: [{ name: 's', datatype: 'FP32', shape: [] }] };
    assert.equal(refusedAt({ default: { outputs: [{ name: 's', value: 1 }] } }, scalar), 'fallback.rules.default.outputs[0].name');
  });
});

describe('compileRuleInputs', () => {
  const names = ['age', 'plan', 'region', 'unknown'];
  const reader = compileRuleInputs(FEATURES, names);
  const columns = (body: unknown) => {
    const inputs = reader.read(body);
    const out: ColumnValue[][] = [];
    for (let r = 0; r < inputs.rows; r++) out.push(names.map((n) => inputs.value(n, r)));
    return { rows: inputs.rows, out };
  };

  it('reads records by feature name, unseen categories as given', () => {
    const body = { instances: [{ age: 41, plan: 'pro', region: 'us', spend: 1 }, { age: null, plan: 'enterprise', spend: 2 }] };
    assert.deepEqual(columns(body), { rows: 2, out: [[41, 'pro', 'us', null], [null, 'enterprise', null, null]] });
  });

  it('reads packed rows through the encodings (one-hot, index), an unseen one-hot block as null', () => {
    const packed = [[41, 0, 1, 0, 1, 12.5], [30, 0, 0, 0, 0, 1]];
    const want = { rows: 2, out: [[41, 'pro', 'us', null], [30, null, 'eu', null]] };
    assert.deepEqual(columns({ instances: packed }), want);
    assert.deepEqual(columns({ instances: packed.map((x) => ({ x })) }), want);
  });

  it('reads an Open Inference Protocol v2 body', () => {
    const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 6], data: [41, 0, 0, 1, 0, 0, 19, 1, 0, 0, 1, 3] }] };
    assert.deepEqual(columns(body), { rows: 2, out: [[41, 'team', 'eu', null], [19, 'basic', 'us', null]] });
  });

  it('gives no rows for an unreadable body or a version without named features', () => {
    assert.deepEqual(columns({ instances: 'no' }), { rows: 0, out: [] });
    assert.deepEqual(columns(null), { rows: 0, out: [] });
    const none = compileRuleInputs(null, ['age']).read({ instances: [{ age: 1 }] });
    assert.equal(none.rows, 0);
    assert.equal(none.value('age', 0), null);
  });

  it('feeds compiled rules end to end', () => {
    const compiled = compileRules(
      rules({
        cases: [{ when: [{ feature: 'plan', op: 'in', value: ['pro', 'team'] }, { feature: 'age', op: 'ge', value: 40 }], outputs: [{ name: 'label', value: 1 }] }],
        default: { outputs: [{ name: 'label', value: 0 }] },
      }),
      TARGET,
    );
    const inputs = compileRuleInputs(FEATURES, compiled.features).read({ instances: [{ age: 41, plan: 'team' }, { age: 41, plan: 'enterprise' }, { age: 39, plan: 'pro' }] });
    const [label] = tensors(compiled.answer(inputs.rows, inputs.value, ['label']));
    assert.deepEqual(label!.data, new BigInt64Array([1n, 0n, 0n]));
  });
});

describe('property: a constant rule', () => {
  it('answers any row count with the same row repeated', () => {
    const f32 = fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), f32, f32, fc.integer({ min: -1000, max: 1000 }), (rows, a, b, n) => {
        const compiled = compileRules(rules({ default: { outputs: [{ name: 'score', value: [a, b] }, { name: 'label', value: n }] } }), TARGET);
        const [score, label] = tensors(compiled.answer(rows, () => null, ['score', 'label']));
        assert.deepEqual(score!.shape, [rows, 2]);
        assert.deepEqual(label!.shape, [rows]);
        const want = new Float32Array(rows * 2);
        for (let r = 0; r < rows; r++) want.set([a, b], r * 2);
        assert.deepEqual(score!.data, want);
        assert.deepEqual(label!.data, new BigInt64Array(rows).fill(BigInt(n)));
      }),
    );
  });
});
