/**
 * The baseline of the benchmark: what a user would write by hand to serve a model. A bare `node:http` server with
 * onnxruntime-node answering `POST /v2/models/<name>/infer` with the same Open Inference Protocol v2 JSON request
 * and response shapes Mooring uses. Minimal checks on purpose: no validation, no metrics, no logging, no registry.
 * It is the yardstick, not a product.
 *
 * Usage: `node --import tsx bench/baseline-server.ts [port] [demo|heavy]` (port also from `PORT`; default 0 = any
 * free port). `demo` (the default) serves the demo churn model as `churn`; `heavy` the compute-heavy MLP of
 * bench/heavy-model.ts as `heavy`. Prints `READY <port>` on stdout once listening; SIGTERM/SIGINT close it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { buildDemoModel } from '../src/demo/demo-model.js';
import { HEAVY_MODEL_NAME, buildHeavyModel } from './heavy-model.js';

interface V2Input {
  name: string;
  shape: number[];
  data: number[];
}

const heavy = process.argv[3] === 'heavy';
if (process.argv[3] !== undefined && !heavy && process.argv[3] !== 'demo') {
  process.stderr.write(`baseline-server: unknown model ${JSON.stringify(process.argv[3])} (demo or heavy)\n`);
  process.exit(2);
}
const MODEL_NAME = heavy ? HEAVY_MODEL_NAME : 'churn';
const MODEL_VERSION = '1';
const PATH = `/v2/models/${MODEL_NAME}/infer`;

const session = await InferenceSession.create(heavy ? buildHeavyModel().bytes : buildDemoModel().bytes, {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: 'sequential',
  graphOptimizationLevel: 'all',
});
const outputNames = session.outputNames;

async function infer(text: string): Promise<string> {
  const input = (JSON.parse(text) as { inputs: V2Input[] }).inputs[0]!;
  const feeds = { [input.name]: new Tensor('float32', Float32Array.from(input.data), input.shape) };
  const results = await session.run(feeds);
  const outputs = outputNames.map((name) => {
    const t = results[name]!;
    const bool = t.type === 'bool';
    return {
      name,
      datatype: bool ? 'BOOL' : 'FP32',
      shape: t.dims,
      data: bool ? Array.from(t.data as Uint8Array, (v) => v !== 0) : Array.from(t.data as Float32Array),
    };
  });
  return JSON.stringify({ model_name: MODEL_NAME, model_version: MODEL_VERSION, outputs });
}

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== PATH) {
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    infer(Buffer.concat(chunks).toString('utf8')).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      (err: unknown) => {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: String(err) }));
      },
    );
  });
});

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`READY ${(server.address() as AddressInfo).port}\n`);
});
const close = (): void => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', close);
process.once('SIGINT', close);
