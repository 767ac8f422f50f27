import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MooringError } from '../../core/errors.js';
import { DATATYPES } from '../../core/inference/tensor.js';
import { decodeInferRequest } from './infer-request.js';
import { throwsCode } from '../../../test/helpers/assert-code.js';

/** Bodies are parsed from JSON text, as on the wire (so `__proto__` keys become own properties). */
const wire = (value: unknown): unknown => JSON.parse(typeof value === 'string' ? value : JSON.stringify(value));
const input = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'x',
  datatype: 'FP32',
  shape: [1, 2],
  data: [1, 2],
  ...extra,
});
const body = (extra: Record<string, unknown> = {}): unknown => wire({ inputs: [input()], ...extra });

describe('decodeInferRequest: valid requests', () => {
  test('a minimal request', () => {
    const r = decodeInferRequest(body());
    assert.deepStrictEqual(r, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: new Float32Array([1, 2]) }] });
    assert.ok(!('id' in r) && !('parameters' in r) && !('outputs' in r));
  });

  test('id, parameters, outputs and nested data', () => {
    const r = decodeInferRequest(
      wire({
        id: '42',
        parameters: { priority: 1 },
        inputs: [
          { name: 'a', datatype: 'UINT32', shape: [2, 2], data: [[1, 2], [3, 4]] },
          { name: 'b', datatype: 'BOOL', shape: [3], data: [true, false, true], parameters: { content_type: 'x' } },
        ],
        outputs: [{ name: 'y' }, { name: 'z', parameters: { binary_data: false } }],
      }),
    );
    assert.equal(r.id, '42');
    assert.deepStrictEqual(r.parameters, { priority: 1 });
    assert.deepStrictEqual(r.inputs.map((t) => t.name), ['a', 'b']);
    assert.deepStrictEqual(r.inputs[0]!.data, new Uint32Array([1, 2, 3, 4]));
    assert.deepStrictEqual(r.inputs[1]!.data, new Uint8Array([1, 0, 1]));
    assert.deepStrictEqual(r.outputs, [{ name: 'y' }, { name: 'z', parameters: { binary_data: false } }]);
  });

  test('the shape is a fresh array, not the body\'s', () => {
    const b = body() as { inputs: { shape: number[] }[] };
    const r = decodeInferRequest(b);
    assert.notStrictEqual(r.inputs[0]!.shape, b.inputs[0]!.shape);
  });

  test('many inputs (the Set path for duplicate detection)', () => {
    const inputs = Array.from({ length: 20 }, (_, i) => input({ name: `in${i}` }));
    assert.equal(decodeInferRequest(wire({ inputs })).inputs.length, 20);
  });
});

describe('decodeInferRequest: errors', () => {
  test('the body must be an object with a non-empty inputs array', () => {
    for (const b of [null, [], 'x', 5, true]) throwsCode(() => decodeInferRequest(b), 'INVALID_REQUEST');
    throwsCode(() => decodeInferRequest({}), 'INVALID_REQUEST', /inputs/);
    throwsCode(() => decodeInferRequest({ inputs: [] }), 'INVALID_REQUEST', /non-empty/);
    throwsCode(() => decodeInferRequest({ inputs: {} }), 'INVALID_REQUEST');
    throwsCode(() => decodeInferRequest({ inputs: [5] }), 'INVALID_REQUEST', /inputs\[0\]/);
  });

  test('input name must be a non-empty string', () => {
    throwsCode(() => decodeInferRequest(wire({ inputs: [input({ name: '' })] })), 'INVALID_REQUEST', /name/);
    throwsCode(() => decodeInferRequest(wire({ inputs: [input({ name: 3 })] })), 'INVALID_REQUEST', /name/);
    throwsCode(() => decodeInferRequest(wire({ inputs: [{ datatype: 'FP32', shape: [1], data: [1] }] })), 'INVALID_REQUEST');
  });

  test('unknown datatype is INVALID_DATATYPE listing the 13', () => {
    const err = throwsCode(() => decodeInferRequest(wire({ inputs: [input({ datatype: 'FLOAT32' })] })), 'INVALID_DATATYPE');
    for (const dt of DATATYPES) assert.ok(err.message.includes(dt), dt);
    throwsCode(() => decodeInferRequest(wire({ inputs: [input({ datatype: 'fp32' })] })), 'INVALID_DATATYPE');
    throwsCode(() => decodeInferRequest(wire({ inputs: [input({ datatype: undefined })] })), 'INVALID_DATATYPE');
  });

  test('shape must be an array of whole numbers >= 0', () => {
    for (const shape of [undefined, 2, '2', [-1, 2], [1.5], ['1', 2], [null], {}]) {
      throwsCode(() => decodeInferRequest(wire({ inputs: [input({ shape })] })), 'SHAPE_MISMATCH');
    }
  });

  test('data must be present and fit the shape', () => {
    const noData = input();
    delete noData['data'];
    throwsCode(() => decodeInferRequest(wire({ inputs: [noData] })), 'INVALID_REQUEST', /data/);
    throwsCode(() => decodeInferRequest(wire({ inputs: [input({ data: [1, 2, 3] })] })), 'SHAPE_MISMATCH');
    throwsCode(() => decodeInferRequest(wire('{"inputs":[{"name":"x","datatype":"FP64","shape":[1],"data":[1e400]}]}')), 'NON_FINITE_NUMBER');
  });

  test('duplicate input names are DUPLICATE_INPUT', () => {
    throwsCode(() => decodeInferRequest(wire({ inputs: [input(), input()] })), 'DUPLICATE_INPUT', /"x"/);
    const many = Array.from({ length: 12 }, (_, i) => input({ name: `in${i % 11}` }));
    throwsCode(() => decodeInferRequest(wire({ inputs: many })), 'DUPLICATE_INPUT', /in0/);
  });

  test('id must be a string; parameters an object', () => {
    for (const id of [42, null, [], {}]) throwsCode(() => decodeInferRequest(body({ id })), 'INVALID_REQUEST', /id/);
    for (const parameters of [[], 'p', null, 1]) {
      throwsCode(() => decodeInferRequest(body({ parameters })), 'INVALID_REQUEST', /parameters/);
      throwsCode(() => decodeInferRequest(wire({ inputs: [input({ parameters })] })), 'INVALID_REQUEST', /parameters/);
    }
  });

  test('outputs must be an array of objects with distinct string names', () => {
    throwsCode(() => decodeInferRequest(body({ outputs: {} })), 'INVALID_REQUEST', /outputs/);
    throwsCode(() => decodeInferRequest(body({ outputs: ['y'] })), 'INVALID_REQUEST', /outputs\[0\]/);
    throwsCode(() => decodeInferRequest(body({ outputs: [{}] })), 'INVALID_REQUEST', /name/);
    throwsCode(() => decodeInferRequest(body({ outputs: [{ name: 5 }] })), 'INVALID_REQUEST', /name/);
    throwsCode(() => decodeInferRequest(body({ outputs: [{ name: 'y' }, { name: 'y' }] })), 'INVALID_REQUEST', /twice/);
    throwsCode(() => decodeInferRequest(body({ outputs: [{ name: 'y', parameters: [] }] })), 'INVALID_REQUEST');
  });

  test('the binary tensor data extension is NOT_IMPLEMENTED', () => {
    const binaryInput = { name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } };
    throwsCode(() => decodeInferRequest(wire({ inputs: [binaryInput] })), 'NOT_IMPLEMENTED', /binary_data_size/);
    throwsCode(() => decodeInferRequest(body({ outputs: [{ name: 'y', parameters: { binary_data: true } }] })), 'NOT_IMPLEMENTED', /binary_data/);
    throwsCode(() => decodeInferRequest(body({ parameters: { binary_data_output: true } })), 'NOT_IMPLEMENTED', /binary_data_output/);
    // Asking explicitly for JSON is fine (Triton's client sends binary_data: false).
    assert.ok(decodeInferRequest(body({ parameters: { binary_data_output: false } })));
  });
});

describe('decodeInferRequest: prototype safety', () => {
  test('__proto__ and constructor keys stay inert data', () => {
    const r = decodeInferRequest(
      wire('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"inputs":[{"__proto__":{"x":1},"name":"x","datatype":"INT8","shape":[1],"data":[1]}],"parameters":{"__proto__":{"polluted":3}}}'),
    );
    assert.equal(r.inputs.length, 1);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal(Object.getPrototypeOf(r), Object.prototype);
  });

  test('fields are read only as own properties, never through a prototype', () => {
    const inherited = Object.create({ inputs: [input()] }) as object;
    throwsCode(() => decodeInferRequest(inherited), 'INVALID_REQUEST', /inputs/);
    throwsCode(() => decodeInferRequest(wire('{"inputs":[{"__proto__":{"name":"x"},"datatype":"FP32","shape":[1],"data":[1]}]}')), 'INVALID_REQUEST', /name/);
    const noData = Object.assign(Object.create({ data: [1] }) as object, { name: 'x', datatype: 'FP32', shape: [1] });
    throwsCode(() => decodeInferRequest({ inputs: [noData] }), 'INVALID_REQUEST', /data/);
  });
});

/** Keys that matter to the decoder or to prototype pollution. */
const interestingKey = fc.constantFrom(
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'inputs',
  'outputs',
  'id',
  'parameters',
  'name',
  'datatype',
  'shape',
  'data',
  'binary_data',
  'binary_data_size',
  'binary_data_output',
);

/** Noisy inputs: every field may be missing or of any JSON kind. */
const noisyInput = fc.record(
  {
    name: fc.oneof(fc.constantFrom('x', 'y', '__proto__', ''), fc.jsonValue({ maxDepth: 1 })),
    datatype: fc.oneof(fc.constantFrom(...DATATYPES, 'FP128'), fc.jsonValue({ maxDepth: 1 })),
    shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
    data: fc.oneof(
      fc.array(fc.oneof(fc.double(), fc.integer(), fc.boolean(), fc.string(), fc.constant(null)), { maxLength: 6 }),
      fc.array(fc.array(fc.double(), { maxLength: 3 }), { maxLength: 3 }),
      fc.jsonValue({ maxDepth: 3 }),
    ),
    parameters: fc.dictionary(interestingKey, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
  },
  { requiredKeys: [] },
);

/** Inputs that are often valid (shape and data agree), so the success path is exercised too. */
const likelyInput = fc.integer({ min: 0, max: 3 }).chain((k) =>
  fc.record({
    name: fc.constantFrom('x', 'y', '__proto__', 'constructor'),
    datatype: fc.constantFrom(...DATATYPES),
    shape: fc.constant([k]),
    data: fc.array(
      fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: 100 }), weight: 6 },
        { arbitrary: fc.boolean(), weight: 1 },
        { arbitrary: fc.string({ maxLength: 3 }), weight: 1 },
        { arbitrary: fc.double(), weight: 1 },
        { arbitrary: fc.constant('9007199254740993'), weight: 1 },
      ),
      { minLength: k, maxLength: k },
    ),
  }),
);

const plausibleInput = fc.oneof({ arbitrary: likelyInput, weight: 3 }, { arbitrary: noisyInput, weight: 1 });

const { value: hostile } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(interestingKey, tie('value'), { maxKeys: 4 }),
  ),
}));

const requestLike = fc.record(
  {
    id: fc.oneof(fc.string(), fc.jsonValue({ maxDepth: 1 })),
    parameters: fc.oneof(fc.dictionary(interestingKey, hostile, { maxKeys: 3 }), hostile),
    inputs: fc.oneof({ arbitrary: fc.array(plausibleInput, { minLength: 1, maxLength: 3 }), weight: 4 }, { arbitrary: hostile, weight: 1 }),
    outputs: fc.oneof(fc.array(fc.record({ name: fc.jsonValue({ maxDepth: 1 }), parameters: hostile }, { requiredKeys: [] }), { maxLength: 3 }), hostile),
    // Computed: a literal `__proto__:` key would set the model object's prototype instead.
    ['__proto__']: hostile,
    constructor: hostile,
  },
  { requiredKeys: ['inputs'] },
);

describe('property: any JSON body returns a request or throws a MooringError', () => {
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  let decoded = 0;
  const check = (value: unknown): void => {
    let text: string;
    try {
      text = JSON.stringify(value) ?? 'null';
    } catch {
      return;
    }
    const parsed: unknown = JSON.parse(text);
    try {
      const r = decodeInferRequest(parsed);
      for (const t of r.inputs) assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1));
      decoded++;
    } catch (err) {
      assert.ok(err instanceof MooringError, `not a MooringError: ${String(err)}`);
    }
    assert.deepStrictEqual(Object.getOwnPropertyNames(Object.prototype).sort(), prototypeKeys);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
  };

  test('arbitrary JSON values', () => {
    fc.assert(fc.property(fc.jsonValue(), check), { seed: 42, numRuns: 300 });
  });

  test('hostile objects with __proto__ / constructor keys', () => {
    fc.assert(fc.property(hostile, check), { seed: 42, numRuns: 300 });
  });

  test('almost-valid requests', () => {
    decoded = 0;
    fc.assert(fc.property(requestLike, check), { seed: 42, numRuns: 500 });
    assert.ok(decoded > 0, 'the generator should also produce valid requests');
  });
});
