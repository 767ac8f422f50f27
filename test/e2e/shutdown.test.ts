/**
 * Graceful shutdown of the real `mooring serve` process: on SIGTERM readiness turns 503 at once while inference
 * keeps answering through the drain delay, every request of a concurrent burst ends in a 200 or a clean refusal
 * (503, or the connection refused once the listener is closed) and none hangs or is cut mid-response, the
 * process exits 0, `server.json` is removed, and stdout holds structured JSON log lines, with `req_id` on the
 * request lines.
 */
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { linearModel } from '../fixtures/models.js';
import { spawnServe } from '../helpers/child-server.js';
import type { ChildServer } from '../helpers/child-server.js';
import { close, linearExpect, pollUntil, tempHome } from '../helpers/harness.js';

const TOKEN = 'shutdown-test-token-0123456789abcdef';
const X = [1, 2, 3, 4];
const linear = linearModel();
const BODY = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: X }] });
const CLIENTS = 16;
/** A hard cap on the burst, so the test is bounded even if the server never stopped answering. */
const MAX_REQUESTS = 40_000;

let home: string;
let server: ChildServer | undefined;

before(() => {
  home = tempHome('shutdown');
});

after(() => {
  agent.destroy();
  server?.kill();
  rmSync(home, { recursive: true, force: true });
});

type Result =
  | { kind: 'ok'; reused: boolean; connection: string | undefined }
  | { kind: 'refused'; how: string }
  | { kind: 'bad'; how: string };

/** Keep-alive connections, as most HTTP client libraries use them. */
const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });

/**
 * One inference request over node:http (which tells whether the request went out on a reused keep-alive socket),
 * classified:
 * - 200 with the right answer: ok; 503 with a JSON error, or ECONNREFUSED: a clean refusal;
 * - the connection reset before any response on a fresh socket: the listener closed while the connection was
 *   still in its accept backlog, so the server never read the request: counted as refused (the server-side
 *   request log below confirms nothing the server read went unanswered);
 * - reset before any response on a reused keep-alive socket: bad (the server closed a connection it had not told
 *   the client to stop reusing, so a POST that may or may not have run fails);
 * - anything going wrong after the response started: bad (cut mid-response).
 */
function inferOnce(url: string): Promise<Result> {
  return new Promise((resolve) => {
    let responded = false;
    const req = http.request(`${url}/v2/models/linear/infer`, {
      method: 'POST',
      agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const code = e.code ?? e.message;
      if (responded) resolve({ kind: 'bad', how: `response cut: ${code}` });
      else if (code === 'ECONNREFUSED') resolve({ kind: 'refused', how: code });
      else if (!req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE')) resolve({ kind: 'refused', how: `${code} on a fresh connection` });
      else resolve({ kind: 'bad', how: `${code} before any response${req.reusedSocket ? ' on a reused keep-alive connection' : ''}` });
    });
    req.on('response', (res) => {
      responded = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('aborted', () => resolve({ kind: 'bad', how: `response cut after status ${res.statusCode}` }));
      res.on('error', (e) => resolve({ kind: 'bad', how: `response cut after status ${res.statusCode}: ${e.message}` }));
      res.on('end', () => {
        if (!res.complete) return resolve({ kind: 'bad', how: `response cut after status ${res.statusCode}` });
        if (res.statusCode === 503) {
          const body = JSON.parse(text) as { error?: unknown };
          return resolve(typeof body.error === 'string' ? { kind: 'refused', how: '503' } : { kind: 'bad', how: `503 without an error: ${text}` });
        }
        if (res.statusCode !== 200) return resolve({ kind: 'bad', how: `status ${res.statusCode}: ${text.slice(0, 200)}` });
        const body = JSON.parse(text) as { outputs: Array<{ data: number[] }> };
        const y = body.outputs[0]?.data[0];
        if (typeof y !== 'number' || !close(y, linearExpect(linear, X))) return resolve({ kind: 'bad', how: `wrong answer ${text}` });
        resolve({ kind: 'ok', reused: req.reusedSocket, connection: res.headers.connection });
      });
    });
    // A request that gets no answer at all is the "hangs" failure; the bound only keeps the test finite.
    req.setTimeout(30_000, () => {
      resolve({ kind: 'bad', how: 'no answer within 30 s (hung)' });
      req.destroy();
    });
    req.end(BODY);
  });
}

describe('SIGTERM', () => {
  test('drains: readiness 503, inference still 200, clean refusals only, exit 0, server.json removed, JSON logs', { timeout: 120_000 }, async () => {
    server = await spawnServe(home, {
      MOORING_DRAIN_DELAY_MS: '500',
      MOORING_LOG_REQUESTS: 'true',
      MOORING_LOG_LEVEL: 'info',
      MOORING_ADMIN_TOKEN: TOKEN,
    });
    const { url } = server;
    assert.ok(existsSync(join(home, 'server.json')));

    // Register and deploy the linear model through the admin API.
    const auth = { authorization: `Bearer ${TOKEN}` };
    const up = await fetch(`${url}/api/artifacts`, { method: 'POST', headers: { ...auth, 'content-type': 'application/octet-stream' }, body: linear.bytes });
    assert.equal(up.status, 201, await up.clone().text());
    const { sha256 } = (await up.json()) as { sha256: string };
    const reg = await fetch(`${url}/api/models/linear/versions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ artifact_sha256: sha256, alias: 'production' }),
    });
    assert.equal(reg.status, 201, await reg.text());
    assert.equal((await fetch(`${url}/v2/health/ready`)).status, 200);
    assert.equal((await inferOnce(url)).kind, 'ok');

    // The burst: 16 loops, each sending until it is refused (bounded by MAX_REQUESTS in all).
    let sent = 0;
    let completed = 0;
    const results: Result[] = [];
    let signalled: () => void = () => undefined;
    const fiftyDone = new Promise<void>((r) => (signalled = r));
    const loop = async (): Promise<void> => {
      while (sent < MAX_REQUESTS) {
        sent++;
        const r = await inferOnce(url);
        results.push(r);
        if (++completed === 50) signalled();
        if (r.kind !== 'ok') return;
      }
    };
    const burst = Promise.all(Array.from({ length: CLIENTS }, loop));

    await fiftyDone;
    assert.ok(server.child.kill('SIGTERM'), 'SIGTERM delivered');

    // During the drain delay: readiness answers 503, and then an inference still answers 200.
    const ready = await pollUntil('readiness to turn 503', async () => {
      const r = await fetch(`${url}/v2/health/ready`);
      const body = (await r.json()) as { ready: boolean };
      return r.status === 503 ? body : undefined;
    });
    assert.deepEqual(ready, { ready: false });
    const during = await inferOnce(url);
    assert.equal(during.kind, 'ok', `inference during the drain delay: ${JSON.stringify(during)}`);

    await burst;
    const exit = await server.exited;

    assert.ok(results.filter((r) => r.kind === 'ok').length >= 50);
    assert.ok(sent < MAX_REQUESTS, 'the server stopped answering once it shut down');
    assert.deepEqual(exit, { code: 0, signal: null }, `exit status\n--- stderr\n${server.stderr()}`);
    assert.equal(existsSync(join(home, 'server.json')), false, 'server.json is removed');

    // After exit nothing answers.
    assert.equal((await inferOnce(url)).kind, 'refused');

    // Logs: every stdout line is a JSON object with level, time and msg; request lines carry req_id.
    const lines = server.stdout().split('\n').filter((l) => l.length > 0);
    assert.ok(lines.length > 0, 'the server logged to stdout');
    const entries = lines.map((l, i) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        throw new Error(`stdout line ${i} is not JSON: ${l}`);
      }
    });
    for (const e of entries) {
      assert.ok('level' in e && 'time' in e && typeof e.msg === 'string', `log line has level, time and msg: ${JSON.stringify(e)}`);
    }
    const requestLines = entries.filter((e) => e.msg === 'incoming request' || e.msg === 'request completed' || 'req' in e || 'res' in e);
    assert.ok(requestLines.length > 0, 'request lines were logged (MOORING_LOG_REQUESTS=true)');
    for (const e of requestLines) assert.equal(typeof e.req_id, 'string', `request line carries req_id: ${JSON.stringify(e)}`);
    // Every request the server read was answered: each req_id that came in also completed.
    const incoming = new Set(entries.filter((e) => e.msg === 'incoming request').map((e) => e.req_id));
    const done = new Set(entries.filter((e) => e.msg === 'request completed').map((e) => e.req_id));
    assert.ok(incoming.size >= results.filter((r) => r.kind === 'ok').length, 'every answered request was logged');
    assert.deepEqual([...incoming].filter((id) => !done.has(id)), [], 'requests the server read but never completed');
    const messages = entries.map((e) => e.msg);
    assert.ok(messages.some((m) => typeof m === 'string' && /shutting down/.test(m)), 'the shutdown was logged');
    assert.ok(messages.includes('shutdown complete'), 'the last line was flushed before exit');

    // Last, so that everything above is checked even when this fails: no request hung up badly.
    const bad = results.filter((r) => r.kind === 'bad');
    assert.deepEqual(bad.slice(0, 10), [], `${bad.length} of ${results.length} requests hung up badly`);
  });
});
