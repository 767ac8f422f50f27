/**
 * The worker-thread side of `WorkerLogWriter`: owns one prediction log connection and performs the writes the
 * main thread posts, one at a time, answering each with its sequence number. Not imported by anything: it is a
 * worker's entry module.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MooringError } from '../../core/errors.js';
import { openPredictionLog } from '../backends.js';
import type { PredictionLog } from '../prediction-log.js';
import type { WriterReply, WriterRequest } from './log-writer-messages.js';

const port = parentPort!;
const url = (workerData as { url: string }).url;
let log: PredictionLog | null = null;
let queue: Promise<void> = Promise.resolve();

function reply(r: WriterReply): void {
  port.postMessage(r);
}

async function handle(m: WriterRequest): Promise<void> {
  try {
    log ??= await openPredictionLog(url);
    if (m.op === 'append') reply({ seq: m.seq, ok: true, value: await log.appendEncoded(m.batch) });
    else if (m.op === 'deleteBefore') reply({ seq: m.seq, ok: true, value: await log.deleteBefore(m.at) });
    else {
      await log.close();
      log = null;
      reply({ seq: m.seq, ok: true, value: 0 });
      port.close();
    }
  } catch (e) {
    const err = e instanceof MooringError ? e : null;
    reply({ seq: m.seq, ok: false, code: err?.code ?? 'INTERNAL', message: (e as Error).message });
  }
}

// Requests run in order: a flush, a prune and a close never interleave.
port.on('message', (m: WriterRequest) => {
  queue = queue.then(() => handle(m));
});
