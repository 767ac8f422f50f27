/**
 * HttpAdminClient against a scripted loopback HTTP server: the requests it sends (paths, headers, bodies), how it
 * picks the prediction route from the body and the reference, and how it turns answers into MooringErrors.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { HttpAdminClient } from '../../src/cli/http-admin-client.js';
import { MooringError } from '../../src/core/errors.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
/** The next answers, in order; when empty the server answers 200 `{}`. */
let answers: Array<{ status: number; body: string; headers?: Record<string, string> }> = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      const a = answers.shift() ?? { status: 200, body: '{}' };
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  seen = [];
  answers = [];
});

const client = (token: string | null = 'tok'): HttpAdminClient => new HttpAdminClient({ baseUrl: `${baseUrl}/`, token, actor: 'ann@box' });

async function rejection(p: Promise<unknown>): Promise<MooringError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MooringError, String(e));
    return e;
  }
  assert.fail('expected a rejection');
}

describe('HttpAdminClient', () => {
  it('sends the bearer token and the actor on every request', async () => {
    answers.push({ status: 200, body: '{"models":[]}' });
    assert.deepEqual(await client().listModels(), []);
    assert.equal(seen[0]?.url, '/api/models');
    assert.equal(seen[0]?.headers.authorization, 'Bearer tok');
    assert.equal(seen[0]?.headers['x-mooring-actor'], 'ann@box');
    await client(null).listModels();
    assert.equal(seen[1]?.headers.authorization, undefined);
  });

  it('registers by uploading the bytes, then creating the version from the digest', async () => {
    answers.push({ status: 201, body: '{"sha256":"abc","size_bytes":3,"format":"onnx"}' }, { status: 201, body: '{"version":1}' });
    await client().register({ name: 'iris', artifact: new Uint8Array([1, 2, 3]), metrics: { auc: 0.9 }, alias: 'staging', trainedAt: '2024-05-01' });
    assert.deepEqual([seen[0]?.method, seen[0]?.url, seen[0]?.headers['content-type']], ['POST', '/api/artifacts', 'application/octet-stream']);
    assert.deepEqual([...seen[0]!.body], [1, 2, 3]);
    assert.deepEqual([seen[1]?.method, seen[1]?.url], ['POST', '/api/models/iris/versions']);
    assert.deepEqual(JSON.parse(seen[1]!.body.toString()), { artifact_sha256: 'abc', metrics: { auc: 0.9 }, trained_at: '2024-05-01', alias: 'staging' });
  });

  it('uses the documented routes for aliases, deploys, history, audit and lookups', async () => {
    const c = client();
    await c.getVersion('iris@v3');
    await c.getVersion('iris/2');
    await c.getVersion('iris');
    await c.setAlias('iris', 'staging', 2, 'why');
    await c.deleteAlias('iris', 'staging', 'done now');
    await c.deploy('iris', 3);
    await c.rollback('iris', 'bad');
    answers.push({ status: 200, body: '{"events":[]}' }, { status: 200, body: '{"version":1}' }, { status: 200, body: '{"records":[]}' });
    await c.history('iris', 'production');
    await c.aliasAt('iris', 'production', 1234);
    await c.audit({ target: 'model:iris', limit: 5 });
    assert.deepEqual(
      seen.map((s) => `${s.method} ${s.url}`),
      [
        'GET /api/models/iris/versions/3',
        'GET /api/models/iris/versions/2',
        'GET /api/models/iris/versions/production',
        'PUT /api/models/iris/aliases/staging',
        'DELETE /api/models/iris/aliases/staging?reason=done+now',
        'POST /api/models/iris/deploy',
        'POST /api/models/iris/rollback',
        'GET /api/models/iris/history?alias=production',
        'GET /api/models/iris/aliases/production/at?time=1234',
        'GET /api/audit?target=model%3Airis&limit=5',
      ],
    );
    assert.deepEqual(JSON.parse(seen[3]!.body.toString()), { version: 2, reason: 'why' });
    assert.deepEqual(JSON.parse(seen[5]!.body.toString()), { version: 3 });
  });

  it('picks the prediction route from the body shape and the reference', async () => {
    const c = client();
    const v2 = { inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [1] }] };
    const records = { instances: [[1]] };
    answers.push({ status: 200, body: '{"model_version":"4"}', headers: { 'x-model-version': '4' } });
    assert.equal((await c.predict('iris', v2)).modelVersion, '4');
    answers.push({ status: 200, body: '{"model_version":"7"}' });
    assert.equal((await c.predict('iris/7', records)).modelVersion, '7');
    await c.predict('iris@staging', [[1]]);
    await c.predict('iris@latest', v2);
    await c.predict('iris@v2', records);
    assert.deepEqual(
      seen.map((s) => s.url),
      ['/v2/models/iris/infer', '/v1/models/iris/versions/7:predict', '/v1/models/iris/versions/staging:predict', '/v2/models/iris/versions/latest/infer', '/v1/models/iris/versions/2:predict'],
    );
    assert.deepEqual(JSON.parse(seen[2]!.body.toString()), { instances: [[1]] });
    assert.equal((await rejection(c.predict('iris', { rows: [] }))).code, 'INVALID_REQUEST');
  });

  it('rebuilds coded errors, and makes anything else INTERNAL', async () => {
    const c = client();
    answers.push({ status: 404, body: '{"error":"model \\"x\\" is not registered","code":"MODEL_NOT_FOUND","details":{"name":"x"}}' });
    const notFound = await rejection(c.getModel('x'));
    assert.deepEqual([notFound.code, notFound.message, notFound.details], ['MODEL_NOT_FOUND', 'model "x" is not registered', { name: 'x' }]);
    answers.push({ status: 500, body: '{"error":"boom","code":"SOMETHING_NEW"}' });
    assert.equal((await rejection(c.getModel('x'))).code, 'INTERNAL');
    answers.push({ status: 502, body: '<html>bad gateway</html>' });
    const gateway = await rejection(c.getModel('x'));
    assert.equal(gateway.code, 'INTERNAL');
    assert.match(gateway.message, /502/);
    answers.push({ status: 401, body: '' });
    assert.equal((await rejection(c.getModel('x'))).code, 'UNAUTHORIZED');
  });

  it('reports a server it cannot reach as SERVER_UNREACHABLE naming the URL', async () => {
    const e = await rejection(new HttpAdminClient({ baseUrl: 'http://127.0.0.1:1', token: null, actor: 'a' }).listModels());
    assert.equal(e.code, 'SERVER_UNREACHABLE');
    assert.equal(e.category, 'unavailable');
    assert.match(e.message, /http:\/\/127\.0\.0\.1:1/);
    const dns = await rejection(new HttpAdminClient({ baseUrl: 'http://mooring.invalid', token: null, actor: 'a' }).listModels());
    assert.equal(dns.code, 'SERVER_UNREACHABLE');
  });
});
