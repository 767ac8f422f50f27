import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createJsonScanner, jsonPathAt } from './json-scan.js';
import type { JsonScanProblem } from './json-scan.js';

const scan64 = createJsonScanner({ maxDepth: 64 });

/** kind, key and path of what `scan` reports for `text` (null when clean). */
function found(text: string, scan = scan64): Pick<JsonScanProblem, 'kind' | 'key' | 'path'> | null {
  const p = scan(text);
  return p === null ? null : { kind: p.kind, key: p.key, path: p.path };
}

describe('json-scan: depth', () => {
  test('a body of exactly the limit is clean; one level more is too deep, with the path of the deeper value', () => {
    const scan = createJsonScanner({ maxDepth: 4 });
    assert.equal(found('{"inputs":[{"data":[1,2]}]}', scan), null);
    assert.deepEqual(found('{"inputs":[{"data":[[1,2]]}]}', scan), { kind: 'too-deep', key: '', path: '$.inputs[0].data[0]' });
    assert.deepEqual(found('[1,[2],{"a":[3,{"b":{}}]}]', scan), { kind: 'too-deep', key: '', path: '$[2].a[1].b' });
    assert.equal(found('{}', createJsonScanner({ maxDepth: 1 })), null);
    assert.deepEqual(found('{"a":{}}', createJsonScanner({ maxDepth: 1 })), { kind: 'too-deep', key: '', path: '$.a' });
  });

  test('100,000 levels: no recursion, the offset of the first bracket past the limit, a shortened path', () => {
    const depth = 100_000;
    for (const text of ['['.repeat(depth) + ']'.repeat(depth), '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)]) {
      const p = scan64(text);
      assert.equal(p?.kind, 'too-deep');
      assert.ok(p.path.includes('...(56 more)...'), p.path);
      assert.ok(p.path.length < 100, p.path);
    }
    assert.equal(scan64('['.repeat(depth) + ']'.repeat(depth))?.offset, 64);
    // A limit that high is honoured too (the scratch space is sized by it).
    assert.equal(createJsonScanner({ maxDepth: depth }).call(null, '['.repeat(depth) + ']'.repeat(depth)), null);
  });

  test('brackets and braces inside strings do not count', () => {
    const scan = createJsonScanner({ maxDepth: 2 });
    assert.equal(found('{"a":["[[[{{{", "\\"[[[", "\\\\", "x\\\\\\"[["]}', scan), null);
  });
});

describe('json-scan: duplicate keys', () => {
  test('the same key twice in one object, with the path of the object', () => {
    assert.deepEqual(found('{"inputs":[{"name":"x","datatype":"FP32","name":"y"}]}'), {
      kind: 'duplicate-key',
      key: 'name',
      path: '$.inputs[0]',
    });
    assert.deepEqual(found('{"a":1, "a" :2}'), { kind: 'duplicate-key', key: 'a', path: '$' });
  });

  test('escaped and unescaped spellings are the same key', () => {
    assert.deepEqual(found('{"a":1,"\\u0061":2}'), { kind: 'duplicate-key', key: 'a', path: '$' });
    assert.deepEqual(found('{"\\u0061":1,"a":2}'), { kind: 'duplicate-key', key: 'a', path: '$' });
    assert.deepEqual(found('{"a\\"b":1,"a\\u0022b":2}'), { kind: 'duplicate-key', key: 'a"b', path: '$' });
    assert.equal(found('{"a\\\\":1,"a":2}'), null, 'a\\ and a differ');
  });

  test('long keys are compared whole', () => {
    const long = 'k'.repeat(40);
    assert.deepEqual(found(`{"${long}":1,"${long}":2}`), { kind: 'duplicate-key', key: long, path: '$' });
    assert.equal(found(`{"${long}":1,"${long.slice(1)}l":2,"${long}x":3}`), null);
    assert.deepEqual(found(`{"${long}":1,"\\u006b${long.slice(1)}":2}`), { kind: 'duplicate-key', key: long, path: '$' });
  });

  test('the same key in different objects, or as a value, is fine', () => {
    assert.equal(found('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}],"c":"a","d":{"a":"a"}}'), null);
    assert.equal(found('{"inputs":[{"name":"a","shape":[1],"datatype":"FP32","data":[1]},{"name":"b","shape":[1],"datatype":"FP32","data":[2]}]}'), null);
  });

  test('objects of many keys (past the pairwise limit) are checked too, and the scanner starts clean after', () => {
    const keys = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
    assert.equal(found(`{${keys.join(',')}}`), null);
    assert.deepEqual(found(`{"o":{${keys.join(',')},"k3":0}}`), { kind: 'duplicate-key', key: 'k3', path: '$.o' });
    assert.deepEqual(found(`{"o":{${keys.join(',')},"\\u006b39":0}}`), { kind: 'duplicate-key', key: 'k39', path: '$.o' });
    assert.equal(found(`{"o":{${keys.join(',')}}}`), null, 'no key left over from the previous scan');
    const many = Array.from({ length: 50_000 }, (_, i) => `"${i}":0`).join(',');
    assert.equal(found(`{${many}}`), null);
  });
});

describe('json-scan: prototype keys', () => {
  test('__proto__ anywhere, escaped or not', () => {
    assert.deepEqual(found('{"x":[{"__proto__":{"polluted":true}}]}'), { kind: 'forbidden-key', key: '__proto__', path: '$.x[0]' });
    assert.deepEqual(found('{"\\u005f_proto__":1}'), { kind: 'forbidden-key', key: '__proto__', path: '$' });
  });

  test('prototype inside a constructor object, reported at the object holding "constructor"', () => {
    assert.deepEqual(found('{"x":{"constructor":{"prototype":{"polluted":true}}}}'), {
      kind: 'forbidden-key',
      key: 'constructor.prototype',
      path: '$.x',
    });
    assert.equal(found('{"constructor":1,"prototype":2,"x":{"constructor":[{"prototype":1}]}}'), null);
    assert.equal(found('{"constructor":{"a":{"prototype":1}}}'), null);
  });
});

describe('json-scan: paths', () => {
  test('identifier keys with dots, others quoted in brackets, long keys cut', () => {
    const text = '{"a b":[{"$ok_1":{"x":[0,[1,{}]]}}]}';
    assert.equal(jsonPathAt(text, text.indexOf('{}')), '$["a b"][0].$ok_1.x[1][1]');
    const long = 'k'.repeat(100);
    const t2 = `{"${long}":[]}`;
    assert.equal(jsonPathAt(t2, t2.indexOf('[')), `$["${'k'.repeat(32)}..."]`);
  });
});

describe('json-scan: properties', () => {
  /** A JSON tree whose objects are key/value lists, so the same key may appear twice. */
  type Node = { t: 'leaf'; text: string } | { t: 'array'; items: Node[] } | { t: 'object'; entries: Array<[string, boolean, Node]> };
  const key = fc.oneof(
    fc.constantFrom('a', 'b', 'name', 'data', '__proto__', 'constructor', 'prototype', 'a b', '"', '\\', '\u00e9'),
    fc.constantFrom('k'.repeat(40), `${'k'.repeat(39)}l`),
    fc.string({ maxLength: 3 }),
  );
  const leaf = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ maxLength: 6 }), fc.boolean(), fc.constant(null));
  const { node } = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leaf.map((v): Node => ({ t: 'leaf', text: JSON.stringify(v) })),
      fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ t: 'array', items })),
      fc.array(fc.tuple(key, fc.boolean(), tie('node')), { maxLength: 12 }).map((entries): Node => ({ t: 'object', entries })),
    ),
  }));
  const space = fc.constantFrom('', '', ' ', '\n\t ');

  /** Writes the tree; a key marked `true` is written with every character as a \u escape. */
  function write(n: Node, ws: string): string {
    if (n.t === 'leaf') return n.text;
    if (n.t === 'array') return `[${ws}${n.items.map((c) => write(c, ws)).join(`${ws},${ws}`)}${ws}]`;
    const entries = n.entries.map(([k, esc, v]) => {
      const written = esc ? `"${[...k].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(k);
      return `${written}${ws}:${ws}${write(v, ws)}`;
    });
    return `{${ws}${entries.join(`${ws},${ws}`)}${ws}}`;
  }

  /** The first problem in text order, by the rules, on the tree (recursive: the trees are small). */
  function expected(n: Node, depth: number, max: number, ctorValue: boolean): { kind: string; key: string } | null {
    if (n.t === 'leaf') return null;
    if (depth + 1 > max) return { kind: 'too-deep', key: '' };
    if (n.t === 'array') {
      for (const c of n.items) {
        const r = expected(c, depth + 1, max, false);
        if (r) return r;
      }
      return null;
    }
    const seen: string[] = [];
    for (const [k, , v] of n.entries) {
      if (k === '__proto__') return { kind: 'forbidden-key', key: '__proto__' };
      if (ctorValue && k === 'prototype') return { kind: 'forbidden-key', key: 'constructor.prototype' };
      if (seen.includes(k)) return { kind: 'duplicate-key', key: k };
      seen.push(k);
      const r = expected(v, depth + 1, max, k === 'constructor' && v.t === 'object');
      if (r) return r;
    }
    return null;
  }

  test('on generated JSON the scan reports exactly the first problem the rules find', () => {
    fc.assert(
      fc.property(node, space, fc.integer({ min: 1, max: 6 }), (tree, ws, max) => {
        const text = write(tree, ws);
        JSON.parse(text);
        const p = createJsonScanner({ maxDepth: max })(text);
        assert.deepEqual(p === null ? null : { kind: p.kind, key: p.key }, expected(tree, 0, max, false), text);
      }),
      { seed: 42, numRuns: 1000 },
    );
  });

  test('on any text (JSON or not) the scan terminates and never throws', () => {
    const scan = createJsonScanner({ maxDepth: 3 });
    const jsonish = fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', '\\', ':', ',', 'a', '1', ' ', 'u', '0'), maxLength: 60 });
    fc.assert(
      fc.property(fc.oneof(jsonish, fc.string({ unit: 'binary' })), (text) => {
        const p = scan(text);
        if (p !== null) assert.ok(p.offset >= 0 && p.offset < text.length && p.path.startsWith('$'));
      }),
      { seed: 42, numRuns: 1000 },
    );
  });
});
