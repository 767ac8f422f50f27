import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_POLICY } from '../../core/deployment/policy.js';
import { MooringError } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import { decodeApplyDocuments } from './apply-document.js';

function refuses(values: unknown[], code: ErrorCode, message: string, details?: Record<string, unknown>): void {
  assert.throws(
    () => decodeApplyDocuments(values),
    (e: unknown) => {
      assert.ok(e instanceof MooringError, String(e));
      assert.equal(e.code, code);
      assert.equal(e.message, message);
      if (details) assert.deepEqual({ ...e.details }, details);
      return true;
    },
  );
}

const doc = (model: string, policy: unknown = {}, extra: Record<string, unknown> = {}) => ({ kind: 'Deployment', model, policy, ...extra });

describe('decodeApplyDocuments', () => {
  test('answers each document with its wire policy as a domain patch and the complete policy it makes', () => {
    const docs = decodeApplyDocuments([
      doc('churn', { latency_budget_ms: 250, fallback: { chain: ['cache'] } }, { reason: 'from git' }),
      null,
      doc('plain'),
    ]);
    assert.deepEqual(docs, [
      {
        index: 1,
        model: 'churn',
        patch: { latencyBudgetMs: 250, fallback: { chain: ['cache'] } },
        policy: { ...DEFAULT_POLICY, latencyBudgetMs: 250, fallback: { ...DEFAULT_POLICY.fallback, chain: ['cache'] } },
        reason: 'from git',
      },
      { index: 3, model: 'plain', patch: {}, policy: DEFAULT_POLICY, reason: null },
    ]);
  });

  test('refuses a document naming which one and the field, before any other is used', () => {
    refuses([doc('churn'), doc('plain', { fallback: { chain: ['cache', 'cache'] } })], 'INVALID_REQUEST',
      'document 2 (model plain): fallback.chain: a fallback kind may appear only once in the chain',
      { field: 'fallback.chain', document: 2, model: 'plain' });
    refuses([doc('churn', { fallback: { chain: ['rules'] } })], 'INVALID_REQUEST',
      'document 1 (model churn): fallback.rules: the chain lists rules but fallback.rules is not set');
    refuses([doc('churn', { validation: { maxRows: 5 } })], 'INVALID_REQUEST',
      'document 1 (model churn): validation.maxRows is not a known field: fields are snake_case');
    refuses([doc('churn', { limits: { max_concurent: 5 } })], 'INVALID_REQUEST', 'document 1 (model churn): limits.max_concurent is not a policy field');
    refuses([doc('churn', 'strict')], 'INVALID_REQUEST', 'document 1 (model churn): a deployment policy patch must be an object, e.g. {"validation": {"anomalies": "reject"}}');
  });

  test('refuses routing and rollout: their commands own them, and the server keeps them as they are', () => {
    for (const owned of ['routing', 'rollout']) {
      refuses(
        [{ kind: 'Deployment', model: 'churn', policy: { [owned]: null } }],
        'INVALID_REQUEST',
        `document 1 (model churn): policy.${owned} is set by the shadow, rollout and ab commands, not by a declaration`,
        { document: 1, model: 'churn', field: owned },
      );
    }
  });

  test('refuses unknown kinds, missing or repeated models, unknown fields and missing policies', () => {
    refuses([doc('churn'), { ...doc('plain'), kind: 'Service' }], 'INVALID_REQUEST', 'document 2: kind "Service" is not known (expected Deployment)');
    refuses([{ model: 'churn', policy: {} }], 'INVALID_REQUEST', 'document 1: kind is missing (expected Deployment)');
    refuses([{ kind: 'Deployment', policy: {} }], 'INVALID_REQUEST', 'document 1: model is missing (the name of the model the policy is for)');
    refuses([doc('churn'), doc('plain'), doc('churn')], 'INVALID_REQUEST',
      'document 3 (model churn): model churn is already in document 1; a file sets each model once');
    refuses([{ ...doc('churn'), polcy: {} }], 'INVALID_REQUEST',
      'document 1 (model churn): polcy is not a field of a Deployment document (kind, model, policy, reason)');
    refuses([{ kind: 'Deployment', model: 'churn' }], 'INVALID_REQUEST', 'document 1 (model churn): policy is missing (write policy: {} for the defaults)');
    refuses([doc('churn', {}, { reason: 3 })], 'INVALID_REQUEST', 'document 1 (model churn): reason must be text');
    refuses([['kind', 'Deployment']], 'INVALID_REQUEST', 'document 1: expected an object {kind, model, policy}');
    refuses([doc('../etc')], 'INVALID_NAME',
      'document 1 (model ../etc): invalid model name "../etc": use 1-128 of [A-Za-z0-9_.-], starting with a letter or digit');
    refuses([null, null], 'INVALID_REQUEST', 'the file holds no documents (expected kind: Deployment documents, separated by ---)');
  });
});
