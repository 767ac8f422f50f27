import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ERROR_CODES, MooringError, fail } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import type { PredictionRecord } from '../../core/monitoring/prediction-record.js';
import type { AppendOptions, PredictionLog } from '../prediction-log.js';
import { encodeBatch } from '../prediction-log-segment.js';
import type { WriterReply, WriterRequest } from './log-writer-messages.js';

/** The write side of a prediction log: what the batching writer needs. */
export type PredictionLogWriter = Pick<PredictionLog, 'append' | 'deleteBefore' | 'close'>;

/**
 * The prediction log's writes on a worker thread (ADR 11, ADR 12). Storing a prediction in an embedded SQLite file
 * still costs several µs of CPU on these machines (ADR 12 has the figures), nearly all of it in SQLite and the
 * kernel moving the bytes; better-sqlite3 is synchronous, so on the main thread that time is taken from requests.
 * Here the main thread checks and encodes each batch (`encodeBatch`, well under that) and posts the encoded
 * segments; the worker, with its own connection, stores them. Reads stay on the main thread's connection (WAL lets
 * them run beside the writer).
 */
export class WorkerLogWriter implements PredictionLogWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: number) => void; reject: (e: Error) => void }>();
  #seq = 0;
  #closed: Promise<void> | null = null;
  #failure: Error | null = null;

  constructor(url: string) {
    const entry = workerEntry();
    this.#worker = entry.pathname.endsWith('.ts')
      ? // Under tsx (tests, `tsx` scripts) the worker registers the TypeScript loader in its own thread first.
        new Worker(`import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`, {
          eval: true,
          workerData: { url },
        })
      : new Worker(entry, { workerData: { url } });
    this.#worker.unref();
    this.#worker.on('message', (r: WriterReply) => this.#settle(r));
    this.#worker.on('error', (e) => this.#fail(e));
    this.#worker.on('exit', () => this.#fail(new Error('the prediction log writer stopped')));
  }

  append(records: readonly PredictionRecord[], options?: AppendOptions): Promise<number> {
    try {
      // Checked and encoded here, so a malformed record rejects before anything is posted.
      return this.#send({ op: 'append', seq: ++this.#seq, batch: encodeBatch(records, options) });
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  deleteBefore(at: number): Promise<number> {
    return this.#send({ op: 'deleteBefore', seq: ++this.#seq, at });
  }

  close(): Promise<void> {
    this.#closed ??= this.#send({ op: 'close', seq: ++this.#seq })
      .catch(() => undefined)
      .then(() => this.#worker.terminate())
      .then(() => undefined);
    return this.#closed;
  }

  #send(m: WriterRequest): Promise<number> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#pending.set(m.seq, { resolve, reject });
      this.#worker.postMessage(m);
    });
  }

  #settle(r: WriterReply): void {
    const p = this.#pending.get(r.seq);
    if (!p) return;
    this.#pending.delete(r.seq);
    if (r.ok) p.resolve(r.value);
    else p.reject(r.code in ERROR_CODES ? new MooringError(r.code as ErrorCode, r.message) : fail('INTERNAL', r.message));
  }

  #fail(e: Error): void {
    this.#failure ??= e;
    for (const p of this.#pending.values()) p.reject(e);
    this.#pending.clear();
  }
}

/** The worker's entry: the compiled `.js` beside this file, or the `.ts` source when running under tsx. */
function workerEntry(): URL {
  const js = new URL('./log-writer-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return js;
  return new URL('./log-writer-worker.ts', import.meta.url);
}
