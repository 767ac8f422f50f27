import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_POLICY, DeploymentPolicySchema } from '../../core/deployment/policy.js';
import type { DeploymentPolicy, DeploymentPolicyInput, FallbackRules } from '../../core/deployment/policy.js';
import { MooringError, fail } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { FeatureSignature } from '../../core/features/feature-spec.js';
import type { Signature, Tensor } from '../../core/inference/tensor.js';
import type { ModelVersion } from '../../core/registry/types.js';
import type { Problem } from '../../core/validation/problems.js';
import { DEMO_FEATURE_NAMES, buildDemoModel } from '../../demo/demo-model.js';
import { OnnxModelRuntime } from '../../runtime/onnx/onnx-model-runtime.js';
import { MemoryResponseCache } from '../../storage/memory/memory-response-cache.js';
import type { ServedVersion } from '../serving-pool.js';
import { FallbackChain, fallbackReason } from './fallback-chain.js';
import type { FallbackChainDeps, FallbackReason, FallbackRequest, FallbackTry } from './fallback-chain.js';
import { LastGoodCache } from './last-good-cache.js';

/*
 * The chain against a fake pool (the four methods FallbackChainDeps picks) and fake ServedVersions: only `name`,
 * `version` and `meta` are read by the chain. The metadata carries the demo churn model's real signature (read from
 * its ONNX bytes by the runtime) and its named features, so the rules are compiled exactly as for the demo.
 */

const MODEL = 'churn';
const MB = 1024 * 1024;

/** The demo model's named features, as its registration stores them (all numerical, packed in name order). */
const FEATURES: FeatureSignature = {
  input: 'features',
  features: DEMO_FEATURE_NAMES.map((name) => ({ name, type: 'numerical' as const, encoding: { kind: 'value' as const } })),
};

let signature: Signature;

before(async () => {
  signature = (await new OnnxModelRuntime().inspect(buildDemoModel().bytes)).signature;
});

function meta(version: number): ModelVersion {
  return {
    name: MODEL,
    version,
    artifact: { sha256: String(version).repeat(64).slice(0, 64), sizeBytes: 1, format: 'onnx' },
    signature,
    metrics: {},
    params: {},
    tags: {},
    datasetVersion: null,
    trainedAt: null,
    description: null,
    source: null,
    createdAt: 0,
    createdBy: 'ann',
    features: FEATURES,
    hasProfile: false,
  };
}

function served(version: number): ServedVersion {
  return { name: MODEL, version, label: String(version), meta: meta(version) } as unknown as ServedVersion;
}

function policy(input: DeploymentPolicyInput): DeploymentPolicy {
  return DeploymentPolicySchema.parse(input);
}

/** The fake pool and what it was asked. */
interface World {
  policy: DeploymentPolicy | Error;
  previous: ServedVersion | undefined;
  alias: number | undefined;
  loaded: ServedVersion[];
  metaInStore: ModelVersion | null;
  readonly asked: { policyFor: number; lookup: number; versionMeta: number };
}

function world(over: Partial<Omit<World, 'asked'>> = {}): World {
  return {
    policy: DEFAULT_POLICY,
    previous: undefined,
    alias: undefined,
    loaded: [],
    metaInStore: null,
    ...over,
    asked: { policyFor: 0, lookup: 0, versionMeta: 0 },
  };
}

interface Events {
  served: [string, string, FallbackReason][];
  exhausted: [string, FallbackReason, readonly FallbackTry[]][];
}

function chainOf(w: World, lastGood: LastGoodCache | null = null): { chain: FallbackChain; events: Events } {
  const events: Events = { served: [], exhausted: [] };
  const deps: FallbackChainDeps = {
    pool: {
      policyFor: async (model) => {
        w.asked.policyFor++;
        assert.equal(model, MODEL);
        if (w.policy instanceof Error) throw w.policy;
        return w.policy;
      },
      previousOf: () => w.previous,
      aliasVersion: () => w.alias,
      lookup: (_name, version) => {
        w.asked.lookup++;
        return w.loaded.find((s) => s.version === version);
      },
    },
    versionMeta: async () => {
      w.asked.versionMeta++;
      return w.metaInStore;
    },
    lastGood,
    events: {
      onServed: (model, kind, reason) => void events.served.push([model, kind, reason]),
      onExhausted: (model, reason, tried) => void events.exhausted.push([model, reason, tried]),
    },
  };
  return { chain: new FallbackChain(deps), events };
}

const X: Tensor[] = [{ name: 'features', datatype: 'FP32', shape: [1, 4], data: new Float32Array([4, 94.5, 3, 1]) }];

function outputs(p: number): Tensor[] {
  return [
    { name: 'probability', datatype: 'FP32', shape: [1, 1], data: new Float32Array([p]) },
    { name: 'label', datatype: 'BOOL', shape: [1, 1], data: new Uint8Array([p > 0.5 ? 1 : 0]) },
  ];
}

/** A request and what the chain did with it: `touched` counts reads of `rows` and `body` (only `rules` reads them). */
interface Req extends FallbackRequest {
  readonly log: { inputsFor: (ServedVersion | undefined)[]; rerun: ServedVersion[]; touched: number };
}

function request(
  over: {
    primary?: ServedVersion;
    wanted?: readonly string[];
    body?: unknown;
    rows?: number;
    inputs?: readonly Tensor[] | undefined;
    rerun?: (t: ServedVersion) => Promise<{ outputs: Tensor[]; warnings: readonly Problem[] | null }>;
  } = {},
): Req {
  const log: Req['log'] = { inputsFor: [], rerun: [], touched: 0 };
  const inputs = 'inputs' in over ? over.inputs : X;
  return {
    model: MODEL,
    primary: over.primary,
    wanted: over.wanted,
    get body() {
      log.touched++;
      return over.body ?? null;
    },
    get rows() {
      log.touched++;
      return over.rows ?? 1;
    },
    inputsFor(t) {
      log.inputsFor.push(t);
      return inputs;
    },
    async rerun(t) {
      log.rerun.push(t);
      if (over.rerun) return over.rerun(t);
      return { outputs: outputs(0.25), warnings: null };
    },
    log,
  };
}

/** The error `p` rejects with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  assert.fail('expected a rejection');
}

/** Tensors as comparable plain values. */
function plain(ts: readonly Tensor[]): unknown {
  return ts.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], data: Array.from(t.data as ArrayLike<unknown>) }));
}

const timeout = (): MooringError => fail('DEADLINE_EXCEEDED', 'churn version 3 did not answer within the latency budget of 50 ms', { latency_budget_ms: 50 });

describe('fallbackReason', () => {
  test('names the reason for each failure the chain takes over', () => {
    const cases: [ErrorCode, FallbackReason][] = [
      ['INFERENCE_FAILED', 'error'],
      ['INTERNAL', 'error'],
      ['NON_FINITE_OUTPUT', 'non_finite'],
      ['DEADLINE_EXCEEDED', 'timeout'],
      ['CIRCUIT_OPEN', 'circuit_open'],
      ['OVERLOADED', 'overloaded'],
      ['MODEL_NOT_READY', 'unavailable'],
      ['MODEL_LOAD_FAILED', 'unavailable'],
      ['ARTIFACT_INTEGRITY', 'unavailable'],
      ['ARTIFACT_NOT_FOUND', 'unavailable'],
    ];
    for (const [code, reason] of cases) assert.equal(fallbackReason(fail(code, 'x')), reason, code);
    assert.equal(fallbackReason(new Error('runtime crashed')), 'error');
    assert.equal(fallbackReason(undefined), 'error');
  });

  test('client errors are answered as they are (null)', () => {
    for (const code of [
      'INVALID_JSON',
      'INVALID_REQUEST',
      'SHAPE_MISMATCH',
      'MISSING_INPUT',
      'UNKNOWN_OUTPUT',
      'PAYLOAD_TOO_LARGE',
      'MODEL_NOT_FOUND',
      'VERSION_NOT_FOUND',
      'ALIAS_NOT_FOUND',
      'UNAUTHORIZED',
      'SHUTTING_DOWN',
      'FALLBACK_EXHAUSTED',
    ] as const) {
      assert.equal(fallbackReason(fail(code, 'x')), null, code);
    }
  });

  test("VALIDATION_FAILED is handed over only under a 'fallback' validation policy", () => {
    assert.equal(fallbackReason(fail('VALIDATION_FAILED', 'x', { policy: 'fallback' })), 'validation');
    assert.equal(fallbackReason(fail('VALIDATION_FAILED', 'x', { policy: 'reject' })), null);
    assert.equal(fallbackReason(fail('VALIDATION_FAILED', 'x')), null);
  });
});

describe('FallbackChain', () => {
  test('tries the kinds in chain order; the first answer wins and later kinds are not tried', async () => {
    const mem = new MemoryResponseCache({ maxBytes: MB });
    const lastGood = new LastGoodCache(mem);
    const w = world({
      policy: policy({ fallback: { chain: ['cache', 'previous', 'rules'], rules: { default: { outputs: [{ name: 'label', value: [false] }] } } } }),
      previous: served(2),
    });
    const { chain, events } = chainOf(w, lastGood);
    // Nothing kept: the cache has no answer, `previous` answers, `rules` is never reached.
    const req = request({ primary: served(3) });
    const answer = await chain.answer(timeout(), req);
    assert.equal(answer.kind, 'previous');
    assert.equal(answer.reason, 'timeout');
    assert.equal(answer.cause, 'DEADLINE_EXCEEDED');
    assert.equal(answer.version, 2);
    assert.equal(answer.requested, 3, 'the version that failed');
    assert.equal(answer.target?.version, 2);
    assert.deepEqual(plain(answer.outputs), plain(outputs(0.25)));
    assert.equal(answer.warnings, null);
    assert.deepEqual(req.log.rerun.map((t) => t.version), [2]);
    assert.equal(req.log.touched, 0, 'rules never read the request');
    assert.deepEqual(mem.stats().misses, 1, 'the cache was tried first');
    assert.deepEqual(events.served, [[MODEL, 'previous', 'timeout']]);
    assert.deepEqual(events.exhausted, []);

    // With an answer kept, the cache answers and `previous` is not tried.
    lastGood.keep(MODEL, X, undefined, outputs(0.875), 60_000);
    const again = request({ primary: served(3) });
    const cached = await chain.answer(fail('INFERENCE_FAILED', 'boom'), again);
    assert.equal(cached.kind, 'cache');
    assert.equal(cached.reason, 'error');
    assert.deepEqual(again.log.rerun, []);
    assert.equal(again.log.touched, 0);
    assert.deepEqual(events.served, [
      [MODEL, 'previous', 'timeout'],
      [MODEL, 'cache', 'error'],
    ]);
  });

  test('a chain listing rules first answers by rules even when previous could', async () => {
    const w = world({
      policy: policy({ fallback: { chain: ['rules', 'previous'], rules: { default: { outputs: [{ name: 'label', value: [true] }] } } } }),
      previous: served(2),
    });
    const { chain } = chainOf(w);
    const req = request({ primary: served(3), wanted: ['label'] });
    const answer = await chain.answer(fail('CIRCUIT_OPEN', 'open'), req);
    assert.equal(answer.kind, 'rules');
    assert.equal(answer.reason, 'circuit_open');
    assert.deepEqual(req.log.rerun, []);
  });

  describe('previous', () => {
    test('reruns the request on the previous version and names it; its warnings are passed on', async () => {
      const w = world({ policy: policy({ fallback: { chain: ['previous'] } }), previous: served(2) });
      const { chain } = chainOf(w);
      const warnings: Problem[] = [{ row: 0, field: 'tenure_months', problem: 'out_of_range' } as unknown as Problem];
      const req = request({ primary: served(3), rerun: async () => ({ outputs: outputs(0.625), warnings }) });
      const answer = await chain.answer(fail('NON_FINITE_OUTPUT', 'NaN'), req);
      assert.deepEqual(
        { kind: answer.kind, reason: answer.reason, cause: answer.cause, version: answer.version, requested: answer.requested },
        { kind: 'previous', reason: 'non_finite', cause: 'NON_FINITE_OUTPUT', version: 2, requested: 3 },
      );
      assert.equal(answer.target, w.previous);
      assert.equal(answer.warnings, warnings);
      assert.deepEqual(plain(answer.outputs), plain(outputs(0.625)));
      assert.deepEqual(req.log.rerun, [w.previous]);
    });

    test('refuses when the previous version is the one that failed, or when none is loaded', async () => {
      const v3 = served(3);
      const w = world({ policy: policy({ fallback: { chain: ['previous'] } }), previous: v3 });
      const { chain } = chainOf(w);
      const req = request({ primary: v3 });
      const err = await rejection(chain.answer(timeout(), req));
      assert.ok(err instanceof MooringError && err.code === 'FALLBACK_EXHAUSTED');
      assert.deepEqual(err.details?.['tried'], [{ kind: 'previous', reason: 'version 3 is the version that failed' }]);
      assert.deepEqual(req.log.rerun, []);

      w.previous = undefined;
      const none = await rejection(chain.answer(timeout(), request({ primary: v3 })));
      assert.ok(none instanceof MooringError);
      assert.deepEqual(none.details?.['tried'], [{ kind: 'previous', reason: 'no previous production version is loaded' }]);
    });

    test('a previous version that fails too is listed with its error and the chain moves on', async () => {
      const w = world({
        policy: policy({ fallback: { chain: ['previous', 'rules'], rules: { default: { outputs: [{ name: 'label', value: [false] }] } } } }),
        previous: served(2),
      });
      const { chain } = chainOf(w);
      const req = request({
        primary: served(3),
        wanted: ['label'],
        rerun: async () => {
          throw fail('OVERLOADED', 'churn version 2 is busy');
        },
      });
      const answer = await chain.answer(timeout(), req);
      assert.equal(answer.kind, 'rules');
      assert.equal(answer.version, 3);
      assert.deepEqual(req.log.rerun.map((t) => t.version), [2]);
    });
  });

  describe('cache', () => {
    test('answers the last good answer kept for the input, naming the version the request reached', async () => {
      const lastGood = new LastGoodCache(new MemoryResponseCache({ maxBytes: MB }));
      lastGood.keep(MODEL, X, undefined, outputs(0.875), 60_000);
      const w = world({ policy: policy({ fallback: { chain: ['cache'] } }), alias: 7 });
      const { chain } = chainOf(w, lastGood);
      const v3 = served(3);
      const req = request({ primary: v3 });
      const answer = await chain.answer(fail('OVERLOADED', 'busy'), req);
      assert.equal(answer.kind, 'cache');
      assert.equal(answer.reason, 'overloaded');
      assert.equal(answer.version, 3);
      assert.equal(answer.requested, 3);
      assert.equal(answer.target, v3);
      assert.equal(answer.warnings, null);
      assert.deepEqual(plain(answer.outputs), plain(outputs(0.875)));
      assert.deepEqual(req.log.inputsFor, [v3], 'the inputs as the failing version decodes them');
    });

    test('with no version reached, names what production names and decodes with the previous version', async () => {
      const lastGood = new LastGoodCache(new MemoryResponseCache({ maxBytes: MB }));
      lastGood.keep(MODEL, X, ['label'], outputs(0.875).slice(1), 60_000);
      const v2 = served(2);
      const w = world({ policy: policy({ fallback: { chain: ['cache'] } }), alias: 4, previous: v2 });
      const { chain } = chainOf(w, lastGood);
      const req = request({ wanted: ['label'] });
      const answer = await chain.answer(fail('MODEL_NOT_READY', 'loading'), req);
      assert.equal(answer.kind, 'cache');
      assert.equal(answer.reason, 'unavailable');
      assert.equal(answer.version, 4);
      assert.equal(answer.requested, 4);
      assert.equal(answer.target, undefined);
      assert.deepEqual(plain(answer.outputs), plain(outputs(0.875).slice(1)));
      assert.deepEqual(req.log.inputsFor, [v2]);
    });

    test('says why it cannot answer', async () => {
      const lastGood = new LastGoodCache(new MemoryResponseCache({ maxBytes: MB }));
      const w = world({ policy: policy({ fallback: { chain: ['cache'] } }) });
      const triedFor = async (lg: LastGoodCache | null, req: Req): Promise<unknown> => {
        const err = await rejection(chainOf(w, lg).chain.answer(timeout(), req));
        assert.ok(err instanceof MooringError && err.code === 'FALLBACK_EXHAUSTED');
        return err.details?.['tried'];
      };
      assert.deepEqual(await triedFor(null, request({ primary: served(3) })), [{ kind: 'cache', reason: 'no cache is configured' }]);
      assert.deepEqual(await triedFor(lastGood, request()), [{ kind: 'cache', reason: 'no version of the model is deployed' }]);
      assert.deepEqual(await triedFor(lastGood, request({ primary: served(3), inputs: undefined })), [
        { kind: 'cache', reason: 'the request could not be decoded without a loaded version' },
      ]);
      assert.deepEqual(await triedFor(lastGood, request({ primary: served(3) })), [{ kind: 'cache', reason: 'no good answer for this input is kept' }]);
    });
  });

  describe('rules', () => {
    test('a constant default answers every row with its values', async () => {
      const w = world({
        policy: policy({
          fallback: {
            chain: ['rules'],
            rules: { default: { outputs: [{ name: 'probability', value: [0.5] }, { name: 'label', value: [false] }] } },
          },
        }),
      });
      const { chain } = chainOf(w);
      const v3 = served(3);
      const answer = await chain.answer(timeout(), request({ primary: v3, rows: 3 }));
      assert.equal(answer.kind, 'rules');
      assert.equal(answer.version, 3);
      assert.equal(answer.target, v3);
      assert.equal(answer.warnings, null);
      assert.deepEqual(plain(answer.outputs), [
        { name: 'probability', datatype: 'FP32', shape: [3, 1], data: [0.5, 0.5, 0.5] },
        { name: 'label', datatype: 'BOOL', shape: [3, 1], data: [0, 0, 0] },
      ]);
      assert.ok(answer.outputs[0]!.data instanceof Float32Array);
    });

    const TABLE: FallbackRules = {
      cases: [
        {
          when: [{ feature: 'tenure_months', op: 'lt', value: 6 }],
          outputs: [{ name: 'probability', value: [0.9] }, { name: 'label', value: [true] }],
        },
        {
          when: [{ feature: 'contract_months', op: 'ge', value: 12 }],
          outputs: [{ name: 'probability', value: [0.1] }, { name: 'label', value: [false] }],
        },
      ],
      default: { outputs: [{ name: 'probability', value: [0.4] }, { name: 'label', value: [false] }] },
    };

    const customers = {
      instances: [
        { tenure_months: 4, monthly_charges: 94.5, support_calls: 3, contract_months: 1 },
        { tenure_months: 30, monthly_charges: 50, support_calls: 0, contract_months: 24 },
        { tenure_months: 30, monthly_charges: 50, support_calls: 0, contract_months: 1 },
        { tenure_months: 2, monthly_charges: 20, support_calls: 0, contract_months: 24 },
      ],
    };

    test('conditions read the named features from the request body, row by row', async () => {
      const w = world({ policy: policy({ fallback: { chain: ['rules'], rules: TABLE } }) });
      const { chain } = chainOf(w);
      // `rows` says 1: the body's own row count wins when the features can be read from it.
      const answer = await chain.answer(timeout(), request({ primary: served(3), body: customers, rows: 1 }));
      assert.deepEqual(plain(answer.outputs), [
        { name: 'probability', datatype: 'FP32', shape: [4, 1], data: [0.9, 0.1, 0.4, 0.9].map(Math.fround) },
        { name: 'label', datatype: 'BOOL', shape: [4, 1], data: [1, 0, 0, 1] },
      ]);
      const labels = await chain.answer(timeout(), request({ primary: served(3), body: customers, wanted: ['label'] }));
      assert.deepEqual(plain(labels.outputs), [{ name: 'label', datatype: 'BOOL', shape: [4, 1], data: [1, 0, 0, 1] }]);
    });

    test('with no version loaded, reads the version production names from the pool or the registry', async () => {
      const w = world({ policy: policy({ fallback: { chain: ['rules'], rules: TABLE } }), alias: 5, metaInStore: meta(5) });
      const { chain } = chainOf(w);
      const answer = await chain.answer(fail('MODEL_LOAD_FAILED', 'bad artifact'), request({ body: customers }));
      assert.equal(answer.version, 5);
      assert.equal(answer.requested, 5);
      assert.equal(answer.target, undefined);
      assert.equal(answer.reason, 'unavailable');
      assert.deepEqual(w.asked, { policyFor: 1, lookup: 1, versionMeta: 1 });
      assert.equal(answer.outputs.length, 2);

      w.metaInStore = null;
      const gone = await rejection(chainOf(w).chain.answer(fail('MODEL_LOAD_FAILED', 'bad artifact'), request({ body: customers })));
      assert.ok(gone instanceof MooringError);
      assert.deepEqual(gone.details?.['tried'], [{ kind: 'rules', reason: 'version 5 is not in the registry' }]);
    });

    test('a new rule table in the policy is used at once (no stale compiled rules)', async () => {
      const w = world({ policy: policy({ fallback: { chain: ['rules'], rules: TABLE } }) });
      const { chain } = chainOf(w);
      const first = await chain.answer(timeout(), request({ primary: served(3), body: customers, wanted: ['label'] }));
      assert.deepEqual(Array.from(first.outputs[0]!.data as Uint8Array), [1, 0, 0, 1]);
      w.policy = policy({ fallback: { chain: ['rules'], rules: { default: { outputs: [{ name: 'label', value: [true] }] } } } });
      // No conditions now, so the body is not read: the row count is the one the protocol layer decoded.
      const second = await chain.answer(timeout(), request({ primary: served(3), body: customers, rows: 4, wanted: ['label'] }));
      assert.deepEqual(Array.from(second.outputs[0]!.data as Uint8Array), [1, 1, 1, 1]);
    });

    test('says why it cannot answer', async () => {
      const tried = async (p: DeploymentPolicy, req: Req): Promise<unknown> => {
        const err = await rejection(chainOf(world({ policy: p })).chain.answer(timeout(), req));
        assert.ok(err instanceof MooringError && err.code === 'FALLBACK_EXHAUSTED', String(err));
        return err.details?.['tried'];
      };
      const noRules = { ...DEFAULT_POLICY, fallback: { ...DEFAULT_POLICY.fallback, chain: ['rules' as const], rules: null } };
      assert.deepEqual(await tried(noRules, request({ primary: served(3) })), [{ kind: 'rules', reason: 'fallback.rules is not set' }]);
      const rulesPolicy = policy({ fallback: { chain: ['rules'], rules: TABLE } });
      assert.deepEqual(await tried(rulesPolicy, request()), [{ kind: 'rules', reason: 'no version of the model is deployed' }]);
      assert.deepEqual(await tried(rulesPolicy, request({ primary: served(3), body: null, rows: 0 })), [
        { kind: 'rules', reason: 'the number of rows in the request could not be read' },
      ]);
      const noDefault = policy({ fallback: { chain: ['rules'], rules: { cases: TABLE.cases } } });
      assert.deepEqual(await tried(noDefault, request({ primary: served(3), body: customers })), [
        { kind: 'rules', reason: 'row 2 matches no case and there is no default' },
      ]);
      const misfit = policy({ fallback: { chain: ['rules'], rules: { default: { outputs: [{ name: 'score', value: [1] }] } } } });
      const [only] = (await tried(misfit, request({ primary: served(3) }))) as FallbackTry[];
      assert.equal(only?.kind, 'rules');
      assert.match(only?.reason ?? '', /^the rules do not fit version 3: invalid deployment policy: fallback\.rules\.default\.outputs\[0\]\.name: "score" is not an output/);
    });
  });

  describe('when nothing answers', () => {
    test('FALLBACK_EXHAUSTED lists each kind tried and why, in chain order, and the primary failure as cause', async () => {
      const lastGood = new LastGoodCache(new MemoryResponseCache({ maxBytes: MB }));
      const w = world({ policy: policy({ fallback: { chain: ['cache', 'previous', 'rules'], rules: { cases: [{ when: [{ feature: 'tenure_months', op: 'lt', value: 0 }], outputs: [{ name: 'label', value: [true] }] }] } } }) });
      const { chain, events } = chainOf(w, lastGood);
      const err = await rejection(chain.answer(timeout(), request({ primary: served(3), body: { instances: [{ tenure_months: 4, monthly_charges: 1, support_calls: 0, contract_months: 1 }] } })));
      assert.ok(err instanceof MooringError);
      assert.equal(err.code, 'FALLBACK_EXHAUSTED');
      const tried = [
        { kind: 'cache', reason: 'no good answer for this input is kept' },
        { kind: 'previous', reason: 'no previous production version is loaded' },
        { kind: 'rules', reason: 'row 0 matches no case and there is no default' },
      ];
      assert.deepEqual(err.details, { cause: 'DEADLINE_EXCEEDED', tried });
      assert.equal(
        err.message,
        'churn version 3 did not answer within the latency budget of 50 ms; no fallback could answer (cache: no good answer for this input is kept; ' +
          'previous: no previous production version is loaded; rules: row 0 matches no case and there is no default)',
      );
      assert.deepEqual(events.served, []);
      assert.deepEqual(events.exhausted, [[MODEL, 'timeout', tried]]);
    });

    test('a failure that is not a MooringError is cause INTERNAL; a kind that throws is listed with its error', async () => {
      const w = world({ policy: policy({ fallback: { chain: ['previous'] } }), previous: served(2) });
      const { chain } = chainOf(w);
      const req = request({
        primary: served(3),
        rerun: async () => {
          throw new Error('socket hang up');
        },
      });
      const err = await rejection(chain.answer(new Error('segfault'), req));
      assert.ok(err instanceof MooringError);
      assert.equal(err.code, 'FALLBACK_EXHAUSTED');
      assert.deepEqual(err.details, { cause: 'INTERNAL', tried: [{ kind: 'previous', reason: 'failed: socket hang up' }] });
      assert.equal(err.message, 'the model failed; no fallback could answer (previous: failed: socket hang up)');
    });

    test('a validation handover nothing answers is the original VALIDATION_FAILED with fallbacks_tried', async () => {
      const w = world({ policy: policy({ validation: { schema: 'fallback' }, fallback: { chain: ['previous'] } }) });
      const { chain, events } = chainOf(w);
      const original = fail('VALIDATION_FAILED', '1 row failed validation', { policy: 'fallback', problems: [{ row: 0 }] });
      const err = await rejection(chain.answer(original, request({ primary: served(3) })));
      assert.ok(err instanceof MooringError);
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.equal(err.message, '1 row failed validation');
      const tried = [{ kind: 'previous', reason: 'no previous production version is loaded' }];
      assert.deepEqual(err.details, { policy: 'fallback', problems: [{ row: 0 }], fallback: 'no fallback could answer', fallbacks_tried: tried });
      assert.deepEqual(events.exhausted, [[MODEL, 'validation', tried]]);
      assert.deepEqual(original.details, { policy: 'fallback', problems: [{ row: 0 }] }, 'the original error is not changed');
    });

    test('an empty chain rethrows the original error itself', async () => {
      const w = world({ policy: DEFAULT_POLICY, previous: served(2) });
      const { chain, events } = chainOf(w);
      const original = timeout();
      const req = request({ primary: served(3) });
      assert.equal(await rejection(chain.answer(original, req)), original);
      assert.deepEqual(req.log.rerun, []);
      assert.deepEqual(events, { served: [], exhausted: [] });
    });

    test('an empty chain refuses a validation handover saying no chain is configured', async () => {
      const { chain } = chainOf(world({ policy: policy({ validation: { anomalies: 'fallback' } }) }));
      const original = fail('VALIDATION_FAILED', '2 rows failed validation', { policy: 'fallback' });
      const err = await rejection(chain.answer(original, request({ primary: served(3) })));
      assert.ok(err instanceof MooringError);
      assert.equal(err.code, 'VALIDATION_FAILED');
      assert.equal(err.message, '2 rows failed validation');
      assert.deepEqual(err.details, { policy: 'fallback', fallback: 'no fallback chain is configured for this model' });
    });

    test('a client error is rethrown without asking for the policy; an unreachable policy store rethrows too', async () => {
      const w = world({ policy: policy({ fallback: { chain: ['previous'] } }), previous: served(2) });
      const { chain } = chainOf(w);
      const client = fail('SHAPE_MISMATCH', 'wrong shape');
      assert.equal(await rejection(chain.answer(client, request({ primary: served(3) }))), client);
      assert.equal(w.asked.policyFor, 0);
      w.policy = new Error('database is locked');
      const original = timeout();
      const req = request({ primary: served(3) });
      assert.equal(await rejection(chain.answer(original, req)), original);
      assert.deepEqual(req.log.rerun, []);
    });
  });
});
