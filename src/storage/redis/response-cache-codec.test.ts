import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { assertSameTensors, everyDatatype } from '../../../test/conformance/response-cache.suite.js';
import { decodeTensors, encodeTensors } from './response-cache-codec.js';

describe('response cache codec (the Redis value layout)', () => {
  test('round-trips every datatype and the expiry time exactly', () => {
    const at = Date.UTC(2025, 0, 1) + 0.5;
    const { tensors, expiresAt } = decodeTensors(encodeTensors(everyDatatype(), at));
    assertSameTensors(tensors, everyDatatype());
    assert.equal(expiresAt, at);
    assert.deepEqual(decodeTensors(encodeTensors([], 1)).tensors, []);
  });

  test('decoded typed arrays own exact buffers, whatever the reply buffer around them', () => {
    const encoded = encodeTensors(everyDatatype(), 1);
    const inside = Buffer.concat([Buffer.alloc(3), encoded]).subarray(3); // an odd offset, as in a socket chunk
    for (const t of decodeTensors(inside).tensors) {
      if (!Array.isArray(t.data)) assert.equal(t.data.byteOffset, 0, t.name);
    }
  });

  test('property: any truncation or corruption is refused with an Error, never a crash or a wrong shape', () => {
    const good = encodeTensors(everyDatatype(), 1);
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), (cut, at, byte) => {
        assert.throws(() => decodeTensors(good.subarray(0, cut)), Error);
        const flipped = Buffer.from(good);
        flipped[at] = byte;
        try {
          const { tensors } = decodeTensors(flipped);
          // A flip inside element bytes still decodes; the structure must then be intact.
          assert.equal(tensors.length, everyDatatype().length);
        } catch (error) {
          assert.ok(error instanceof Error);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
