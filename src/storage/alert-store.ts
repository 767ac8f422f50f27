import type { AlertNotification } from '../core/monitoring/alert-notification.js';
import type { AlertRule, NotifyChannel } from '../core/monitoring/alert-rule.js';
import type { AlertEvent, AlertState } from '../core/monitoring/alert-state.js';
import type { Actor } from '../core/registry/types.js';

export type { AlertEvent, AlertState } from '../core/monitoring/alert-state.js';

/**
 * AlertStore: the port that keeps alert rules (with the history of their changes), each rule's current alert
 * state, the append-only history of state changes, the notifications to deliver (an outbox), and the lease that
 * lets exactly one replica evaluate and notify.
 *
 * Contract (every backend passes test/conformance/alert-store.suite.ts):
 * - Every mutation is ONE transaction. `putRule` and `deleteRule` append an AlertRuleChange (actor, reason, the
 *   whole rule) in the same transaction; a `putRule` equal to the stored rule writes nothing (`change: 'none'`).
 *   `deleteRule` also removes the rule's state, and writes the given closing event and its notifications.
 * - `recordEvaluations` writes a whole evaluation round at once: states (upserted), events (appended, ids assigned
 *   in write order) and notifications (queued as pending deliveries of the event written with them, or of
 *   `state.eventId` for a repeat). A write for a rule that no longer exists is skipped, so a deletion that raced an
 *   evaluation is never undone. With a `lease`, nothing is written and the answer is false unless that holder
 *   holds the lease at the store's time (fencing: an evaluator that lost its lease cannot write).
 * - Events are never updated or deleted. Reads are newest first (`at` descending, then id descending), paged with
 *   an opaque cursor (a position, so pages never repeat or skip an event stored before the first page was read).
 * - Deliveries: pending until `finishAttempt` says delivered or gives up (`retryAt` null). `claimDelivery` is a
 *   compare-and-set on (pending, due by `now`) that pushes `nextAttemptAt` to `until`, so a delivery being sent is
 *   not picked up again by another deliverer until the claim runs out (at least once, not exactly once).
 * - Lease: `acquireLease(name, holder, ttl)` grants or renews when the lease is free, expired, or already the
 *   holder's; at any instant at most one holder has an unexpired lease, also across processes on one database.
 * - Times stamped by the store (rule and change times, delivery creation, lease expiry) come from its clock; event
 *   and evaluation times are the caller's.
 * - Absence is never an error for reads (null, []); `deleteRule` of an unknown rule throws ALERT_RULE_NOT_FOUND.
 *   Malformed queries throw INVALID_REQUEST (limit, cursor) or INVALID_TIME. Rules are validated by the services
 *   (AlertRuleSchema); a stored rule is re-parsed on read, so it gains the defaults of newer fields.
 * Not promised: the order of two events with equal `at` written by different processes; that a delivery is sent
 * only once (a deliverer that dies mid-send sends it again after the claim runs out); clock agreement between
 * replicas (leases are as good as the clocks' agreement within the TTL).
 */
export interface AlertStore {
  /** Creates or upgrades the schema; idempotent, safe to call from several processes at start. */
  migrate(): Promise<void>;

  /** Creates or replaces a rule (audited); `change: 'none'` when it equals the stored one (nothing written). */
  putRule(rule: AlertRule, by: Actor): Promise<PutRuleResult>;
  /**
   * Deletes a rule and its state (audited); `closing` (the event ending a pending or firing alert, and its
   * notifications) is written in the same transaction. ALERT_RULE_NOT_FOUND when there is no such rule.
   */
  deleteRule(name: string, by: Actor, closing?: ClosingWrite): Promise<StoredAlertRule>;
  getRule(name: string): Promise<StoredAlertRule | null>;
  /** Every rule, by name. */
  listRules(): Promise<StoredAlertRule[]>;
  /** Rule changes, newest first; one rule's when `name` is given. */
  ruleChanges(filter?: { name?: string; limit?: number }): Promise<AlertRuleChange[]>;

  /** The current state of a rule's alert, or null when it was never evaluated (or the rule is gone). */
  getState(rule: string): Promise<AlertState | null>;
  /** Every stored state. */
  listStates(): Promise<AlertState[]>;
  /** Writes one evaluation round (see the contract); false when `lease` was given and is not held. */
  recordEvaluations(writes: readonly EvaluationWrite[], lease?: LeaseClaim): Promise<boolean>;

  /** A page of events, newest first. */
  events(query?: AlertEventQuery): Promise<AlertEventPage>;

  /** Pending deliveries due by `now`, oldest first, at most `limit`. */
  dueDeliveries(now: number, limit: number): Promise<AlertDelivery[]>;
  /** Claims a pending delivery due by `now` until `until`; false when it is not pending and due (someone has it). */
  claimDelivery(id: number, now: number, until: number): Promise<boolean>;
  /** Records one attempt's outcome (attempts + 1). */
  finishAttempt(id: number, outcome: DeliveryOutcome): Promise<void>;
  /** Deliveries, newest first, optionally of one rule or one event. */
  listDeliveries(filter?: { rule?: string; eventId?: number; limit?: number }): Promise<AlertDelivery[]>;

  /** Grants or renews the lease `name` to `holder` for `ttlMs` from now; true when `holder` holds it now. */
  acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (when `holder` has it), so another replica can take over at once. */
  releaseLease(name: string, holder: string): Promise<void>;

  /** Releases connections. */
  close(): Promise<void>;
}

/** A stored rule and when it was created and last changed. */
export interface StoredAlertRule {
  readonly rule: AlertRule;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

/** What `putRule` did. */
export interface PutRuleResult {
  readonly rule: StoredAlertRule;
  readonly change: 'create' | 'replace' | 'none';
}

/** One audited change of a rule. */
export interface AlertRuleChange {
  readonly id: number;
  readonly name: string;
  readonly action: 'create' | 'replace' | 'delete';
  /** The rule after the change; null for a deletion. */
  readonly rule: AlertRule | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: number;
}

/** A stored event. */
export interface StoredAlertEvent extends AlertEvent {
  readonly id: number;
}

/** A notification to queue: where to, and what. */
export interface NewDelivery {
  readonly channel: NotifyChannel;
  readonly notification: AlertNotification;
}

/** One rule's part of an evaluation round. */
export interface EvaluationWrite {
  readonly state: AlertState;
  /** The change of state, or null when the state only got a new value. */
  readonly event: AlertEvent | null;
  /** Notifications of the event (or, without one, of `state.eventId`: a repeat). */
  readonly deliveries: readonly NewDelivery[];
}

/** What `deleteRule` writes besides the deletion. */
export interface ClosingWrite {
  readonly event: AlertEvent;
  readonly deliveries: readonly NewDelivery[];
}

/** Who must hold which lease for a write to count. */
export interface LeaseClaim {
  readonly name: string;
  readonly holder: string;
}

/** Which events a read is about; every field narrows. */
export interface AlertEventQuery {
  readonly rule?: string;
  readonly model?: string;
  /** Inclusive lower bound on `at`. */
  readonly since?: number;
  /** Exclusive upper bound on `at`. */
  readonly until?: number;
  /** Page size, 1..MAX_ALERT_PAGE (default DEFAULT_ALERT_PAGE). */
  readonly limit?: number;
  /** The `next` of the previous page. */
  readonly after?: string;
}

/** One page of events. */
export interface AlertEventPage {
  readonly items: StoredAlertEvent[];
  /** Where the next page starts, or null on the last page. */
  readonly next: string | null;
}

/** Where a delivery stands. */
export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One notification to one channel, and how its delivery went. */
export interface AlertDelivery {
  readonly id: number;
  readonly eventId: number | null;
  readonly rule: string;
  readonly channel: NotifyChannel;
  /** The channel as it may be shown or logged: `log`, or a webhook's origin (paths and queries may hold secrets). */
  readonly target: string;
  readonly notification: AlertNotification;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly createdAt: number;
  readonly deliveredAt: number | null;
}

/** The outcome of one delivery attempt. */
export type DeliveryOutcome =
  | { readonly ok: true; readonly at: number }
  /** `retryAt` null gives up (status `failed`). */
  | { readonly ok: false; readonly at: number; readonly error: string; readonly retryAt: number | null };

/** Page size when a query gives no limit. */
export const DEFAULT_ALERT_PAGE = 100;
/** The largest page a query may ask for. */
export const MAX_ALERT_PAGE = 1000;
