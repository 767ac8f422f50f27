import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleProfile } from '../../../test/conformance/registry-fixtures.js';
import { MooringError } from '../errors.js';
import { MAX_SAMPLE_SIZE, parseProfile } from './profile-schema.js';
import type { VersionProfile } from './types.js';

type Mutable = { -readonly [K in keyof VersionProfile]: unknown };

function refuses(value: unknown, mentions: RegExp): void {
  assert.throws(
    () => parseProfile(value),
    (e: unknown) => {
      assert.ok(e instanceof MooringError, String(e));
      assert.equal(e.code, 'INVALID_FEATURES');
      assert.match(e.message, mentions);
      return true;
    },
  );
}

/** The sample profile with its first feature column changed. */
function withColumn(fields: Record<string, unknown>): unknown {
  const p = sampleProfile();
  return { ...p, features: { ...p.features, columns: [{ ...p.features.columns[0], ...fields }, ...p.features.columns.slice(1)] } };
}

describe('parseProfile', () => {
  test('accepts a profile and returns an equal copy', () => {
    const p = sampleProfile();
    const out = parseProfile(p);
    assert.deepEqual(out, p);
    assert.notEqual(out, p);
    assert.deepEqual(parseProfile({ ...p, target: p.features.columns[2], source: null }).target, p.features.columns[2]);
  });

  test('refuses non-finite numbers, naming the field in snake_case', () => {
    refuses(withColumn({ mean: Number.NaN }), /profile\.features\.columns\[0\]\.mean/);
    refuses(withColumn({ max: Number.POSITIVE_INFINITY }), /profile\.features\.columns\[0\]\.max/);
    refuses(withColumn({ sample: [1, Number.NaN] }), /profile\.features\.columns\[0\]\.sample\[1\]/);
    refuses(withColumn({ missingRate: 1.5 }), /profile\.features\.columns\[0\]\.missing_rate/);
  });

  test('refuses wrong counts, shapes and unknown keys', () => {
    refuses(withColumn({ count: -1 }), /columns\[0\]\.count/);
    refuses(withColumn({ count: 1.5 }), /columns\[0\]\.count/);
    refuses(withColumn({ min: 5, max: 1 }), /min is greater than max/);
    refuses(withColumn({ histogram: { edges: [0, 1, 2], counts: [1] } }), /one count fewer than it has edges/);
    refuses(withColumn({ colour: 'red' }), /colour/);
    refuses(withColumn({ type: 'ordinal' }), /columns\[0\]/);
    refuses({ ...sampleProfile(), format: 2 } as Mutable, /profile\.format/);
    refuses({ ...sampleProfile(), createdAt: 'yesterday' } as Mutable, /profile\.created_at/);
    refuses('profile', /invalid profile/);
  });

  test('bounds the sizes of its lists', () => {
    refuses(withColumn({ sample: new Array<number>(MAX_SAMPLE_SIZE + 1).fill(1) }), /sample/);
    assert.ok(parseProfile(withColumn({ sample: new Array<number>(MAX_SAMPLE_SIZE).fill(1) })));
  });
});
