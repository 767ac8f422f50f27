import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryAlertStore } from '../storage/memory/memory-alert-store.js';
import { FakeClock } from '../../test/conformance/registry-fixtures.js';
import { CapturingLogger, FakeSignals } from '../../test/helpers/fake-signals.js';
import { ManualScheduler } from '../../test/helpers/manual-scheduler.js';
import { backoffMs } from './alert-delivery.js';
import { AlertRuleService } from './alert-rules.js';
import { AlertEvaluator } from './alerts.js';

/** What the receiver got. */
interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

type Behaviour = (req: Received, res: ServerResponse, n: number) => void;

/** A webhook receiver on 127.0.0.1 (port 0) whose answers a test scripts per request. */
class Receiver {
  readonly received: Received[] = [];
  readonly #server: Server;
  readonly #waiters: Array<{ n: number; resolve: () => void }> = [];
  behaviour: Behaviour = (_req, res) => res.writeHead(200).end('ok');
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => (text += d));
      req.on('end', () => {
        const r: Received = { path: req.url ?? '', headers: req.headers, body: JSON.parse(text) as Record<string, unknown> };
        this.received.push(r);
        this.behaviour(r, res, this.received.length);
        for (const w of this.#waiters.filter((w) => this.received.length >= w.n)) w.resolve();
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Resolves once `n` requests have arrived. */
  requests(n: number): Promise<void> {
    if (this.received.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const receiver = new Receiver();
before(() => receiver.listen());
after(() => receiver.close());
beforeEach(() => {
  receiver.received.length = 0;
  receiver.behaviour = (_req, res) => res.writeHead(200).end('ok');
});

/** An evaluator over a memory store, one firing rule notifying the receiver; nothing waits for real time. */
async function firing(delivery: { maxAttempts?: number; timeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const scheduler = new ManualScheduler(clock);
  const store = new MemoryAlertStore({ clock: clock.clock });
  const signals = new FakeSignals().set('churn', 'error_rate', 0.25);
  const logger = new CapturingLogger();
  const evaluator = new AlertEvaluator({
    store,
    signals,
    logger,
    clock: clock.clock,
    scheduler,
    random: () => 0.5,
    delivery: { initialBackoffMs: 1000, maxBackoffMs: 60_000, timeoutMs: 5000, ...delivery },
  });
  await new AlertRuleService(store).putRule(
    {
      name: 'churn-errors',
      model: 'churn',
      signal: 'error_rate',
      op: '>',
      threshold: 0.05,
      severity: 'critical',
      description: 'see the runbook',
      notify: [{ type: 'webhook', url: `${receiver.url}/hooks/T000/s3cret?token=abc`, headers: { Authorization: 'Bearer s3cret' } }],
    },
    { actor: 'test' },
  );
  return { clock, scheduler, store, signals, logger, evaluator };
}

describe('webhook notifications', () => {
  test('POST an Alertmanager-like JSON body with the channel headers, once, and record the delivery', async () => {
    const t = await firing();
    await t.evaluator.evaluate(t.clock.now);
    await t.evaluator.idle();
    assert.equal(receiver.received.length, 1);
    const [got] = receiver.received;
    assert.equal(got?.path, '/hooks/T000/s3cret?token=abc');
    assert.equal(got?.headers['authorization'], 'Bearer s3cret');
    assert.equal(got?.headers['content-type'], 'application/json');
    const [delivery] = await t.store.listDeliveries();
    assert.deepEqual(got?.body, {
      status: 'firing',
      alert: 'churn-errors',
      model: 'churn',
      model_version: null,
      signal: 'error_rate',
      metric: null,
      column: null,
      op: '>',
      value: 0.25,
      threshold: 0.05,
      severity: 'critical',
      starts_at: new Date(t.clock.now).toISOString(),
      message: 'churn error_rate 0.25 > 0.05',
      description: 'see the runbook',
      repeat: false,
      event_id: delivery?.eventId,
      notification_id: delivery?.id,
    });
    assert.deepEqual([delivery?.status, delivery?.attempts, delivery?.target], ['delivered', 1, `webhook ${receiver.url}`]);

    t.signals.set('churn', 'error_rate', 0.01);
    t.clock.advance(60_000);
    await t.evaluator.evaluate(t.clock.now);
    await t.evaluator.idle();
    const resolved = receiver.received[1]?.body;
    assert.deepEqual([resolved?.['status'], resolved?.['value'], resolved?.['ends_at']], ['resolved', 0.01, new Date(t.clock.now).toISOString()]);
    assert.equal(resolved?.['starts_at'], got?.body['starts_at']);
  });

  test('a receiver that fails twice is retried with backoff until it answers; the same notification id each time', async () => {
    receiver.behaviour = (_req, res, n) => res.writeHead(n <= 2 ? 503 : 204).end();
    const t = await firing();
    await t.evaluator.evaluate(t.clock.now);
    await t.evaluator.idle();
    let [d] = await t.store.listDeliveries();
    assert.deepEqual([d?.status, d?.attempts, d?.lastError, receiver.received.length], ['pending', 1, 'HTTP 503', 1]);
    // Equal jitter with random() = 0.5: 3/4 of 1 s, then of 2 s.
    assert.equal(d?.nextAttemptAt, t.clock.now + 750);
    await t.scheduler.advance(749);
    assert.equal(receiver.received.length, 1, 'not before the backoff');
    await t.scheduler.advance(1);
    await t.evaluator.idle();
    assert.equal(receiver.received.length, 2);
    await t.scheduler.advance(1500);
    await t.evaluator.idle();
    [d] = await t.store.listDeliveries();
    assert.deepEqual([d?.status, d?.attempts, d?.lastError, receiver.received.length], ['delivered', 3, null, 3]);
    assert.equal(new Set(receiver.received.map((r) => r.body['notification_id'])).size, 1);
    assert.equal(t.logger.matching(/will retry/).length, 2);
    assert.equal(t.scheduler.pending, 0, 'no retry left scheduled');
  });

  test('a receiver that hangs times out, is retried, and is given up after the last attempt; evaluation never waits', async () => {
    const held: ServerResponse[] = [];
    receiver.behaviour = (_req, res) => void held.push(res);
    const t = await firing({ maxAttempts: 2, timeoutMs: 5000 });
    await t.evaluator.evaluate(t.clock.now);
    await receiver.requests(1);
    // Rounds go on while the webhook hangs.
    assert.equal((await t.evaluator.evaluate(t.clock.now)).leader, true);
    await t.scheduler.advance(5000);
    await t.evaluator.idle();
    let [d] = await t.store.listDeliveries();
    assert.deepEqual([d?.status, d?.attempts, d?.lastError], ['pending', 1, 'timed out after 5000 ms']);
    await t.scheduler.advance(750);
    await receiver.requests(2);
    await t.scheduler.advance(5000);
    await t.evaluator.idle();
    [d] = await t.store.listDeliveries();
    assert.deepEqual([d?.status, d?.attempts, d?.lastError], ['failed', 2, 'timed out after 5000 ms']);
    const [gaveUp] = t.logger.matching(/giving up/);
    assert.equal(gaveUp?.level, 'error');
    assert.equal(gaveUp?.obj['target'], `webhook ${receiver.url}`);
    assert.doesNotMatch(JSON.stringify(t.logger.lines), /s3cret|token=abc/, 'never the URL path, query or headers in logs');
    for (const res of held) res.destroy();
  });

  test('a 4xx is not retried; a refused connection is', async () => {
    receiver.behaviour = (_req, res) => res.writeHead(400).end('bad');
    const t = await firing();
    await t.evaluator.evaluate(t.clock.now);
    await t.evaluator.idle();
    const [d] = await t.store.listDeliveries();
    assert.deepEqual([d?.status, d?.attempts, d?.lastError, t.scheduler.pending], ['failed', 1, 'HTTP 400', 0]);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const u = await firing();
    const rule = (await u.store.getRule('churn-errors'))!.rule;
    // Nothing listens there any more.
    await u.store.putRule({ ...rule, notify: [{ type: 'webhook', url: `http://127.0.0.1:${port}/x`, headers: {} }] }, { actor: 't' });
    await u.evaluator.evaluate(u.clock.now);
    await u.evaluator.idle();
    const [e] = await u.store.listDeliveries();
    assert.deepEqual([e?.status, e?.lastError], ['pending', 'ECONNREFUSED']);
    await u.evaluator.stop();
  });

  test('pending notifications survive a restart: the next evaluator sends them', async () => {
    receiver.behaviour = (_req, res) => res.writeHead(503).end();
    const t = await firing();
    await t.evaluator.evaluate(t.clock.now);
    await t.evaluator.idle();
    await t.evaluator.stop();
    receiver.behaviour = (_req, res) => res.writeHead(200).end();
    const next = new AlertEvaluator({ store: t.store, signals: t.signals, logger: t.logger, clock: t.clock.clock, scheduler: t.scheduler });
    t.clock.advance(10_000);
    await next.evaluate(t.clock.now);
    await next.idle();
    const [d] = await t.store.listDeliveries();
    assert.deepEqual([d?.status, d?.attempts, receiver.received.length], ['delivered', 2, 2]);
  });

  test('backoff doubles up to its cap, with jitter between half and all of it', () => {
    const at = (n: number, r: number) => backoffMs(n, 1000, 60_000, () => r);
    assert.deepEqual([1, 2, 3, 7, 8, 20].map((n) => at(n, 0)), [500, 1000, 2000, 30_000, 30_000, 30_000]);
    assert.deepEqual([1, 2, 3].map((n) => at(n, 0.999999)), [1000, 2000, 4000]);
  });
});
