import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isMooringError } from '../../core/errors.js';
import { parseAlertRule } from '../../core/monitoring/alert-rule.js';
import { alertRuleDto, alertRuleFromWire, alertRuleToWire } from './alert-dto.js';

describe('alert rules on the wire', () => {
  const wire = {
    name: 'auc-drop',
    model: 'churn',
    signal: 'accuracy',
    metric: 'auc',
    window_ms: 3_600_000,
    for_ms: 300_000,
    baseline: { metric_from_version: 'auc', max_drop: 0.05 },
    notify: [{ type: 'webhook', url: 'https://hooks.example/a', headers: { Authorization: 'Bearer s3cret', 'X-Team': 'ml' } }],
  };

  it('snake_case fields become the domain rule; header names keep their case', () => {
    const rule = parseAlertRule(alertRuleFromWire(wire));
    assert.equal(rule.windowMs, 3_600_000);
    assert.deepEqual(rule.baseline, { metricFromVersion: 'auc', maxDrop: 0.05 });
    assert.deepEqual(rule.notify[0], wire.notify[0]);
    const back = alertRuleToWire(rule);
    assert.equal(back.window_ms, 3_600_000);
    assert.deepEqual(back.baseline, wire.baseline);
    assert.deepEqual(back.notify, wire.notify);
    const dto = alertRuleDto({ rule, createdAt: 0, updatedAt: 1000, updatedBy: 'me' });
    assert.deepEqual([dto.created_at, dto.updated_at, dto.updated_by, dto.repeat_interval_ms], ['1970-01-01T00:00:00.000Z', '1970-01-01T00:00:01.000Z', 'me', 14_400_000]);
  });

  it('camelCase spellings are refused, so every field has one name', () => {
    assert.throws(
      () => alertRuleFromWire({ ...wire, windowMs: 1000 }),
      (e: unknown) => isMooringError(e) && e.code === 'INVALID_REQUEST' && /windowMs is not a known field/.test(e.message),
    );
    assert.throws(() => alertRuleFromWire({ ...wire, notify: [{ type: 'log', Type: 'x' }] }), /notify\[0\]\.Type/);
  });
});
