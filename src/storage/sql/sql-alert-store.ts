import type { Expression, ExpressionBuilder, Kysely, SqlBool, Transaction } from 'kysely';
import type { Clock } from '../../core/clock.js';
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
  StoredAlertRule,
} from '../alert-store.js';
import { checkEventQuery, checkLimit, checkTtl, encodeRule, nextEventCursor, ruleNotFound, sameRule } from '../alert-store-codec.js';
import type { EventPosition } from '../alert-store-codec.js';
import { migrateAlertStore } from './alert-migrations.js';
import {
  fromChangeRow,
  fromDeliveryRow,
  fromEventRow,
  fromRuleRow,
  fromStateRow,
  toDeliveryRow,
  toEventRow,
  toStateRow,
} from './alert-rows.js';
import type { AlertDatabase } from './alert-schema.js';
import type { SqlCapabilities } from './sql-capabilities.js';

type Db = Kysely<AlertDatabase>;
type Trx = Transaction<AlertDatabase>;

function matching(q: AlertEventQuery, after: EventPosition | null) {
  return (eb: ExpressionBuilder<AlertDatabase, 'alert_event'>): Expression<SqlBool> => {
    const all: Expression<SqlBool>[] = [];
    if (q.rule !== undefined) all.push(eb('alert_event.rule', '=', q.rule));
    if (q.model !== undefined) all.push(eb('alert_event.model', '=', q.model));
    if (q.since !== undefined) all.push(eb('alert_event.at', '>=', q.since));
    if (q.until !== undefined) all.push(eb('alert_event.at', '<', q.until));
    // A row-value comparison, so the (…, at, id) indexes can seek straight to the cursor.
    if (after !== null) all.push(eb(eb.refTuple('alert_event.at', 'alert_event.id'), '<', eb.tuple(after.at, after.id)));
    return eb.and(all);
  };
}

/**
 * The AlertStore for every SQL database Kysely speaks (SQLite and PostgreSQL), as SqlPredictionLog is for the
 * log: the backend folders build the Kysely instance and pass capability flags. Where rows must be locked against
 * concurrent writers (`lockRows`), reads inside transactions are `for update`; SQLite's write transactions hold the
 * whole database already.
 */
export class SqlAlertStore implements AlertStore {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #caps: SqlCapabilities;

  constructor(db: Db, clock: Clock, capabilities: SqlCapabilities) {
    this.#db = db;
    this.#clock = clock;
    this.#caps = capabilities;
  }

  async migrate(): Promise<void> {
    await migrateAlertStore(this.#db, this.#caps);
  }

  async putRule(rule: AlertRule, by: Actor): Promise<PutRuleResult> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#clock();
      const row = { name: rule.name, model: rule.model, rule: encodeRule(rule), created_at: now, updated_at: now, updated_by: by.actor };
      // Insert first: of two concurrent creators exactly one inserts, and the other replaces what it inserted.
      const inserted = await trx.insertInto('alert_rule').values(row).onConflict((oc) => oc.column('name').doNothing()).returning('name').execute();
      let change: PutRuleResult['change'] = 'create';
      let createdAt = now;
      if (inserted.length === 0) {
        const held = await this.#lockedRule(trx, rule.name);
        if (held !== undefined && sameRule(fromRuleRow(held).rule, rule)) return { rule: fromRuleRow(held), change: 'none' };
        createdAt = held?.created_at ?? now;
        await trx
          .updateTable('alert_rule')
          .set({ model: row.model, rule: row.rule, updated_at: now, updated_by: by.actor })
          .where('name', '=', rule.name)
          .execute();
        change = 'replace';
      }
      await this.#appendChange(trx, rule.name, change, row.rule, by, now);
      return { rule: { rule, createdAt, updatedAt: now, updatedBy: by.actor }, change };
    });
  }

  async deleteRule(name: string, by: Actor, closing?: ClosingWrite): Promise<StoredAlertRule> {
    return this.#db.transaction().execute(async (trx) => {
      const held = await this.#lockedRule(trx, name);
      if (held === undefined) throw ruleNotFound(name);
      const now = this.#clock();
      await trx.deleteFrom('alert_state').where('rule', '=', name).execute();
      await trx.deleteFrom('alert_rule').where('name', '=', name).execute();
      await this.#appendChange(trx, name, 'delete', null, by, now);
      if (closing !== undefined) {
        const eventId = await this.#appendEvent(trx, closing.event);
        await this.#queue(trx, name, eventId, closing.deliveries, now);
      }
      return fromRuleRow(held);
    });
  }

  async getRule(name: string): Promise<StoredAlertRule | null> {
    const row = await this.#db.selectFrom('alert_rule').selectAll().where('name', '=', name).executeTakeFirst();
    return row === undefined ? null : fromRuleRow(row);
  }

  async listRules(): Promise<StoredAlertRule[]> {
    const rows = await this.#db.selectFrom('alert_rule').selectAll().orderBy('name').execute();
    return rows.map(fromRuleRow);
  }

  async ruleChanges(filter: { name?: string; limit?: number } = {}): Promise<AlertRuleChange[]> {
    const limit = checkLimit(filter.limit);
    const rows = await this.#db
      .selectFrom('alert_rule_change')
      .selectAll()
      .$if(filter.name !== undefined, (q) => q.where('name', '=', filter.name!))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(fromChangeRow);
  }

  async getState(rule: string): Promise<AlertState | null> {
    const row = await this.#db.selectFrom('alert_state').selectAll().where('rule', '=', rule).executeTakeFirst();
    return row === undefined ? null : fromStateRow(row);
  }

  async listStates(): Promise<AlertState[]> {
    const rows = await this.#db.selectFrom('alert_state').selectAll().orderBy('rule').execute();
    return rows.map(fromStateRow);
  }

  async recordEvaluations(writes: readonly EvaluationWrite[], lease?: LeaseClaim): Promise<boolean> {
    return this.#db.transaction().execute(async (trx) => {
      const now = this.#clock();
      if (lease !== undefined) {
        // Locked, so a competing acquire waits until this round is written (or rolled back).
        const held = await trx
          .selectFrom('alert_lease')
          .select('holder')
          .where('name', '=', lease.name)
          .where('holder', '=', lease.holder)
          .where('expires_at', '>', now)
          .$if(this.#caps.lockRows, (q) => q.forUpdate())
          .executeTakeFirst();
        if (held === undefined) return false;
      }
      const names = [...new Set(writes.map((w) => w.state.rule))];
      if (names.length === 0) return true;
      const existing = await trx
        .selectFrom('alert_rule')
        .select('name')
        .where('name', 'in', names)
        .$if(this.#caps.lockRows, (q) => q.forUpdate())
        .execute();
      const alive = new Set(existing.map((r) => r.name));
      for (const w of writes) {
        if (!alive.has(w.state.rule)) continue;
        const eventId = w.event === null ? w.state.eventId : await this.#appendEvent(trx, w.event);
        const row = toStateRow({ ...w.state, eventId });
        const { rule: _rule, ...update } = row;
        await trx.insertInto('alert_state').values(row).onConflict((oc) => oc.column('rule').doUpdateSet(update)).execute();
        await this.#queue(trx, w.state.rule, eventId, w.deliveries, now);
      }
      return true;
    });
  }

  async events(query: AlertEventQuery = {}): Promise<AlertEventPage> {
    const { limit, after } = checkEventQuery(query);
    const rows = await this.#db
      .selectFrom('alert_event')
      .selectAll()
      .where(matching(query, after))
      .orderBy('alert_event.at', 'desc')
      .orderBy('alert_event.id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map(fromEventRow);
    return { items, next: nextEventCursor(items, limit, rows.length > limit) };
  }

  async dueDeliveries(now: number, limit: number): Promise<AlertDelivery[]> {
    const rows = await this.#db
      .selectFrom('alert_delivery')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(checkLimit(limit))
      .execute();
    return rows.map(fromDeliveryRow);
  }

  async claimDelivery(id: number, now: number, until: number): Promise<boolean> {
    const result = await this.#db
      .updateTable('alert_delivery')
      .set({ next_attempt_at: until })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async finishAttempt(id: number, outcome: DeliveryOutcome): Promise<void> {
    const set = outcome.ok
      ? { status: 'delivered', delivered_at: outcome.at, last_error: null }
      : { status: outcome.retryAt === null ? 'failed' : 'pending', next_attempt_at: outcome.retryAt ?? outcome.at, last_error: outcome.error };
    await this.#db
      .updateTable('alert_delivery')
      .set((eb) => ({ ...set, attempts: eb('attempts', '+', 1) }))
      .where('id', '=', id)
      .execute();
  }

  async listDeliveries(filter: { rule?: string; eventId?: number; limit?: number } = {}): Promise<AlertDelivery[]> {
    const rows = await this.#db
      .selectFrom('alert_delivery')
      .selectAll()
      .$if(filter.rule !== undefined, (q) => q.where('rule', '=', filter.rule!))
      .$if(filter.eventId !== undefined, (q) => q.where('event_id', '=', filter.eventId!))
      .orderBy('id', 'desc')
      .limit(checkLimit(filter.limit))
      .execute();
    return rows.map(fromDeliveryRow);
  }

  async acquireLease(name: string, holder: string, ttlMs: number): Promise<boolean> {
    checkTtl(ttlMs);
    const now = this.#clock();
    // One statement: insert when free; take over when expired or renew when already ours; otherwise no row comes
    // back. Both databases apply ON CONFLICT atomically, so concurrent callers cannot both win.
    const row = await this.#db
      .insertInto('alert_lease')
      .values({ name, holder, acquired_at: now, expires_at: now + ttlMs })
      .onConflict((oc) =>
        oc
          .column('name')
          .doUpdateSet({ holder, acquired_at: now, expires_at: now + ttlMs })
          .where((eb) => eb.or([eb('alert_lease.holder', '=', holder), eb('alert_lease.expires_at', '<=', now)])),
      )
      .returning('holder')
      .executeTakeFirst();
    return row !== undefined && row.holder === holder;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.#db.deleteFrom('alert_lease').where('name', '=', name).where('holder', '=', holder).execute();
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  async #lockedRule(trx: Trx, name: string) {
    return trx
      .selectFrom('alert_rule')
      .selectAll()
      .where('name', '=', name)
      .$if(this.#caps.lockRows, (q) => q.forUpdate())
      .executeTakeFirst();
  }

  async #appendChange(trx: Trx, name: string, action: AlertRuleChange['action'], rule: string | null, by: Actor, at: number): Promise<void> {
    await trx.insertInto('alert_rule_change').values({ name, action, rule, actor: by.actor, reason: by.reason ?? null, at }).execute();
  }

  async #appendEvent(trx: Trx, event: AlertEvent): Promise<number> {
    const row = await trx.insertInto('alert_event').values(toEventRow(event)).returning('id').executeTakeFirstOrThrow();
    return Number(row.id);
  }

  async #queue(trx: Trx, rule: string, eventId: number | null, deliveries: readonly NewDelivery[], now: number): Promise<void> {
    if (deliveries.length === 0) return;
    await trx
      .insertInto('alert_delivery')
      .values(deliveries.map((d) => toDeliveryRow(d, rule, eventId, now)))
      .execute();
  }
}
