import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationPolicySchema } from '../deployment/policy.js';
import type { ValidationPolicy } from '../deployment/policy.js';
import type { FeatureSignature } from '../features/feature-spec.js';
import type { Signature, Tensor } from '../inference/tensor.js';
import type { NumericalProfile, VersionProfile } from '../profile/types.js';
import { throwsCode } from '../../../test/helpers/assert-code.js';
import { ProblemReport } from './problems.js';
import { compileValidator, trainingRanges } from './validator.js';

const SIGNATURE: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 1] }],
};
const FEATURES: FeatureSignature = {
  input: 'x',
  features: [
    { name: 'a', type: 'numerical', encoding: { kind: 'value' } },
    { name: 'b', type: 'numerical', encoding: { kind: 'value' } },
  ],
};

function numeric(name: string, min: number, max: number): NumericalProfile {
  return {
    name, type: 'numerical', count: 10, missing: 0, missingRate: 0, nonFinite: 0, min, max, mean: (min + max) / 2, std: 1,
    quantiles: [], histogram: { edges: [min, max], counts: [10] }, uniqueCount: 10, integer: false, sample: [min, max],
  };
}

const PROFILE: VersionProfile = {
  format: 1, createdAt: 0, source: null, rows: 10,
  features: { rows: 10, columns: [numeric('a', 0, 10), numeric('b', -1, 1)] },
  target: null,
  outputs: { rows: 10, columns: [] },
};

function validator(policy: Partial<ValidationPolicy> = {}) {
  return compileValidator({
    signature: SIGNATURE,
    features: FEATURES,
    profile: PROFILE,
    policy: ValidationPolicySchema.parse(policy),
    maxStringLength: 100,
  });
}

function tensor(values: number[]): Tensor {
  return { name: 'x', datatype: 'FP32', shape: [values.length / 2, 2], data: new Float32Array(values) };
}

describe('validator', () => {
  it('widens the training range by the tolerance', () => {
    assert.deepEqual(trainingRanges(PROFILE, 0.1).get('a'), [-1, 11]);
    assert.deepEqual(trainingRanges(PROFILE, 0).get('b'), [-1, 1]);
    assert.equal(trainingRanges(null, 0.1).size, 0);
  });

  it('lets a clean request through with no report and no warnings', () => {
    const v = validator();
    const report = v.checkTensors([tensor([5, 0])], null, false);
    assert.equal(report, null);
    assert.equal(v.decide(report), null);
  });

  it('flags anomalies by default and returns them as warnings', () => {
    const v = validator();
    const report = v.checkTensors([tensor([5, 0, 50, 0])], null, false);
    const warnings = v.decide(report);
    assert.deepEqual(warnings?.map((w) => [w.row, w.field, w.problem]), [[1, 'a', 'out_of_range']]);
  });

  it('rejects anomalies under the reject policy with a 422 listing the problems', () => {
    const v = validator({ anomalies: 'reject' });
    const report = v.checkTensors([tensor([50, 0])], null, false);
    const err = throwsCode(() => v.decide(report), 'VALIDATION_FAILED');
    assert.deepEqual((err.details?.['problems'] as { field: string }[]).map((p) => p.field), ['a']);
    assert.equal(err.details?.['policy'], 'reject');
  });

  it('refuses schema problems, marking a `fallback` policy so the fallback chain takes the request over', () => {
    const report = new ProblemReport();
    report.add(0, 'a', 'missing', 'feature "a" is required');
    const rejected = throwsCode(() => validator().decide(report), 'VALIDATION_FAILED');
    assert.equal(rejected.details?.['policy'], 'reject');
    const err = throwsCode(() => validator({ schema: 'fallback' }).decide(report), 'VALIDATION_FAILED');
    assert.equal(err.details?.['policy'], 'fallback');
  });

  it('checks nothing against the profile when anomalies are off', () => {
    const v = validator({ anomalies: 'off' });
    assert.equal(v.checkTensors([tensor([500, 500])], null, false), null);
  });

  it('refuses too many rows, elements or bytes with LIMIT_EXCEEDED', () => {
    throwsCode(() => validator({ maxRows: 1 }).checkTensors([tensor([1, 0, 2, 0])], null, false), 'LIMIT_EXCEEDED');
    throwsCode(() => validator({ maxRows: 1 }).checkRows(2), 'LIMIT_EXCEEDED');
    throwsCode(() => validator({ maxInputElements: 3 }).checkTensors([tensor([1, 0, 2, 0])], null, false), 'LIMIT_EXCEEDED');
    throwsCode(() => validator({ maxInputBytes: 8 }).checkTensors([tensor([1, 0, 2, 0])], null, false), 'LIMIT_EXCEEDED');
    assert.equal(validator({ maxInputBytes: 8 }).checkTensors([tensor([1, 0])], null, false), null);
  });

  it('does not re-check a tensor the server packed itself', () => {
    const report = new ProblemReport();
    assert.equal(validator().checkTensors([tensor([50, 50])], report, true), null);
  });
});
