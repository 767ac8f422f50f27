import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAlertRule } from './alert-rule.js';
import type { AlertRule, AlertRuleInput } from './alert-rule.js';
import { advanceAlert, deletionEvent, initialAlertState } from './alert-state.js';
import type { AlertState, AlertStateName, Observation } from './alert-state.js';

const T0 = Date.UTC(2024, 0, 1);
const MIN = 60_000;

function rule(over: Partial<AlertRuleInput> = {}): AlertRule {
  return parseAlertRule({ name: 'errors', model: 'churn', signal: 'error_rate', op: '>', threshold: 0.05, ...over });
}

const v = (value: number, threshold = 0.05): Observation => ({ kind: 'value', value, condition: { op: '>', threshold } });
const noData: Observation = { kind: 'no_data', reason: 'no traffic' };
const broken: Observation = { kind: 'error', message: 'boom' };

interface Row {
  at: number;
  obs: Observation;
  state: AlertStateName;
  /** The event's from -> to, or null for no event. */
  event: string | null;
  notify: 'firing' | 'resolved' | null;
}

/** Runs observations one after another from the initial state and checks each step. */
function run(r: AlertRule, rows: readonly Row[], start: AlertState = initialAlertState(r.name)): AlertState {
  let state = start;
  for (const [i, row] of rows.entries()) {
    const step = advanceAlert(r, state, row.obs, row.at);
    const where = `step ${i} at +${(row.at - T0) / 1000}s`;
    assert.equal(step.state.state, row.state, `${where}: state`);
    assert.equal(step.event === null ? null : `${step.event.from}->${step.event.to}`, row.event, `${where}: event`);
    assert.equal(step.notify, row.notify, `${where}: notify`);
    if (step.event !== null) {
      assert.equal(step.event.at, row.at);
      assert.equal(step.event.rule, r.name);
      assert.equal(step.event.model, 'churn');
    }
    state = step.state;
  }
  return state;
}

describe('alert state machine', () => {
  it('for = 0 fires at the first true evaluation and resolves at the first false one', () => {
    const s = run(rule(), [
      { at: T0, obs: v(0.01), state: 'inactive', event: null, notify: null },
      { at: T0 + MIN, obs: v(0.2), state: 'firing', event: 'inactive->firing', notify: 'firing' },
      { at: T0 + 2 * MIN, obs: v(0.3), state: 'firing', event: null, notify: null },
      { at: T0 + 3 * MIN, obs: v(0.05), state: 'resolved', event: 'firing->resolved', notify: 'resolved' },
      { at: T0 + 4 * MIN, obs: v(0.01), state: 'resolved', event: null, notify: null },
      { at: T0 + 5 * MIN, obs: v(0.5), state: 'firing', event: 'resolved->firing', notify: 'firing' },
    ]);
    assert.equal(s.firedAt, T0 + 5 * MIN);
    assert.equal(s.resolvedAt, T0 + 3 * MIN, 'the last resolution is remembered');
    assert.equal(s.value, 0.5);
  });

  it('for > 0 goes through pending and fires once the condition held that long', () => {
    const r = rule({ forMs: 5 * MIN });
    const s = run(r, [
      { at: T0, obs: v(0.2), state: 'pending', event: 'inactive->pending', notify: null },
      { at: T0 + 2 * MIN, obs: v(0.2), state: 'pending', event: null, notify: null },
      { at: T0 + 5 * MIN - 1, obs: v(0.2), state: 'pending', event: null, notify: null },
      { at: T0 + 5 * MIN, obs: v(0.2), state: 'firing', event: 'pending->firing', notify: 'firing' },
    ]);
    assert.equal(s.activeAt, T0, 'activeAt stays where the condition became true (Prometheus activeAt)');
    assert.equal(s.firedAt, T0 + 5 * MIN);
  });

  it('pending that turns false goes back to inactive, unnotified, and starts over', () => {
    const r = rule({ forMs: 5 * MIN });
    run(r, [
      { at: T0, obs: v(0.2), state: 'pending', event: 'inactive->pending', notify: null },
      { at: T0 + 3 * MIN, obs: v(0.0), state: 'inactive', event: 'pending->inactive', notify: null },
      { at: T0 + 4 * MIN, obs: v(0.2), state: 'pending', event: 'inactive->pending', notify: null },
      { at: T0 + 8 * MIN, obs: v(0.2), state: 'pending', event: null, notify: null },
      { at: T0 + 9 * MIN, obs: v(0.2), state: 'firing', event: 'pending->firing', notify: 'firing' },
    ]);
  });

  it('no data and errors keep every state as it is, and say why in health', () => {
    const r = rule({ forMs: 2 * MIN });
    const s = run(r, [
      { at: T0, obs: noData, state: 'inactive', event: null, notify: null },
      { at: T0 + MIN, obs: v(0.2), state: 'pending', event: 'inactive->pending', notify: null },
      { at: T0 + 2 * MIN, obs: noData, state: 'pending', event: null, notify: null },
      // The pending time kept running through the gap: the first true evaluation after it fires.
      { at: T0 + 3 * MIN, obs: v(0.2), state: 'firing', event: 'pending->firing', notify: 'firing' },
      { at: T0 + 4 * MIN, obs: noData, state: 'firing', event: null, notify: null },
      { at: T0 + 5 * MIN, obs: broken, state: 'firing', event: null, notify: null },
    ]);
    assert.deepEqual([s.health, s.lastError, s.value, s.evaluatedAt], ['error', 'boom', 0.2, T0 + 5 * MIN]);
    const back = advanceAlert(r, s, v(0.3), T0 + 6 * MIN).state;
    assert.deepEqual([back.health, back.lastError, back.state], ['ok', null, 'firing']);
    const quiet = advanceAlert(r, back, noData, T0 + 7 * MIN).state;
    assert.deepEqual([quiet.health, quiet.lastError], ['no_data', 'no traffic']);
  });

  it('the boundary is the operator: > is strict, >= is not; < and <= mirror them', () => {
    const r = rule();
    const at = (op: '>' | '>=' | '<' | '<=', value: number) =>
      advanceAlert(r, initialAlertState('errors'), { kind: 'value', value, condition: { op, threshold: 1 } }, T0).state.state;
    assert.deepEqual(
      [at('>', 1), at('>=', 1), at('<', 1), at('<=', 1), at('>', 1.0001), at('<', 0.9999)],
      ['inactive', 'firing', 'inactive', 'firing', 'firing', 'firing'],
    );
  });

  it('a firing alert is notified again every repeat interval while it holds, and not in between', () => {
    const r = rule({ repeatIntervalMs: 10 * MIN });
    let s = advanceAlert(r, initialAlertState('errors'), v(0.2), T0).state;
    const repeats: number[] = [];
    for (let t = T0 + MIN; t <= T0 + 25 * MIN; t += MIN) {
      const step = advanceAlert(r, s, v(0.2), t);
      assert.equal(step.event, null);
      if (step.notify !== null) {
        assert.deepEqual([step.notify, step.repeat], ['firing', true]);
        repeats.push((t - T0) / MIN);
      }
      s = step.state;
    }
    assert.deepEqual(repeats, [10, 20]);
    const never = rule({ repeatIntervalMs: 0 });
    const fired = advanceAlert(never, initialAlertState('errors'), v(0.2), T0).state;
    assert.equal(advanceAlert(never, fired, v(0.2), T0 + 30 * 86_400_000).notify, null);
  });

  it('disabling ends the alert: pending goes inactive, firing resolves (notified), others stay', () => {
    const r = rule({ forMs: MIN });
    const pending = advanceAlert(r, initialAlertState('errors'), v(0.2), T0).state;
    const d1 = advanceAlert(r, pending, { kind: 'disabled' }, T0 + 1);
    assert.deepEqual([d1.state.state, d1.event?.to, d1.notify], ['inactive', 'inactive', null]);
    const firing = advanceAlert(r, pending, v(0.2), T0 + MIN).state;
    const d2 = advanceAlert(r, firing, { kind: 'disabled' }, T0 + 2 * MIN);
    assert.deepEqual([d2.state.state, d2.event?.from, d2.notify, d2.state.resolvedAt], ['resolved', 'firing', 'resolved', T0 + 2 * MIN]);
    assert.match(d2.event!.message, /disabled/);
    const idle = advanceAlert(r, initialAlertState('errors'), { kind: 'disabled' }, T0);
    assert.deepEqual([idle.state, idle.event, idle.notify], [initialAlertState('errors'), null, null]);
  });

  it('events carry the value, the threshold and a message a person can read', () => {
    const r = rule({ forMs: 90_000 });
    const pending = advanceAlert(r, initialAlertState('errors'), v(0.125), T0);
    assert.equal(pending.event?.message, 'churn error_rate 0.125 > 0.05: pending, fires if it holds for 1m30s');
    const firing = advanceAlert(r, pending.state, v(0.1 + 0.2), T0 + 2 * MIN);
    assert.equal(firing.event?.message, 'churn error_rate 0.3 > 0.05 for 2m');
    assert.deepEqual([firing.event?.value, firing.event?.threshold, firing.event?.severity], [0.1 + 0.2, 0.05, 'warning']);
    const resolved = advanceAlert(r, firing.state, v(0.01), T0 + 3 * MIN);
    assert.equal(resolved.event?.message, 'churn error_rate 0.01 no longer > 0.05: resolved');
  });

  it('deleting a rule ends a pending or firing alert with an event; nothing otherwise', () => {
    const r = rule();
    const firing = advanceAlert(r, initialAlertState('errors'), v(0.2), T0).state;
    assert.deepEqual([deletionEvent(r, firing, T0 + 1)?.from, deletionEvent(r, firing, T0 + 1)?.to], ['firing', 'resolved']);
    assert.equal(deletionEvent(r, initialAlertState('errors'), T0), null);
  });
});
