import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MooringError } from '../../core/errors.js';
import { fromSnakeKeys, toSnakeKeys } from './wire-case.js';

describe('snake_case wire keys', () => {
  test('renames keys at every depth, inside arrays too, and leaves values alone', () => {
    const domain = { missingRate: 0.5, histogram: { edgeValues: [1, 2] }, categories: [{ value: 'maxRows', count: 2 }], nonFinite: null };
    const wire = toSnakeKeys(domain);
    assert.deepEqual(wire, { missing_rate: 0.5, histogram: { edge_values: [1, 2] }, categories: [{ value: 'maxRows', count: 2 }], non_finite: null });
    assert.deepEqual(fromSnakeKeys(wire, 'x'), domain);
    assert.notEqual(wire.histogram.edge_values, domain.histogram.edgeValues, 'arrays are copied');
  });

  test('refuses camelCase and prototype keys from the wire, naming them', () => {
    const refused = (value: unknown, mentions: RegExp) =>
      assert.throws(
        () => fromSnakeKeys(value, 'policy'),
        (e: unknown) => e instanceof MooringError && e.code === 'INVALID_REQUEST' && mentions.test(e.message),
      );
    refused({ validation: { maxRows: 1 } }, /policy\.validation\.maxRows is not a known field/);
    refused(JSON.parse('{"a": [{"__proto__": 1}]}'), /policy\.a\[0\]\.__proto__/);
    assert.deepEqual(fromSnakeKeys('text', 'x'), 'text');
  });
});
