import type { Clock } from '../../core/clock.js';
import { systemClock } from '../../core/clock.js';
import type { AlertRule } from '../../core/monitoring/alert-rule.js';
import type { AlertEvent, AlertState } from '../../core/monitoring/alert-state.js';
import type { Actor } from '../../core/registry/types.js';
import type {
  AlertDelivery,
  AlertEventPage,
  AlertEventQuery,
  AlertRuleChange,
  AlertStore,
  ClosingWrite,
  DeliveryOutcome,
  EvaluationWrite,
  LeaseClaim,
  NewDelivery,
  PutRuleResult,
  StoredAlertEvent,
  StoredAlertRule,
} from '../alert-store.js';
import {
  checkEventQuery,
  checkLimit,
  checkTtl,
  decodeChannel,
  decodeRule,
  deliveryTarget,
  encodeRule,
  nextEventCursor,
  ruleNotFound,
} from '../alert-store-codec.js';

interface RuleRow {
  readonly text: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

interface DeliveryRow extends Omit<AlertDelivery, 'channel' | 'notification'> {
  readonly channel: string;
  readonly notification: string;
}

/**
 * An AlertStore in Maps and arrays, for tests and throwaway servers. Rules, channels and notifications are kept
 * as the same JSON text the SQL backends store, so what comes back is a copy, exactly as from a database. Every
 * method runs without awaiting in between, which makes each one atomic like a transaction.
 */
export class MemoryAlertStore implements AlertStore {
  readonly #clock: Clock;
  readonly #rules = new Map<string, RuleRow>();
  readonly #changes: AlertRuleChange[] = [];
  readonly #states = new Map<string, AlertState>();
  readonly #events: StoredAlertEvent[] = [];
  readonly #deliveries = new Map<number, DeliveryRow>();
  readonly #leases = new Map<string, { holder: string; expiresAt: number }>();
  #nextId = 1;

  constructor(options: { clock?: Clock } = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async migrate(): Promise<void> {
    // nothing to create
  }

  async putRule(rule: AlertRule, by: Actor): Promise<PutRuleResult> {
    const text = encodeRule(rule);
    const held = this.#rules.get(rule.name);
    if (held !== undefined && held.text === text) return { rule: stored(held), change: 'none' };
    const now = this.#clock();
    const row: RuleRow = { text, createdAt: held?.createdAt ?? now, updatedAt: now, updatedBy: by.actor };
    this.#rules.set(rule.name, row);
    const change = held === undefined ? 'create' : 'replace';
    this.#changes.push({ id: this.#nextId++, name: rule.name, action: change, rule: decodeRule(text), actor: by.actor, reason: by.reason ?? null, at: now });
    return { rule: stored(row), change };
  }

  async deleteRule(name: string, by: Actor, closing?: ClosingWrite): Promise<StoredAlertRule> {
    const held = this.#rules.get(name);
    if (held === undefined) throw ruleNotFound(name);
    const now = this.#clock();
    this.#rules.delete(name);
    this.#states.delete(name);
    this.#changes.push({ id: this.#nextId++, name, action: 'delete', rule: null, actor: by.actor, reason: by.reason ?? null, at: now });
    if (closing !== undefined) this.#queue(name, this.#appendEvent(closing.event), closing.deliveries, now);
    return stored(held);
  }

  async getRule(name: string): Promise<StoredAlertRule | null> {
    const held = this.#rules.get(name);
    return held === undefined ? null : stored(held);
  }

  async listRules(): Promise<StoredAlertRule[]> {
    return [...this.#rules.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => stored(row));
  }

  async ruleChanges(filter: { name?: string; limit?: number } = {}): Promise<AlertRuleChange[]> {
    const limit = checkLimit(filter.limit);
    return this.#changes.filter((c) => filter.name === undefined || c.name === filter.name).reverse().slice(0, limit);
  }

  async getState(rule: string): Promise<AlertState | null> {
    return this.#states.get(rule) ?? null;
  }

  async listStates(): Promise<AlertState[]> {
    return [...this.#states.values()].sort((a, b) => (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0));
  }

  async recordEvaluations(writes: readonly EvaluationWrite[], lease?: LeaseClaim): Promise<boolean> {
    const now = this.#clock();
    if (lease !== undefined) {
      const held = this.#leases.get(lease.name);
      if (held === undefined || held.holder !== lease.holder || held.expiresAt <= now) return false;
    }
    for (const w of writes) {
      if (!this.#rules.has(w.state.rule)) continue;
      const eventId = w.event === null ? w.state.eventId : this.#appendEvent(w.event);
      this.#states.set(w.state.rule, { ...w.state, eventId });
      this.#queue(w.state.rule, eventId, w.deliveries, now);
    }
    return true;
  }

  async events(query: AlertEventQuery = {}): Promise<AlertEventPage> {
    const { limit, after } = checkEventQuery(query);
    const found = this.#events
      .filter(
        (e) =>
          (query.rule === undefined || e.rule === query.rule) &&
          (query.model === undefined || e.model === query.model) &&
          (query.since === undefined || e.at >= query.since) &&
          (query.until === undefined || e.at < query.until) &&
          (after === null || e.at < after.at || (e.at === after.at && e.id < after.id)),
      )
      .sort((a, b) => b.at - a.at || b.id - a.id);
    const items = found.slice(0, limit).map((e) => ({ ...e }));
    return { items, next: nextEventCursor(items, limit, found.length > limit) };
  }

  async dueDeliveries(now: number, limit: number): Promise<AlertDelivery[]> {
    const n = checkLimit(limit);
    return [...this.#deliveries.values()]
      .filter((d) => d.status === 'pending' && d.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id)
      .slice(0, n)
      .map(delivery);
  }

  async claimDelivery(id: number, now: number, until: number): Promise<boolean> {
    const d = this.#deliveries.get(id);
    if (d === undefined || d.status !== 'pending' || d.nextAttemptAt > now) return false;
    this.#deliveries.set(id, { ...d, nextAttemptAt: until });
    return true;
  }

  async finishAttempt(id: number, outcome: DeliveryOutcome): Promise<void> {
    const d = this.#deliveries.get(id);
    if (d === undefined) return;
    const attempts = d.attempts + 1;
    if (outcome.ok) this.#deliveries.set(id, { ...d, attempts, status: 'delivered', deliveredAt: outcome.at, lastError: null });
    else {
      const status = outcome.retryAt === null ? 'failed' : 'pending';
      this.#deliveries.set(id, { ...d, attempts, status, nextAttemptAt: outcome.retryAt ?? outcome.at, lastError: outcome.error });
    }
  }

  async listDeliveries(filter: { rule?: string; eventId?: number; limit?: number } = {}): Promise<AlertDelivery[]> {
    const limit = checkLimit(filter.limit);
    return [...this.#deliveries.values()]
      .filter((d) => (filter.rule === undefined || d.rule === filter.rule) && (filter.eventId === undefined || d.eventId === filter.eventId))
      .sort((a, b) => b.id - a.id)
      .slice(0, limit)
      .map(delivery);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const now = this.#clock();
    const held = this.#leases.get(name);
    if (held !== undefined && held.holder !== holder && held.expiresAt > now) return false;
    this.#leases.set(name, { holder, expiresAt: now + ttlMs });
    return true;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    if (this.#leases.get(name)?.holder === holder) this.#leases.delete(name);
  }

  async close(): Promise<void> {
    // nothing to release
  }

  #appendEvent(event: AlertEvent): number {
    const id = this.#nextId++;
    this.#events.push({ ...event, id });
    return id;
  }

  #queue(rule: string, eventId: number | null, deliveries: readonly NewDelivery[], now: number): void {
    for (const d of deliveries) {
      const id = this.#nextId++;
      this.#deliveries.set(id, {
        id,
        eventId,
        rule,
        channel: JSON.stringify(d.channel),
        target: deliveryTarget(d.channel),
        notification: JSON.stringify(d.notification),
        status: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        lastError: null,
        createdAt: now,
        deliveredAt: null,
      });
    }
  }
}

function stored(row: RuleRow): StoredAlertRule {
  return { rule: decodeRule(row.text), createdAt: row.createdAt, updatedAt: row.updatedAt, updatedBy: row.updatedBy };
}

function delivery(row: DeliveryRow): AlertDelivery {
  return { ...row, channel: decodeChannel(row.channel), notification: JSON.parse(row.notification) as AlertDelivery['notification'] };
}
