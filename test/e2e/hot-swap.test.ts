/**
 * Hot swap under load, over real sockets: 16 client loops send linear-model infers (3,000 in all) while the admin
 * API deploys version 2, rolls back, deploys 2 again and rolls back again. Every request must answer 200 with the
 * numbers of the version its `x-model-version` names, both versions must be seen, and a request sent after a
 * deploy/rollback call returned (with no other switch under way) must be answered by the new version.
 * Bounded by request count, never by time; no timing assertions.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { linearModel, linearModelV2 } from '../fixtures/models.js';
import { close, linearExpect, startTestServer } from '../helpers/harness.js';
import type { TestServer } from '../helpers/harness.js';

const CLIENTS = 16;
const TOTAL = 3000;
/** Requests completed between two switches. */
const GAP = 400;

const weights: Record<string, { weights: readonly number[]; bias: number }> = { '1': linearModel(), '2': linearModelV2() };

let s: TestServer;

before(async () => {
  // A short sync interval and no unload grace, so the pool's sweeper runs during the swaps and would unload
  // anything not pinned: the version being replaced must survive it.
  s = await startTestServer({ overrides: { registry: { syncIntervalMs: 20 }, runtime: { unloadGraceMs: 0 } } });
  await s.register('linear', linearModel().bytes, { alias: 'production' });
  await s.register('linear', linearModelV2().bytes);
});

after(async () => {
  await s?.close();
});

interface Outcome {
  status: number;
  version: string | undefined;
  /** Why the answer is wrong, if it is. */
  problem?: string;
  /** True when no switch was under way from before the request was sent until its answer came back. */
  settled: boolean;
  /** Switches completed when the request was sent. */
  switchesDone: number;
}

describe('hot swap under concurrent load', () => {
  test('deploy, rollback, deploy, rollback: zero failed requests, every answer from the version it names', { timeout: 180_000 }, async () => {
    let started = 0;
    let completed = 0;
    let switchesStarted = 0;
    let switchesDone = 0;
    const outcomes: Outcome[] = [];
    const waiters: Array<{ count: number; resolve: () => void }> = [];
    const notify = (): void => {
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (completed >= waiters[i]!.count) {
          waiters[i]!.resolve();
          waiters.splice(i, 1);
        }
      }
    };
    const completedAtLeast = (count: number): Promise<void> =>
      completed >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));

    const one = async (i: number): Promise<Outcome> => {
      const x = [i % 7, (i % 5) - 2, 0.5, (i % 3) * 0.25];
      const s0 = switchesStarted;
      const d0 = switchesDone;
      let outcome: Outcome;
      try {
        const res = await fetch(`${s.url}/v2/models/linear/infer`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ id: `r${i}`, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: x }] }),
        });
        const text = await res.text();
        const version = res.headers.get('x-model-version') ?? undefined;
        outcome = { status: res.status, version, settled: s0 === d0 && switchesStarted === s0, switchesDone: d0 };
        if (res.status !== 200) outcome.problem = `status ${res.status}: ${text.slice(0, 200)}`;
        else {
          const body = JSON.parse(text) as { model_version: string; id: string; outputs: Array<{ data: number[] }> };
          const w = version === undefined ? undefined : weights[version];
          const y = body.outputs[0]?.data[0];
          if (!w) outcome.problem = `unknown version ${version}`;
          else if (body.model_version !== version) outcome.problem = `header ${version} but body ${body.model_version}`;
          else if (body.id !== `r${i}`) outcome.problem = `id ${body.id} for r${i}`;
          else if (typeof y !== 'number' || !close(y, linearExpect(w, x))) outcome.problem = `y ${y} is not version ${version}'s answer for ${x}`;
        }
      } catch (e) {
        outcome = { status: 0, version: undefined, settled: false, switchesDone: d0, problem: `request failed: ${(e as Error).message}` };
      }
      return outcome;
    };

    const client = async (): Promise<void> => {
      while (started < TOTAL) {
        const i = started++;
        outcomes.push(await one(i));
        completed++;
        notify();
      }
    };

    // The version production holds after each number of completed switches.
    const expectedAfter = ['1', '2', '1', '2', '1'];
    const switches: Array<[string, unknown, string]> = [
      ['/api/models/linear/deploy', { version: 2 }, '2'],
      ['/api/models/linear/rollback', {}, '1'],
      ['/api/models/linear/deploy', { version: 2 }, '2'],
      ['/api/models/linear/rollback', {}, '1'],
    ];
    const firstAfterSwitch: string[] = [];
    const controller = async (): Promise<void> => {
      let mark = 0;
      for (const [path, body, version] of switches) {
        mark += GAP;
        await completedAtLeast(mark);
        switchesStarted++;
        const r = await s.admin('POST', path, body);
        switchesDone++;
        assert.equal(r.status, 200, `${path}: ${r.text}`);
        assert.equal(r.body.to_version, Number(version), r.text);
        // The very next request answers with the new version.
        const next = await one(-1 - switchesDone);
        firstAfterSwitch.push(next.version ?? `status ${next.status}`);
      }
    };

    await Promise.all([controller(), ...Array.from({ length: CLIENTS }, client)]);

    assert.equal(outcomes.length, TOTAL);
    const failures = outcomes.filter((o) => o.problem !== undefined);
    assert.deepEqual(
      failures.slice(0, 10).map((o) => o.problem),
      [],
      `${failures.length} of ${TOTAL} requests failed or answered wrongly`,
    );
    assert.equal(outcomes.filter((o) => o.status === 200).length, TOTAL, 'every answer is 200');
    assert.deepEqual(firstAfterSwitch, ['2', '1', '2', '1'], 'the first request after each switch answers the new version');
    const seen = new Set(outcomes.map((o) => o.version));
    assert.ok(seen.has('1') && seen.has('2'), `both versions answered (saw ${[...seen].join(', ')})`);
    // Requests sent and answered while no switch was under way were answered by the version production held.
    const wrong = outcomes.filter((o) => o.settled && o.version !== expectedAfter[o.switchesDone]);
    assert.deepEqual(
      wrong.slice(0, 10).map((o) => `after ${o.switchesDone} switches answered ${o.version}`),
      [],
      `${wrong.length} settled requests answered by the wrong version`,
    );
    assert.ok(outcomes.filter((o) => o.settled).length > TOTAL / 2, 'most requests ran with no switch under way');

    // Production ends on version 1, with version 2 kept warm as the rollback target.
    const health = await s.fetchJson('/api/health');
    const linear = health.body.models.find((m: { name: string }) => m.name === 'linear');
    assert.equal(linear.production_version, 1);
    assert.deepEqual(linear.loaded_versions, [1, 2]);
  });
});
