import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock } from '../../src/core/clock.js';
import { alertNotification } from '../../src/core/monitoring/alert-notification.js';
import { parseAlertRule } from '../../src/core/monitoring/alert-rule.js';
import type { AlertRule, AlertRuleInput, NotifyChannel } from '../../src/core/monitoring/alert-rule.js';
import { advanceAlert, initialAlertState } from '../../src/core/monitoring/alert-state.js';
import type { AlertState } from '../../src/core/monitoring/alert-state.js';
import type { AlertStore, EvaluationWrite, StoredAlertEvent } from '../../src/storage/alert-store.js';
import { FakeClock, rejectsWith } from './registry-fixtures.js';

/** A valid rule named `name`; `over` replaces fields. */
export function alertRule(name: string, over: Partial<AlertRuleInput> = {}): AlertRule {
  return parseAlertRule({ name, model: 'churn', signal: 'error_rate', op: '>', threshold: 0.05, ...over });
}

const hook: NotifyChannel = { type: 'webhook', url: 'https://user:pw@hooks.example:8443/T000/B000/s3cret?token=x', headers: { Authorization: 'Bearer s3cret' } };

/** One evaluation of `rule` from `prev` seeing `value` at `at`, as the evaluator would write it. */
export function evaluation(rule: AlertRule, prev: AlertState, value: number, at: number): EvaluationWrite {
  const step = advanceAlert(rule, prev, { kind: 'value', value, condition: { op: rule.op!, threshold: rule.threshold! } }, at);
  const deliveries =
    step.notify === null
      ? []
      : rule.notify.map((channel) => ({ channel, notification: alertNotification(rule, step.state, step.notify!, step.event?.message ?? 'still', step.repeat) }));
  return { state: step.state, event: step.event, deliveries };
}

/** Opens a store on a fake clock, runs `fn`, always closes it. */
type WithStore = (fn: (store: AlertStore, clock: FakeClock) => Promise<void>) => Promise<void>;

/**
 * The AlertStore contract (src/storage/alert-store.ts) as tests. Every backend runs this one suite through a
 * one-line runner: `alertStoreSuite('memory', (clock) => Promise.resolve(new MemoryAlertStore({ clock })))`.
 * `open` must return an empty store each time.
 */
export function alertStoreSuite(label: string, open: (clock: Clock) => Promise<AlertStore>): void {
  const withStore: WithStore = async (fn) => {
    const clock = new FakeClock();
    const store = await open(clock.clock);
    try {
      await fn(store, clock);
    } finally {
      await store.close();
    }
  };

  describe(`AlertStore conformance: ${label}`, () => {
    test('rules are created, replaced, left alone when equal, and every change is audited', () =>
      withStore(async (store, clock) => {
        const t0 = clock.now;
        const created = await store.putRule(alertRule('b-errors'), { actor: 'alice', reason: 'launch' });
        assert.deepEqual([created.change, created.rule.createdAt, created.rule.updatedAt, created.rule.updatedBy], ['create', t0, t0, 'alice']);
        clock.advance(1000);
        assert.equal((await store.putRule(alertRule('b-errors'), { actor: 'bob' })).change, 'none');
        const changed = alertRule('b-errors', { threshold: 0.1, notify: [hook], severity: 'critical' });
        const replaced = await store.putRule(changed, { actor: 'bob' });
        assert.deepEqual([replaced.change, replaced.rule.createdAt, replaced.rule.updatedAt], ['replace', t0, t0 + 1000]);
        await store.putRule(alertRule('a-latency', { signal: 'latency_p99_ms', threshold: 250 }), { actor: 'alice' });

        assert.deepEqual(await store.getRule('b-errors'), { rule: changed, createdAt: t0, updatedAt: t0 + 1000, updatedBy: 'bob' });
        assert.equal(await store.getRule('nope'), null);
        assert.deepEqual((await store.listRules()).map((r) => r.rule.name), ['a-latency', 'b-errors']);
        const changes = await store.ruleChanges();
        assert.deepEqual(
          changes.map((c) => [c.name, c.action, c.actor, c.reason]),
          [
            ['a-latency', 'create', 'alice', null],
            ['b-errors', 'replace', 'bob', null],
            ['b-errors', 'create', 'alice', 'launch'],
          ],
        );
        assert.deepEqual(changes[1]?.rule, changed);
        assert.deepEqual((await store.ruleChanges({ name: 'b-errors', limit: 1 })).map((c) => c.action), ['replace']);
        await rejectsWith(store.ruleChanges({ limit: 0 }), 'INVALID_REQUEST');
      }));

    test('deleting a rule removes it and its state, audits it, writes its closing event, and keeps history', () =>
      withStore(async (store, clock) => {
        const rule = alertRule('errors', { notify: [hook, { type: 'log' }] });
        await store.putRule(rule, { actor: 'a' });
        const fired = evaluation(rule, initialAlertState('errors'), 0.5, clock.now);
        assert.equal(await store.recordEvaluations([fired]), true);
        await rejectsWith(store.deleteRule('nope', { actor: 'a' }), 'ALERT_RULE_NOT_FOUND');
        const closing = { event: { ...fired.event!, from: 'firing' as const, to: 'resolved' as const, message: 'rule deleted' }, deliveries: [{ channel: hook, notification: fired.deliveries[0]!.notification }] };
        const deleted = await store.deleteRule('errors', { actor: 'b', reason: 'noisy' }, closing);
        assert.deepEqual(deleted.rule, rule);
        assert.equal(await store.getRule('errors'), null);
        assert.equal(await store.getState('errors'), null);
        assert.deepEqual((await store.listStates()).length, 0);
        const [change] = await store.ruleChanges();
        assert.deepEqual([change?.action, change?.rule, change?.actor, change?.reason], ['delete', null, 'b', 'noisy']);
        const events = (await store.events({ rule: 'errors' })).items;
        assert.deepEqual(events.map((e) => `${e.from}->${e.to}`), ['firing->resolved', 'inactive->firing']);
        const deliveries = await store.listDeliveries({ rule: 'errors' });
        assert.equal(deliveries.length, 3);
        assert.equal(deliveries[0]?.eventId, events[0]?.id, 'the closing notification belongs to the closing event');
        await rejectsWith(store.deleteRule('errors', { actor: 'b' }), 'ALERT_RULE_NOT_FOUND');
      }));

    test('an evaluation round stores states, events and notifications together, and skips deleted rules', () =>
      withStore(async (store, clock) => {
        const rule = alertRule('errors', { notify: [hook, { type: 'log' }], repeatIntervalMs: 60_000 });
        await store.putRule(rule, { actor: 'a' });
        const t = clock.now;
        const first = evaluation(rule, initialAlertState('errors'), 0.5, t);
        const ghost = evaluation(alertRule('ghost'), initialAlertState('ghost'), 0.5, t);
        assert.equal(await store.recordEvaluations([first, ghost]), true);
        assert.equal(await store.getState('ghost'), null, 'a rule that is gone gets no state');
        assert.deepEqual((await store.events({ rule: 'ghost' })).items, []);
        const state = await store.getState('errors');
        const [event] = (await store.events()).items;
        assert.ok(event !== undefined);
        assert.deepEqual(state, { ...first.state, eventId: event.id }, 'a state round-trips, with the id of the event that set it');
        assert.deepEqual({ ...event, id: 0 }, { ...first.event!, id: 0 });

        const deliveries = await store.listDeliveries({ eventId: event.id });
        assert.deepEqual(deliveries.map((d) => d.target).sort(), ['log', 'webhook https://hooks.example:8443']);
        const web = deliveries.find((d) => d.channel.type === 'webhook')!;
        assert.deepEqual([web.channel, web.notification, web.status, web.attempts, web.rule], [hook, first.deliveries[0]!.notification, 'pending', 0, 'errors']);
        assert.deepEqual([web.createdAt, web.nextAttemptAt, web.lastError, web.deliveredAt], [t, t, null, null]);

        // A repeat (no event) refers to the event that started the firing.
        const repeat = evaluation(rule, state!, 0.6, t + 60_000);
        assert.deepEqual([repeat.event, repeat.deliveries.length], [null, 2]);
        await store.recordEvaluations([repeat]);
        assert.deepEqual((await store.listDeliveries({ eventId: event.id })).length, 4);
        assert.equal((await store.getState('errors'))?.value, 0.6);

        const quiet = evaluation(rule, (await store.getState('errors'))!, 0.01, t + 120_000);
        await store.recordEvaluations([quiet]);
        const resolved = (await store.events({ limit: 1 })).items[0];
        assert.deepEqual([resolved?.from, resolved?.to], ['firing', 'resolved']);
        assert.ok(resolved!.id > event.id, 'event ids grow');
        assert.equal((await store.getState('errors'))?.eventId, resolved?.id);
        assert.equal(await store.recordEvaluations([]), true);
      }));

    test('history reads newest first, by rule, model and time, in pages that neither repeat nor skip', () =>
      withStore(async (store, clock) => {
        const t0 = clock.now;
        const rules = [alertRule('r1'), alertRule('r2', { model: 'fraud' })];
        for (const r of rules) await store.putRule(r, { actor: 'a' });
        const states = new Map(rules.map((r) => [r.name, initialAlertState(r.name)]));
        // 12 changes per rule, alternating firing and resolved, one minute apart; two rules at equal times.
        for (let i = 0; i < 12; i++) {
          const writes = rules.map((r) => evaluation(r, states.get(r.name)!, i % 2 === 0 ? 1 : 0, t0 + i * 60_000));
          writes.forEach((w) => states.set(w.state.rule, w.state));
          await store.recordEvaluations(writes);
        }
        const all: StoredAlertEvent[] = [];
        let after: string | undefined;
        let pages = 0;
        do {
          const page = await store.events({ limit: 5, ...(after === undefined ? {} : { after }) });
          all.push(...page.items);
          after = page.next ?? undefined;
          pages++;
          if (pages === 2) await store.recordEvaluations([evaluation(rules[0]!, states.get('r1')!, 1, t0 + 99 * 60_000)]);
        } while (after !== undefined);
        assert.equal(all.length, 24, 'an event written while paging does not shift the pages');
        assert.equal(pages, 5);
        assert.equal(new Set(all.map((e) => e.id)).size, 24);
        for (let i = 1; i < all.length; i++) {
          const [a, b] = [all[i - 1]!, all[i]!];
          assert.ok(a.at > b.at || (a.at === b.at && a.id > b.id), 'newest first, ties by id');
        }
        assert.equal((await store.events({ rule: 'r2' })).items.every((e) => e.rule === 'r2' && e.model === 'fraud'), true);
        assert.equal((await store.events({ model: 'fraud' })).items.length, 12);
        const window = (await store.events({ since: t0 + 2 * 60_000, until: t0 + 4 * 60_000 })).items;
        assert.deepEqual(window.map((e) => (e.at - t0) / 60_000), [3, 3, 2, 2]);
        assert.deepEqual((await store.events({ rule: 'nope' })).items, []);
        await rejectsWith(store.events({ after: 'garbage!' }), 'INVALID_REQUEST');
        await rejectsWith(store.events({ limit: 1001 }), 'INVALID_REQUEST');
        await rejectsWith(store.events({ since: 1.5 }), 'INVALID_TIME');
      }));

    test('deliveries are claimed, retried, delivered or given up', () =>
      withStore(async (store, clock) => {
        const rule = alertRule('errors', { notify: [hook, hook, { type: 'log' }] });
        await store.putRule(rule, { actor: 'a' });
        const t = clock.now;
        await store.recordEvaluations([evaluation(rule, initialAlertState('errors'), 1, t)]);
        const due = await store.dueDeliveries(t, 10);
        assert.equal(due.length, 3);
        assert.deepEqual(due.map((d) => d.id), [...due.map((d) => d.id)].sort((a, b) => a - b), 'oldest first');
        const [a, b, c] = due as [(typeof due)[0], (typeof due)[0], (typeof due)[0]];
        assert.equal(await store.claimDelivery(a.id, t, t + 30_000), true);
        assert.equal(await store.claimDelivery(a.id, t, t + 30_000), false, 'a claimed delivery is not due');
        assert.deepEqual((await store.dueDeliveries(t, 10)).map((d) => d.id), [b.id, c.id]);
        assert.equal((await store.dueDeliveries(t + 30_000, 10)).length, 3, 'an expired claim makes it due again');

        await store.finishAttempt(a.id, { ok: false, at: t + 1, error: 'HTTP 503', retryAt: t + 5000 });
        await store.finishAttempt(b.id, { ok: true, at: t + 2 });
        await store.finishAttempt(c.id, { ok: false, at: t + 3, error: 'HTTP 400', retryAt: null });
        const byId = new Map((await store.listDeliveries()).map((d) => [d.id, d]));
        assert.deepEqual(
          [a, b, c].map((d) => {
            const x = byId.get(d.id)!;
            return [x.status, x.attempts, x.nextAttemptAt, x.lastError, x.deliveredAt];
          }),
          [
            ['pending', 1, t + 5000, 'HTTP 503', null],
            ['delivered', 1, t, null, t + 2],
            ['failed', 1, t + 3, 'HTTP 400', null],
          ],
        );
        assert.deepEqual(await store.dueDeliveries(t + 4999, 10), []);
        assert.deepEqual((await store.dueDeliveries(t + 5000, 10)).map((d) => d.id), [a.id]);
        assert.equal(await store.claimDelivery(b.id, t + 10_000, t + 20_000), false, 'a delivered one cannot be claimed');
        assert.equal((await store.listDeliveries({ limit: 1 }))[0]?.id, Math.max(a.id, b.id, c.id), 'newest first');
        await rejectsWith(store.dueDeliveries(t, 0), 'INVALID_REQUEST');
      }));

    test('the lease has one holder at a time: renewed by it, taken over when expired or released', () =>
      withStore(async (store, clock) => {
        assert.equal(await store.acquireLease('alerts', 'a', 10_000), true);
        assert.equal(await store.acquireLease('alerts', 'b', 10_000), false);
        assert.equal(await store.acquireLease('other', 'b', 10_000), true, 'leases are per name');
        clock.advance(9_000);
        assert.equal(await store.acquireLease('alerts', 'a', 10_000), true, 'renewal extends it');
        clock.advance(9_000);
        assert.equal(await store.acquireLease('alerts', 'b', 10_000), false, 'renewed at 9 s: still a\'s at 18 s');
        clock.advance(1_000);
        assert.equal(await store.acquireLease('alerts', 'b', 10_000), true, 'expired: b takes it over');
        assert.equal(await store.acquireLease('alerts', 'a', 10_000), false);
        await store.releaseLease('alerts', 'a');
        assert.equal(await store.acquireLease('alerts', 'a', 10_000), false, 'releasing a lease one does not hold does nothing');
        await store.releaseLease('alerts', 'b');
        assert.equal(await store.acquireLease('alerts', 'a', 10_000), true, 'released: free at once');
        await rejectsWith(store.acquireLease('alerts', 'a', 0), 'INVALID_REQUEST');

        const contenders = Array.from({ length: 8 }, (_, i) => `h${i}`);
        const won = await Promise.all(contenders.map((h) => store.acquireLease('race', h, 10_000)));
        assert.equal(won.filter(Boolean).length, 1, 'of concurrent callers exactly one wins');
      }));

    test('an evaluation round under a lease is written only while that lease is held (fencing)', () =>
      withStore(async (store, clock) => {
        const rule = alertRule('errors');
        await store.putRule(rule, { actor: 'a' });
        const write = evaluation(rule, initialAlertState('errors'), 1, clock.now);
        assert.equal(await store.recordEvaluations([write], { name: 'alerts', holder: 'a' }), false, 'no lease at all');
        await store.acquireLease('alerts', 'a', 5_000);
        clock.advance(5_000);
        assert.equal(await store.recordEvaluations([write], { name: 'alerts', holder: 'a' }), false, 'expired');
        assert.equal(await store.getState('errors'), null);
        assert.deepEqual((await store.events()).items, []);
        assert.deepEqual(await store.listDeliveries(), []);
        await store.acquireLease('alerts', 'b', 5_000);
        assert.equal(await store.recordEvaluations([write], { name: 'alerts', holder: 'a' }), false, 'another holder');
        assert.equal(await store.recordEvaluations([write], { name: 'alerts', holder: 'b' }), true);
        assert.equal((await store.getState('errors'))?.state, 'firing');
      }));
  });
}
