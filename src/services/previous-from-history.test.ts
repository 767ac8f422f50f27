import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeploymentPolicySchema } from '../core/deployment/policy.js';
import type { AliasEvent } from '../core/registry/types.js';
import { guardSettings, previousFromHistory } from './serving-pool.js';

/** The production alias's moves, oldest first, as `[from, to]` pairs. */
function history(...moves: [number | null, number | null][]): AliasEvent[] {
  return moves.map(([fromVersion, toVersion], i) => ({
    id: i + 1,
    name: 'churn',
    alias: 'production',
    fromVersion,
    toVersion,
    actor: 'ann',
    at: Date.UTC(2024, 0, 1) + i * 60_000,
    reason: null,
  }));
}

describe('previousFromHistory', () => {
  test('deploys of v1, v2, v3: the previous of 3 is 2', () => {
    const events = history([null, 1], [1, 2], [2, 3]);
    assert.equal(previousFromHistory(events, 3), 2);
  });

  test('a rollback v1 -> v2 -> v1: the previous of 1 is 2, not the older 1', () => {
    assert.equal(previousFromHistory(history([null, 1], [1, 2], [2, 1]), 1), 2);
  });

  test('a redeploy of the same version is skipped', () => {
    assert.equal(previousFromHistory(history([null, 1], [1, 2], [2, 2]), 2), 1);
    assert.equal(previousFromHistory(history([null, 1], [1, 2], [2, 2], [2, 2]), 2), 1);
  });

  test('an alias deletion names the version it removed', () => {
    // v1, v2, alias deleted, then v3 deployed: production held 2 before 3.
    assert.equal(previousFromHistory(history([null, 1], [1, 2], [2, null], [null, 3]), 3), 2);
    // v1, v2, deleted, v2 again: the previous of 2 is 1.
    assert.equal(previousFromHistory(history([null, 1], [1, 2], [2, null], [null, 2]), 2), 1);
  });

  test('no history, or only the current version: undefined', () => {
    assert.equal(previousFromHistory([], 1), undefined);
    assert.equal(previousFromHistory(history([null, 1]), 1), undefined);
    assert.equal(previousFromHistory(history([null, 1], [1, null], [null, 1]), 1), undefined);
  });

  test('a current version the history never named: the newest version it names', () => {
    assert.equal(previousFromHistory(history([null, 1], [1, 2]), 5), 2);
  });
});

describe('guardSettings', () => {
  test('takes exactly the circuit breaker, the limits and the latency budget of a policy', () => {
    const policy = DeploymentPolicySchema.parse({
      latencyBudgetMs: 250,
      limits: { maxConcurrent: 4 },
      circuitBreaker: { errorRatio: 0.25 },
      cache: { enabled: true },
    });
    const s = guardSettings(policy);
    assert.deepEqual(Object.keys(s).sort(), ['circuitBreaker', 'latencyBudgetMs', 'limits']);
    assert.equal(s.latencyBudgetMs, 250);
    assert.equal(s.limits, policy.limits);
    assert.equal(s.circuitBreaker, policy.circuitBreaker);
    assert.equal(s.limits.maxConcurrent, 4);
    assert.equal(s.circuitBreaker.errorRatio, 0.25);
  });
});
