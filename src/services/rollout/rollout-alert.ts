import { createHash } from 'node:crypto';
import { isMooringError } from '../../core/errors.js';
import type { AlertRuleInput } from '../../core/monitoring/alert-rule.js';
import type { Actor } from '../../core/registry/types.js';
import type { AlertLogger } from '../alert-delivery.js';
import type { AlertRuleService } from '../alert-rules.js';

/**
 * The alert of a rollback: a rule per model on the signal `rollout_rolled_back` (1 when the model's latest rollout
 * was rolled back by its checks within the rule's window), created when a rollout starts, so a rollback reaches the
 * alerting the team already has (states, history, webhooks) without a second notification path. The alert fires at
 * the evaluator's next round and resolves when the window has passed or a new rollout starts.
 */

/** How long the alert of a rollback stays firing (the `rollout-<model>` rule's window). */
export const ROLLBACK_ALERT_WINDOW_MS = 3_600_000;

/** The name of a model's rollback alert rule: `rollout-<model>` (shortened with a digest past 128 characters). */
export function rollbackAlertName(model: string): string {
  const name = `rollout-${model}`;
  if (name.length <= 128) return name;
  return `rollout-${model.slice(0, 111)}-${createHash('sha256').update(model).digest('hex').slice(0, 8)}`;
}

/** The rule `start` ensures: critical, to the server log, firing for an hour after an automatic rollback. */
export function rollbackAlertRule(model: string): AlertRuleInput {
  return {
    name: rollbackAlertName(model),
    model,
    signal: 'rollout_rolled_back',
    op: '>=',
    threshold: 1,
    windowMs: ROLLBACK_ALERT_WINDOW_MS,
    severity: 'critical',
    description: `The canary rollout of ${model} was rolled back by its checks: see \`mooring rollout status ${model}\`.`,
    notify: [{ type: 'log' }],
  };
}

/**
 * Creates the rollback alert rule of `model` unless a rule by its name exists (edits made to it, such as a webhook,
 * are kept). Never throws: a rollout does not fail for want of its alert, which is logged instead.
 */
export async function ensureRollbackAlert(rules: AlertRuleService, model: string, by: Actor, logger: AlertLogger): Promise<void> {
  const rule = rollbackAlertRule(model);
  try {
    await rules.getRule(rule.name);
    return;
  } catch (e) {
    if (!isMooringError(e) || e.code !== 'ALERT_RULE_NOT_FOUND') {
      logger.warn({ model, err: (e as Error).message }, 'the rollback alert rule could not be read');
      return;
    }
  }
  try {
    await rules.putRule(rule, { actor: by.actor, reason: 'the rollback alert of a canary rollout' });
  } catch (e) {
    logger.warn({ model, err: (e as Error).message }, 'the rollback alert rule could not be created');
  }
}
