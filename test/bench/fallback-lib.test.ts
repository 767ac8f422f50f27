import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BodyMix, FRESH_ROWS, PhaseTally, answerKind, counterGains, freshRow, metricSamples, repeatRows } from '../../bench/fallback-lib.js';

describe('answerKind', () => {
  it('reads the x-mooring-fallback header: none is the primary model', () => {
    assert.equal(answerKind(undefined), 'primary');
    assert.equal(answerKind(''), 'primary');
    assert.equal(answerKind('cache'), 'cache');
    assert.equal(answerKind(['previous']), 'previous');
    assert.equal(answerKind('rules'), 'rules');
    assert.equal(answerKind('queue'), 'other');
    assert.equal(answerKind('primary'), 'other', 'a header never says primary');
  });
});

describe('freshRow and repeatRows', () => {
  it('gives distinct rows within the demo model ranges, none equal to a repeated row', () => {
    const seen = new Set<string>();
    for (let n = 0; n < 50_000; n++) {
      const [tenure, charges, calls, contract] = freshRow(n);
      assert.ok(Number.isInteger(tenure) && tenure >= 0 && tenure <= 72, `tenure ${tenure}`);
      assert.ok(charges >= 18 && charges <= 120, `charges ${charges}`);
      assert.ok(Number.isInteger(Math.round(charges * 100)) && Math.abs(charges * 100 - Math.round(charges * 100)) < 1e-6);
      assert.ok(Number.isInteger(calls) && calls >= 0 && calls <= 6, `calls ${calls}`);
      assert.ok([1, 12, 24].includes(contract), `contract ${contract}`);
      seen.add(JSON.stringify([tenure, charges, calls, contract]));
    }
    assert.equal(seen.size, 50_000);
    assert.deepEqual(freshRow(FRESH_ROWS + 7), freshRow(7), 'the sequence wraps after every row was given once');
    const repeats = repeatRows([
      [4, 94.5, 3, 1],
      [10, 18, 0, 12],
    ]);
    assert.deepEqual(repeats, [
      [4, 94.505, 3, 1],
      [10, 18.005, 0, 12],
    ]);
    for (const r of repeats) assert.ok(!seen.has(JSON.stringify(r)));
  });
});

describe('BodyMix', () => {
  it('spreads the repeated share evenly and never repeats a fresh body', () => {
    const mix = new BodyMix(['r0', 'r1', 'r2'], 0.25, (row) => JSON.stringify(row));
    const got = Array.from({ length: 400 }, () => mix.next());
    assert.deepEqual(mix.counts, { repeat: 100, fresh: 300 });
    // One repeat in every 4 bodies, never two in a row.
    for (let i = 0; i < got.length; i += 4) assert.equal(got.slice(i, i + 4).filter((b) => b.repeat).length, 1);
    assert.deepEqual(
      got.filter((b) => b.repeat).slice(0, 4).map((b) => b.body),
      ['r0', 'r1', 'r2', 'r0'],
    );
    const fresh = got.filter((b) => !b.repeat).map((b) => b.body);
    assert.equal(new Set(fresh).size, fresh.length);
  });

  it('refuses a share outside [0, 1] and a share with nothing to repeat', () => {
    assert.throws(() => new BodyMix(['a'], 1.5, String));
    assert.throws(() => new BodyMix([], 0.5, String));
    assert.equal(new BodyMix([], 0, String).next().repeat, false);
  });
});

describe('PhaseTally', () => {
  it('counts who answered, what went unanswered, and the latency of the answers', () => {
    const t = new PhaseTally('failing');
    for (let i = 1; i <= 50; i++) t.response(200, 'cache', i);
    for (let i = 1; i <= 30; i++) t.response(200, 'previous', 100 + i);
    for (let i = 1; i <= 10; i++) t.response(200, 'primary', 0.5);
    t.response(503, 'primary', 2, '{"error":"FALLBACK_EXHAUSTED"}');
    t.response(503, 'primary', 2, '{"error":"second"}');
    t.error();
    const s = t.summary();
    assert.equal(s.requests, 93);
    assert.equal(s.answered, 90);
    assert.equal(s.unanswered, 3);
    assert.equal(s.non2xx, 2);
    assert.equal(s.errors, 1);
    assert.deepEqual(s.counts, { primary: 10, cache: 50, previous: 30, rules: 0, other: 0 });
    assert.equal(s.shares.cache, 50 / 93);
    assert.equal(s.shares.rules, 0);
    const sum = s.shares.primary + s.shares.cache + s.shares.previous + s.shares.rules + s.shares.other + s.unanswered / s.requests;
    assert.ok(Math.abs(sum - 1) < 1e-12);
    assert.deepEqual(s.statuses, { '200': 90, '503': 2 });
    assert.deepEqual(s.samples, { '503': '{"error":"FALLBACK_EXHAUSTED"}' }, 'the first body of each status is kept');
    assert.deepEqual(s.byKind.cache, { count: 50, p50: 25, p99: 50 });
    assert.equal(s.byKind.rules.count, 0);
    assert.ok(Number.isNaN(s.byKind.rules.p50));
    // All 90 answers: 10 at 0.5 ms, 50 at 1..50, 30 at 101..130; the 45th is 35, the 90th (p99) is 130.
    assert.equal(s.p50, 35);
    assert.equal(s.p99, 130);
  });

  it('gives NaN shares for an empty phase', () => {
    const s = new PhaseTally('empty').summary();
    assert.equal(s.requests, 0);
    assert.ok(Number.isNaN(s.shares.primary));
  });
});

describe('metricSamples and counterGains', () => {
  const before = [
    '# HELP mooring_fallbacks_total Answers a fallback gave',
    '# TYPE mooring_fallbacks_total counter',
    'mooring_fallbacks_total{model="churn",kind="cache",reason="error"} 5',
    'mooring_fallbacks_total_extra{model="churn"} 99',
    'mooring_circuit_state{model="churn",version="2",state="open"} 0',
    'mooring_circuit_state{model="churn",version="2",state="closed"} 1',
  ].join('\n');
  const after = [
    'mooring_fallbacks_total{model="churn",kind="cache",reason="error"} 12',
    'mooring_fallbacks_total{model="churn",kind="cache",reason="circuit_open"} 3',
    'mooring_fallbacks_total{model="churn",kind="rules",reason="circuit_open"} 4',
    'mooring_fallbacks_total{model="other",kind="rules",reason="circuit_open"} 1',
    'mooring_uptime 7',
  ].join('\n');

  it('reads the samples of one metric with their labels, and no other metric', () => {
    assert.deepEqual(metricSamples(before, 'mooring_fallbacks_total'), [{ labels: { model: 'churn', kind: 'cache', reason: 'error' }, value: 5 }]);
    assert.deepEqual(metricSamples(after, 'mooring_uptime'), [{ labels: {}, value: 7 }]);
    assert.deepEqual(
      metricSamples(before, 'mooring_circuit_state').map((s) => `${s.labels.state}=${s.value}`),
      ['open=0', 'closed=1'],
    );
    assert.deepEqual(metricSamples('m{a="x\\"y"} 1', 'm'), [{ labels: { a: 'x"y' }, value: 1 }]);
  });

  it('gives the gains per label combination, summing the labels left out', () => {
    assert.deepEqual(counterGains(before, after, 'mooring_fallbacks_total', ['kind', 'reason']), [
      { key: 'cache/circuit_open', gain: 3 },
      { key: 'cache/error', gain: 7 },
      { key: 'rules/circuit_open', gain: 5 },
    ]);
    assert.deepEqual(counterGains(after, after, 'mooring_fallbacks_total', ['kind']), []);
  });
});
