import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromHalf, isHalfNonFinite, toHalf } from './half.js';

describe('toHalf', () => {
  test('known bit patterns', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -14 - 2 ** -24, 0x03ff], // largest subnormal
      [0.1, 0x2e66],
      [1 / 3, 0x3555],
      [0.5, 0x3800],
      [0, 0x0000],
      [-0, 0x8000],
      [Infinity, 0x7c00],
      [-Infinity, 0xfc00],
    ];
    for (const [n, bits] of cases) assert.equal(toHalf(n), bits, `toHalf(${n})`);
    assert.equal(toHalf(NaN), 0x7e00);
  });

  test('rounds to nearest, ties to even', () => {
    assert.equal(toHalf(1 + 2 ** -11), 0x3c00, 'tie between 0x3c00 and 0x3c01 goes to even 0x3c00');
    assert.equal(toHalf(1 + 3 * 2 ** -11), 0x3c02, 'tie between 0x3c01 and 0x3c02 goes to even 0x3c02');
    assert.equal(toHalf(1 + 2 ** -11 + 2 ** -40), 0x3c01, 'just above the tie rounds up');
    assert.equal(toHalf(1 + 2 ** -11 - 2 ** -40), 0x3c00, 'just below the tie rounds down');
    // Through float32 this would round twice (to the tie, then to even 0x3c00); direct rounding gives 0x3c01.
    assert.equal(toHalf(1 + 2 ** -11 + 2 ** -30), 0x3c01);
  });

  test('subnormal rounding and underflow', () => {
    assert.equal(toHalf(2 ** -25), 0x0000, 'half of the smallest subnormal ties to even zero');
    assert.equal(toHalf(2 ** -25 + 2 ** -60), 0x0001);
    assert.equal(toHalf(3 * 2 ** -25), 0x0002, '1.5 steps ties to even 2');
    assert.equal(toHalf(-(2 ** -24)), 0x8001);
    assert.equal(toHalf(1e-30), 0x0000);
    assert.equal(toHalf(-1e-30), 0x8000);
    assert.equal(toHalf(Number.MIN_VALUE), 0x0000);
    assert.equal(toHalf(2 ** -14 - 2 ** -26), 0x0400, 'rounding up out of the subnormals gives the smallest normal');
  });

  test('overflow: 65519 rounds to 65504, 65520 and beyond to Infinity', () => {
    assert.equal(toHalf(65519), 0x7bff);
    assert.equal(toHalf(65520), 0x7c00);
    assert.equal(toHalf(-65520), 0xfc00);
    assert.equal(toHalf(1e300), 0x7c00);
  });

  test('property: the result is the nearest half, ties to even', () => {
    fc.assert(
      fc.property(fc.double({ min: -65504, max: 65504, noNaN: true }), (x) => {
        const h = toHalf(x);
        const err = Math.abs(fromHalf(h) - x);
        const magnitude = h & 0x7fff;
        for (const neighbour of [magnitude - 1, magnitude + 1]) {
          if (neighbour < 0 || neighbour > 0x7bff) continue;
          const other = Math.abs(fromHalf((h & 0x8000) | neighbour) - x);
          assert.ok(err <= other, `toHalf(${x}) = ${h.toString(16)} but ${neighbour.toString(16)} is nearer`);
          if (err === other && magnitude !== 0) assert.equal(h & 1, 0, `tie at ${x} must go to even`);
        }
      }),
      { seed: 42, numRuns: 2000 },
    );
  });
});

describe('fromHalf', () => {
  test('known values', () => {
    assert.equal(fromHalf(0x3c00), 1);
    assert.equal(fromHalf(0x7bff), 65504);
    assert.equal(fromHalf(0x0001), 2 ** -24);
    assert.equal(fromHalf(0x2e66), 0.0999755859375);
    assert.equal(fromHalf(0xc000), -2);
    assert.ok(Object.is(fromHalf(0x8000), -0));
    assert.equal(fromHalf(0x7c00), Infinity);
    assert.equal(fromHalf(0xfc00), -Infinity);
    assert.ok(Number.isNaN(fromHalf(0x7e00)));
  });

  test('every finite bit pattern round-trips exactly; non-finite ones are flagged', () => {
    for (let bits = 0; bits <= 0xffff; bits++) {
      const v = fromHalf(bits);
      if (isHalfNonFinite(bits)) {
        assert.ok(!Number.isFinite(v), bits.toString(16));
        continue;
      }
      assert.equal(toHalf(v), bits, `bits 0x${bits.toString(16)} -> ${v}`);
    }
  });
});
