import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { JsonText } from '../../core/monitoring/prediction-record.js';
import { openPredictionLog } from '../backends.js';
import { WorkerLogWriter } from './worker-log-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'mooring-writer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function record(id: string, at: number) {
  return {
    id, at, model: 'm', version: 1, route: 'production' as const, rows: 1, inputs: { instances: [{ a: 1, '__proto__': 'x' }] },
    outputs: { predictions: [[0.5]] }, latencyMs: 1, status: 'ok' as const, error: null, flags: ['out_of_distribution'],
  };
}

describe('WorkerLogWriter', () => {
  it('writes batches on a worker thread that the main thread reads back, in order, with keys and retention', async () => {
    const url = `sqlite://${join(dir, 'p.db')}`;
    const writer = new WorkerLogWriter(url);
    const reader = await openPredictionLog(url);
    try {
      assert.equal(await writer.append([record('a', 1), record('b', 2)], { key: 'batch-1' }), 2);
      assert.equal(await writer.append([record('a', 1), record('b', 2)], { key: 'batch-1' }), 0, 'a retried key is a no-op');
      assert.equal(await writer.append([record('b', 2), record('c', 3)]), 2, 'a repeated id is another prediction');
      const page = await reader.query({ model: 'm' });
      assert.deepEqual(page.items.map((p) => p.id), ['c', 'b', 'b', 'a']);
      assert.deepEqual(page.items[0]!.inputs, record('c', 3).inputs);
      assert.deepEqual(page.items[0]!.flags, ['out_of_distribution']);
      assert.equal(await writer.deleteBefore(2), 1);
      assert.equal(await reader.count({ model: 'm' }), 3);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('carries a JsonText across the thread verbatim (it reads back as JSON.parse of its text)', async () => {
    const url = `sqlite://${join(dir, 'j.db')}`;
    const writer = new WorkerLogWriter(url);
    const reader = await openPredictionLog(url);
    const text = '{\n  "inputs": [{"name": "x", "data": [-0, 1.5]}],\n  "s": "nul \\u0000 inside"\n}';
    try {
      assert.equal(await writer.append([{ ...record('t', 1), inputs: new JsonText(text), outputs: new JsonText('[1,2]') }]), 1);
      const [p] = (await reader.query({ model: 'm' })).items;
      assert.deepStrictEqual([p?.inputs, p?.outputs], [JSON.parse(text), [1, 2]]);
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('rejects with the coded error the log raised, and keeps working', async () => {
    const writer = new WorkerLogWriter(`sqlite://${join(dir, 'q.db')}`);
    try {
      await assert.rejects(writer.append([{ ...record('x', 1), model: '' }]), (e: Error & { code?: string }) => e.code === 'INVALID_REQUEST');
      assert.equal(await writer.append([record('y', 1)]), 1);
    } finally {
      await writer.close();
    }
  });

  it('fails every call once its worker cannot open the log', async () => {
    const writer = new WorkerLogWriter('sqlite:///dev/null/not-a-dir/here.db');
    await assert.rejects(writer.append([record('z', 1)]));
    await writer.close();
  });
});
