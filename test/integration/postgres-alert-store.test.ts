import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { initialAlertState } from '../../src/core/monitoring/alert-state.js';
import { openAlertStore } from '../../src/storage/backends.js';
import { openPostgresAlertStore } from '../../src/storage/postgres/postgres-alert-store.js';
import { openPostgresRegistryStore } from '../../src/storage/postgres/postgres-registry-store.js';
import { alertRule, alertStoreSuite, evaluation } from '../conformance/alert-store.suite.js';
import { minimalVersion } from '../conformance/registry-fixtures.js';
import { POSTGRES_SKIP, freshSchemas, migrationTables, postgresUrl } from './services.js';
import { AlertEvaluator } from '../../src/services/alerts.js';
import { CapturingLogger, FakeSignals } from '../helpers/fake-signals.js';

const url = postgresUrl();

if (url === null) {
  test('PostgreSQL alert store', { skip: POSTGRES_SKIP }, () => undefined);
} else {
  // Every open gets its own fresh schema (so each conformance test starts empty); all are dropped at the end.
  const freshSchema = freshSchemas(url, 'mooring_test_alerts');

  alertStoreSuite('postgres', (clock) => openPostgresAlertStore(url, { clock, schema: freshSchema() }));

  describe('PostgreSQL alert store across pools', () => {
    test('shares one schema with the registry: each keeps its own tables and migration history', async () => {
      const schema = freshSchema();
      const registry = await openPostgresRegistryStore(url, { schema });
      const alerts = await openAlertStore(url, { schema });
      try {
        await registry.createVersion(minimalVersion('churn'), { actor: 'a' });
        assert.equal((await alerts.putRule(alertRule('errors'), { actor: 'a' })).change, 'create');
      } finally {
        await Promise.all([registry.close(), alerts.close()]);
      }
      assert.deepEqual(await migrationTables(url, schema), ['alert_migration', 'kysely_migration']);
    });

    test('pools racing for the lease: exactly one holder per round, and only its rounds are written', async () => {
      const schema = freshSchema();
      const stores = await Promise.all([0, 1, 2, 3].map(() => openPostgresAlertStore(url, { schema })));
      try {
        const rule = alertRule('errors');
        await stores[0]!.putRule(rule, { actor: 'a' });
        for (let round = 0; round < 5; round++) {
          const won = await Promise.all(stores.map((s, i) => s.acquireLease('alerts', `h${i}`, 60_000)));
          assert.equal(won.filter(Boolean).length, 1, `round ${round}`);
          const winner = won.indexOf(true);
          const write = evaluation(rule, initialAlertState('errors'), round % 2, Date.now());
          const wrote = await Promise.all(stores.map((s, i) => s.recordEvaluations([write], { name: 'alerts', holder: `h${i}` })));
          assert.deepEqual(wrote.map((w, i) => (w ? i : -1)).filter((i) => i >= 0), [winner]);
          await stores[winner]!.releaseLease('alerts', `h${winner}`);
        }
        // Concurrent creators of one rule: one creates, the others replace or find it unchanged; one row either way.
        const results = await Promise.all(stores.map((s, i) => s.putRule(alertRule('same', { threshold: i }), { actor: `p${i}` })));
        assert.equal(results.filter((r) => r.change === 'create').length, 1);
        assert.equal((await stores[1]!.listRules()).filter((r) => r.rule.name === 'same').length, 1);
      } finally {
        await Promise.all(stores.map((s) => s.close()));
      }
    });

    test('two evaluators on one database, evaluating at the same moments: one leads, one notification per change', async () => {
      const schema = freshSchema();
      const stores = await Promise.all([0, 1].map(() => openPostgresAlertStore(url, { schema })));
      const signals = new FakeSignals().set('churn', 'error_rate', 0.5);
      const loggers = [new CapturingLogger(), new CapturingLogger()];
      const evaluators = stores.map((store, i) => new AlertEvaluator({ store, signals, logger: loggers[i]!, holder: `replica-${i}` }));
      try {
        await stores[0]!.putRule(alertRule('errors'), { actor: 'a' });
        for (let round = 0; round < 4; round++) {
          if (round === 2) signals.set('churn', 'error_rate', 0.01);
          const reports = await Promise.all(evaluators.map((e) => e.evaluate()));
          assert.equal(reports.filter((r) => r.leader).length, 1, `round ${round}`);
        }
        await Promise.all(evaluators.map((e) => e.idle()));
        const notified = loggers.flatMap((l) => l.matching(/^alert (firing|resolved)/)).map((l) => l.msg.split(':')[0]);
        assert.deepEqual(notified.sort(), ['alert firing', 'alert resolved']);
        const events = (await stores[1]!.events({ rule: 'errors' })).items.map((e) => e.to);
        assert.deepEqual(events, ['resolved', 'firing']);
      } finally {
        await Promise.all(evaluators.map((e) => e.stop()));
        await Promise.all(stores.map((s) => s.close()));
      }
    });
  });
}
