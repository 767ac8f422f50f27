import { fail, MooringError } from '../core/errors.js';
import { AlertRuleSchema, NotifyChannelSchema } from '../core/monitoring/alert-rule.js';
import type { AlertRule, NotifyChannel } from '../core/monitoring/alert-rule.js';
import { DEFAULT_ALERT_PAGE, MAX_ALERT_PAGE } from './alert-store.js';
import type { AlertEventQuery } from './alert-store.js';

/**
 * What every AlertStore backend shares: checks of queries, the cursor format, and the JSON forms of rules and
 * channels, so the memory backend stores and returns exactly what a database would.
 */

/** A rule as stored text. */
export function encodeRule(rule: AlertRule): string {
  return JSON.stringify(rule);
}

/** A stored rule re-parsed (gaining the defaults of fields added since it was written). */
export function decodeRule(text: string): AlertRule {
  const parsed = AlertRuleSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new MooringError('INTERNAL', `a stored alert rule no longer parses: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

/** A stored channel re-parsed. */
export function decodeChannel(text: string): NotifyChannel {
  return NotifyChannelSchema.parse(JSON.parse(text));
}

/** Whether two rules are the same (the stored JSON forms are equal). */
export function sameRule(a: AlertRule, b: AlertRule): boolean {
  return encodeRule(a) === encodeRule(b);
}

/** How a channel may be shown: `log`, or `webhook <origin>` (a path or query may carry a secret token). */
export function deliveryTarget(channel: NotifyChannel): string {
  if (channel.type === 'log') return 'log';
  try {
    return `webhook ${new URL(channel.url).origin}`;
  } catch {
    return 'webhook';
  }
}

/** A position in the newest-first order of events. */
export interface EventPosition {
  readonly at: number;
  readonly id: number;
}

/** A checked event query: its page size and where it starts. */
export interface EventPageRequest {
  readonly limit: number;
  readonly after: EventPosition | null;
}

/** Checks an event query; throws INVALID_REQUEST (limit, cursor, names) or INVALID_TIME (since, until). */
export function checkEventQuery(q: AlertEventQuery): EventPageRequest {
  for (const field of ['rule', 'model'] as const) {
    const v = q[field];
    if (v !== undefined && (typeof v !== 'string' || v.length === 0 || v.length > 256)) {
      throw fail('INVALID_REQUEST', `${field} must be a non-empty name`, { field });
    }
  }
  for (const field of ['since', 'until'] as const) {
    const v = q[field];
    if (v !== undefined && !Number.isSafeInteger(v)) throw fail('INVALID_TIME', `${field} must be epoch milliseconds (a whole number)`, { field });
  }
  return { limit: checkLimit(q.limit, MAX_ALERT_PAGE), after: q.after === undefined ? null : decodeEventCursor(q.after) };
}

/** A page size: `limit` (1..max) or the default. */
export function checkLimit(limit: number | undefined, max = MAX_ALERT_PAGE): number {
  const n = limit ?? Math.min(DEFAULT_ALERT_PAGE, max);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw fail('INVALID_REQUEST', `limit must be a whole number from 1 to ${max}, got ${String(limit)}`, { field: 'limit' });
  }
  return n;
}

/** The cursor continuing after `p`. */
export function encodeEventCursor(p: EventPosition): string {
  return `${p.at.toString(36)}.${p.id.toString(36)}`;
}

function decodeEventCursor(cursor: unknown): EventPosition {
  const m = typeof cursor === 'string' ? /^([0-9a-z]{1,12})\.([0-9a-z]{1,12})$/.exec(cursor) : null;
  if (m) {
    const at = parseInt(m[1]!, 36);
    const id = parseInt(m[2]!, 36);
    if (Number.isSafeInteger(at) && Number.isSafeInteger(id)) return { at, id };
  }
  throw fail('INVALID_REQUEST', 'after is not a cursor this history returned', { field: 'after' });
}

/** The page's `next`: after its last item when the read found more than `limit`. */
export function nextEventCursor(items: readonly EventPosition[], limit: number, more: boolean): string | null {
  const last = items[limit - 1];
  return more && last !== undefined ? encodeEventCursor(last) : null;
}

/** Throws INVALID_REQUEST unless `ms` is a positive whole number of milliseconds (a lease TTL). */
export function checkTtl(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 1) throw fail('INVALID_REQUEST', `a lease TTL must be a positive whole number of milliseconds, got ${String(ms)}`);
}

/** ALERT_RULE_NOT_FOUND for `name`. */
export function ruleNotFound(name: string): MooringError {
  return fail('ALERT_RULE_NOT_FOUND', `no alert rule is named ${JSON.stringify(name)}`, { name });
}
