import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MooringError } from '../errors.js';
import { applyPolicyPatch } from './merge-policy.js';
import { DEFAULT_POLICY } from './policy.js';

function refuses(patch: unknown, mentions: RegExp): void {
  assert.throws(
    () => applyPolicyPatch(DEFAULT_POLICY, patch),
    (e: unknown) => {
      assert.ok(e instanceof MooringError, String(e));
      assert.equal(e.code, 'INVALID_REQUEST');
      assert.match(e.message, mentions);
      return true;
    },
  );
}

describe('applyPolicyPatch', () => {
  test('changes the fields the patch names and keeps the others', () => {
    const once = applyPolicyPatch(DEFAULT_POLICY, { validation: { anomalies: 'reject', maxRows: 5 } });
    assert.deepEqual(once, { ...DEFAULT_POLICY, validation: { ...DEFAULT_POLICY.validation, anomalies: 'reject', maxRows: 5 } });
    const twice = applyPolicyPatch(once, { validation: { rangeTolerance: 0.5, maxRows: undefined } });
    assert.deepEqual(twice, { ...once, validation: { ...once.validation, rangeTolerance: 0.5 } });
    const batching = applyPolicyPatch(twice, { batching: { enabled: true } });
    assert.deepEqual(batching, { ...twice, batching: { ...twice.batching, enabled: true } }, 'another section merges the same way');
    assert.deepEqual(applyPolicyPatch(twice, {}), twice);
    assert.deepEqual(DEFAULT_POLICY.validation.anomalies, 'flag', 'the current policy is not modified');
  });

  test('refuses a result the schema refuses, naming the field as the wire does', () => {
    refuses({ validation: { rangeTolerance: -0.1 } }, /validation\.range_tolerance: Too small/);
    refuses({ validation: { maxRows: 1.5 } }, /validation\.max_rows/);
    refuses({ validation: { schema: 'flag' } }, /validation\.schema/);
    refuses({ validation: { maxRowz: 3 } }, /validation\.max_rowz is not a policy field/);
    refuses({ budget: 3 }, /budget is not a policy field/);
    refuses({ validation: null }, /validation/);
    refuses(JSON.parse('{"validation": {"__proto__": {"maxRows": 1}}}'), /__proto__ is not a policy field/);
  });

  test('refuses a patch that is not an object', () => {
    for (const patch of [null, 'reject', 3, [], undefined]) refuses(patch, /must be an object/);
  });
});
