import { z } from 'zod';
import { fail } from '../errors.js';
import { assertModelName } from '../registry/names.js';
import { describeIssue, issuePath, snakeCase } from '../schema-issue.js';
import { ACCURACY_METRICS } from './signals.js';
import type { AccuracyMetric } from './signals.js';

/**
 * Alert rules: "tell me when this number of this model crosses that line for that long". A rule watches one
 * signal of `ModelSignals` over a trailing window and compares it with a threshold; `forMs` is Prometheus's `for`
 * (the condition must hold that long before the alert fires; 0 fires at the first true evaluation). An accuracy rule
 * may instead compare live accuracy with the metric the version was registered with (`baseline`), so "live AUC
 * fell more than 0.05 below its training AUC" needs no hand-copied threshold per version. Pure: no I/O.
 */

/** The signals a rule can watch (snake_case, as on the wire and in the CLI). */
export const ALERT_SIGNALS = [
  'error_rate',
  'latency_p99_ms',
  'accuracy',
  'drift_share',
  'column_drift',
  'prediction_shift',
  'rollout_rolled_back',
] as const;
/** One watched signal. */
export type AlertSignal = (typeof ALERT_SIGNALS)[number];

/** Comparison operators: the alert condition is `value OP threshold`. */
export const ALERT_OPS = ['>', '>=', '<', '<='] as const;
/** One comparison operator. */
export type AlertOp = (typeof ALERT_OPS)[number];

/** How loud an alert is; carried to receivers, which route on it. */
export const ALERT_SEVERITIES = ['info', 'warning', 'critical'] as const;
/** One severity. */
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

/** Accuracy metrics where smaller is better (errors): a "drop" in quality is a rise of these. */
const LOWER_IS_BETTER: ReadonlySet<AccuracyMetric> = new Set<AccuracyMetric>(['mae', 'rmse']);

const RULE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
// RFC 9110 token characters: what a header field name may hold.
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/;
const DAY_MS = 86_400_000;

/** Default trailing window of a rule: 10 minutes. */
export const DEFAULT_WINDOW_MS = 600_000;
/**
 * Default pause before a still-firing alert is notified again: 4 hours, Alertmanager's `repeat_interval`, so an
 * alert nobody fixed is not forgotten and a flapping one does not page every minute. 0 notifies only on changes.
 */
export const DEFAULT_REPEAT_INTERVAL_MS = 4 * 3_600_000;

function isModelName(value: string): boolean {
  try {
    assertModelName(value);
    return true;
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** POST the notification as JSON to a URL (Alertmanager-like body), with retries. */
export const WebhookChannelSchema = z
  .object({
    type: z.literal('webhook'),
    url: z.string().max(2048).refine(isHttpUrl, 'must be an absolute http:// or https:// URL'),
    /** Extra request headers (e.g. `Authorization`); names are HTTP tokens, values one line. */
    headers: z
      .record(
        z
          .string()
          .regex(HEADER_NAME, 'is not a valid HTTP header name')
          .refine((k) => !['__proto__', 'constructor', 'prototype'].includes(k), 'is not a valid HTTP header name'),
        z.string().max(8192).refine((v) => !/[\r\n\0]/.test(v), 'must be one line'),
      )
      .default({}),
  })
  .strict();

/** Write the notification to the server's log (pino), at a level following the severity. */
export const LogChannelSchema = z.object({ type: z.literal('log') }).strict();

/** Where a rule's notifications go. */
export const NotifyChannelSchema = z.discriminatedUnion('type', [WebhookChannelSchema, LogChannelSchema]);

/**
 * "Compare with the version's own training metric": the alert condition becomes `live < trained - maxDrop` (for
 * metrics where larger is better) or `live > trained + maxDrop` (MAE, RMSE), with `trained` read from the metrics
 * the watched version was registered with.
 */
export const AlertBaselineSchema = z
  .object({
    /** Key in the version's registered metrics (e.g. `auc`, `val_auc`); default: the rule's `metric`. */
    metricFromVersion: z.string().min(1).max(250).nullable().default(null),
    /** How far live accuracy may fall below the registered metric, in the metric's units (0.05 = 5 points of AUC). */
    maxDrop: z.number().min(0),
  })
  .strict();

const AlertRuleObject = z
  .object({
    /** Unique; 1-128 of [A-Za-z0-9_.-]. */
    name: z.string().regex(RULE_NAME, 'use 1-128 of [A-Za-z0-9_.-]'),
    model: z.string().refine(isModelName, 'is not a valid model name'),
    /** The version to watch; null watches whichever version serves `production` at each evaluation. */
    version: z.number().int().min(1).nullable().default(null),
    signal: z.enum(ALERT_SIGNALS),
    /** For `accuracy`: which live metric. */
    metric: z.enum(ACCURACY_METRICS).nullable().default(null),
    /** For `column_drift`: which feature or output column. */
    column: z.string().min(1).max(256).nullable().default(null),
    /** `value OP threshold` is the alert condition; both absent when `baseline` gives the condition. */
    op: z.enum(ALERT_OPS).nullable().default(null),
    threshold: z.number().nullable().default(null),
    /** Trailing window the signal is computed over (1 s to 30 days). */
    windowMs: z.number().int().min(1000).max(30 * DAY_MS).default(DEFAULT_WINDOW_MS),
    /** How long the condition must hold before the alert fires (0: at the first true evaluation). */
    forMs: z.number().int().min(0).max(30 * DAY_MS).default(0),
    /** While firing, notify again this often (0: only when the state changes). */
    repeatIntervalMs: z.number().int().min(0).max(30 * DAY_MS).default(DEFAULT_REPEAT_INTERVAL_MS),
    baseline: AlertBaselineSchema.nullable().default(null),
    severity: z.enum(ALERT_SEVERITIES).default('warning'),
    /** Free text sent with every notification (what it means, what to do: a runbook link). */
    description: z.string().max(4000).nullable().default(null),
    /** Where notifications go; default: the server log. `[]` keeps state and history without notifying. */
    notify: z.array(NotifyChannelSchema).max(16).default([{ type: 'log' }]),
    /** A disabled rule is not evaluated; disabling a firing rule resolves it. */
    enabled: z.boolean().default(true),
  })
  .strict();

/** An alert rule as users write it (see AlertRuleObject's field comments); cross-field rules in `superRefine`. */
export const AlertRuleSchema = AlertRuleObject.superRefine((r, ctx) => {
  const issue = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
  if (r.signal === 'accuracy' && r.metric === null) issue('metric', `is required for signal accuracy: one of ${ACCURACY_METRICS.join(', ')}`);
  if (r.signal !== 'accuracy' && r.metric !== null) issue('metric', 'is only for signal accuracy');
  if (r.signal === 'column_drift' && r.column === null) issue('column', 'is required for signal column_drift');
  if (r.signal !== 'column_drift' && r.column !== null) issue('column', 'is only for signal column_drift');
  if (r.baseline !== null) {
    if (r.signal !== 'accuracy') issue('baseline', 'is only for signal accuracy');
    if (r.op !== null) issue('op', 'must be absent with baseline: the condition is "more than max_drop below the registered metric"');
    if (r.threshold !== null) issue('threshold', 'must be absent with baseline: the registered metric minus max_drop is the threshold');
  } else {
    if (r.op === null) issue('op', `is required: one of ${ALERT_OPS.join(' ')}`);
    if (r.threshold === null) issue('threshold', 'is required (a number)');
  }
});

/** A validated alert rule with every default applied. */
export type AlertRule = z.infer<typeof AlertRuleSchema>;
/** A rule as a user writes it: defaults may be left out. */
export type AlertRuleInput = z.input<typeof AlertRuleSchema>;
/** One notification channel. */
export type NotifyChannel = z.infer<typeof NotifyChannelSchema>;
/** A webhook channel. */
export type WebhookChannel = z.infer<typeof WebhookChannelSchema>;
/** The baseline of an accuracy-drop rule. */
export type AlertBaseline = z.infer<typeof AlertBaselineSchema>;

/**
 * Validates a rule; throws INVALID_REQUEST naming the field as the wire names it (`window_ms`,
 * `notify[0].url`, `baseline.max_drop`).
 */
export function parseAlertRule(input: unknown): AlertRule {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw fail('INVALID_REQUEST', 'an alert rule must be an object, e.g. {"name": "churn-errors", "model": "churn", "signal": "error_rate", "op": ">", "threshold": 0.05}');
  }
  const parsed = AlertRuleSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const options = { root: '', key: snakeCase };
  if (issue.code === 'unrecognized_keys') {
    const field = issuePath([...issue.path, issue.keys[0] ?? ''], options);
    throw fail('INVALID_REQUEST', `invalid alert rule: ${field} is not a rule field`, { field });
  }
  throw fail('INVALID_REQUEST', `invalid alert rule: ${describeIssue(issue, options)}`, { field: issuePath(issue.path, options) });
}

/** What a rule compares at one evaluation: `value OP threshold`. */
export interface AlertCondition {
  readonly op: AlertOp;
  readonly threshold: number;
}

/**
 * The condition of a rule. For a baseline rule it needs the registered metric of the watched version (`trained`);
 * null when that is unknown (the version was registered without it), which the evaluator reports as no data.
 */
export function ruleCondition(rule: AlertRule, trained: number | null): AlertCondition | null {
  if (rule.baseline === null) return { op: rule.op!, threshold: rule.threshold! };
  if (trained === null) return null;
  const worse = ruleOp(rule) === '>';
  return { op: ruleOp(rule), threshold: worse ? trained + rule.baseline.maxDrop : trained - rule.baseline.maxDrop };
}

/** The operator of a rule: its own, or for a baseline rule the direction in which its metric gets worse. */
export function ruleOp(rule: AlertRule): AlertOp {
  if (rule.op !== null) return rule.op;
  return rule.metric !== null && LOWER_IS_BETTER.has(rule.metric) ? '>' : '<';
}

/** The registered-metric key a baseline rule reads from the version's metrics, or null for other rules. */
export function baselineMetricKey(rule: AlertRule): string | null {
  if (rule.baseline === null) return null;
  return rule.baseline.metricFromVersion ?? rule.metric;
}

/** Whether `value OP threshold` holds. */
export function holds(value: number, c: AlertCondition): boolean {
  switch (c.op) {
    case '>':
      return value > c.threshold;
    case '>=':
      return value >= c.threshold;
    case '<':
      return value < c.threshold;
    case '<=':
      return value <= c.threshold;
  }
}

/** The signal as people read it: `error_rate`, `accuracy(auc)`, `column_drift(tenure)`. */
export function signalLabel(rule: Pick<AlertRule, 'signal' | 'metric' | 'column'>): string {
  if (rule.signal === 'accuracy') return `accuracy(${rule.metric ?? '?'})`;
  if (rule.signal === 'column_drift') return `column_drift(${rule.column ?? '?'})`;
  return rule.signal;
}

/** Milliseconds as a short duration (`90s`, `10m`, `1h30m`, `250ms`, `0s`), for messages and tables. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 1000 !== 0) return `${ms}ms`;
  const units: Array<[string, number]> = [['d', 86_400], ['h', 3600], ['m', 60], ['s', 1]];
  let rest = ms / 1000;
  let text = '';
  for (const [unit, size] of units) {
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return text;
}

/** A number for a message: at most 6 significant digits, no float noise (`0.1 + 0.2` reads `0.3`). */
export function formatValue(value: number): string {
  return String(Number(value.toPrecision(6)));
}
