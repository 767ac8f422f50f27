import type { Clock } from '../../core/clock.js';
import { MooringError, fail } from '../../core/errors.js';
import { answerRows, compareAnswers } from '../../core/rollout/comparison.js';
import type { ComparedRequest, SideAnswer } from '../../core/rollout/comparison.js';
import type { TensorSpec } from '../../core/inference/tensor.js';
import type { LoggedPrediction, PredictionLog } from '../../storage/prediction-log.js';
import { MAX_PAGE_SIZE } from '../../storage/prediction-log.js';
import type { RegistryService } from '../registry-service.js';
import { OutputSignatures, loggedSide } from './comparison-report.js';
import type { ComparisonReport } from './comparison-report.js';

/**
 * Replay: a candidate version run on logged production requests (route `production`, status ok), newest first, and
 * compared with the answers production gave them, before the candidate sees any live traffic. Each logged body is
 * run again in this process through the same code the server uses (the ReplayRunner the protocol layer gives:
 * `predictV2` / `predictRecords` with the version number as the selector, so the signature check, the validator and
 * the candidate's guard apply, with no canary and no fallback).
 *
 * Nothing is written to the prediction log: the log is written by the HTTP routes after they answer, never by
 * `predictV2` / `predictRecords`, and replay calls those directly. Serving is not disturbed beyond the work itself:
 * at most `concurrency` replayed requests run at once (default 4), under the candidate's own load limits. The
 * candidate's latency is measured around the in-process call, the primary's is what the log recorded (the server's
 * time to answer, HTTP parsing included), so the two are close but not the same measure.
 */

/** Requests a replay runs when neither `last` nor `since` is given. */
export const DEFAULT_REPLAY_LAST = 100;

/** The most requests one replay runs (`last` above it is refused; a `since` range is cut to its newest). */
export const MAX_REPLAY_REQUESTS = 10_000;

/** Which logged requests to replay on which version. */
export interface ReplayQuery {
  readonly model: string;
  /** The candidate version. */
  readonly version: number;
  /** The newest N production requests (1..MAX_REPLAY_REQUESTS); not with `since`. */
  readonly last?: number;
  /** Production requests from this time (inclusive, epoch ms), the newest MAX_REPLAY_REQUESTS of them. */
  readonly since?: number;
  /** Exclusive end (epoch ms); default: now. */
  readonly until?: number;
}

/**
 * Runs one logged request body (v2 or records) on a version in-process and answers the body the server would send.
 * The protocol layer supplies it (`predictV2` / `predictRecords` with the version as the selector): services do not
 * import the protocol layer.
 */
export type ReplayRunner = (model: string, version: number, body: unknown) => Promise<unknown>;

/** What replay reads and runs. */
export interface ReplayOptions {
  readonly log: PredictionLog;
  readonly registry: RegistryService;
  readonly clock: Clock;
  /** How a body runs on the candidate. */
  readonly run: ReplayRunner;
  /** Replayed requests in flight at most (default 4). */
  readonly concurrency?: number;
}

/** Replays logged production requests on a candidate version. */
export class ReplayService {
  readonly #o: ReplayOptions;
  readonly #concurrency: number;

  constructor(options: ReplayOptions) {
    this.#o = options;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
  }

  /** Replays and compares (see the module comment). MODEL_NOT_FOUND, VERSION_NOT_FOUND, INVALID_REQUEST. */
  async replay(q: ReplayQuery): Promise<ComparisonReport> {
    const { registry, clock } = this.#o;
    if (q.last !== undefined && q.since !== undefined) {
      throw fail('INVALID_REQUEST', 'give either last (the newest N requests) or since (a time), not both', { field: 'last' });
    }
    if (q.last !== undefined && !(Number.isSafeInteger(q.last) && q.last >= 1 && q.last <= MAX_REPLAY_REQUESTS)) {
      throw fail('INVALID_REQUEST', `last must be a whole number from 1 to ${MAX_REPLAY_REQUESTS}, got ${String(q.last)}`, { field: 'last' });
    }
    await registry.model(q.model);
    const candidate = await registry.version(q.model, q.version);
    const until = q.until ?? Math.floor(clock()) + 1;
    if (q.since !== undefined && until <= q.since) throw fail('INVALID_REQUEST', 'until must be later than since', { field: 'until' });
    const max = q.last ?? (q.since === undefined ? DEFAULT_REPLAY_LAST : MAX_REPLAY_REQUESTS);

    const signatures = new OutputSignatures(registry.store, q.model);
    const compared: ComparedRequest[] = [];
    const versions = new Set<number>();
    let skipped = 0;
    let seen = 0;
    let after: string | undefined;
    let complete = false;
    while (seen < max) {
      const page = await this.#o.log.query({
        model: q.model,
        route: 'production',
        status: 'ok',
        until,
        ...(q.since === undefined ? {} : { since: q.since }),
        limit: Math.min(MAX_PAGE_SIZE, 500, max - seen),
        ...(after === undefined ? {} : { after }),
      });
      seen += page.items.length;
      const runnable: LoggedPrediction[] = [];
      for (const p of page.items) {
        if (isObject(p.inputs)) runnable.push(p);
        else skipped++; // stored as null (unserializable) or not a body the server takes
      }
      const sides = await this.runAll(q.model, q.version, runnable, candidate.signature.outputs);
      for (let i = 0; i < runnable.length; i++) {
        const p = runnable[i]!;
        versions.add(p.version);
        compared.push({ primary: loggedSide(p, await signatures.of(p.version)), candidate: sides[i]! });
      }
      if (page.next === null) {
        complete = true;
        break;
      }
      after = page.next;
    }
    return {
      source: 'replay',
      model: q.model,
      version: q.version,
      primaryVersions: [...versions].sort((a, b) => a - b),
      since: q.since ?? null,
      until,
      comparison: compareAnswers(compared),
      skipped,
      // A `last` replay that found fewer requests than asked for read them all; one that found N stopped on purpose.
      truncated: q.last === undefined && !complete && seen >= max,
    };
  }

  /** Runs the bodies on the candidate, `concurrency` at a time, keeping their order. */
  private async runAll(model: string, version: number, records: readonly LoggedPrediction[], outputs: readonly TensorSpec[]): Promise<SideAnswer[]> {
    const sides = new Array<SideAnswer>(records.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < records.length) {
        const i = next++;
        sides[i] = await this.runOne(model, version, records[i]!.inputs, outputs);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, records.length) }, worker));
    return sides;
  }

  private async runOne(model: string, version: number, body: unknown, outputs: readonly TensorSpec[]): Promise<SideAnswer> {
    const started = performance.now();
    try {
      const answer = await this.#o.run(model, version, body);
      const latencyMs = performance.now() - started;
      // Read back as the log would keep it: the JSON text the server sends (typed arrays and big integers encoded).
      return { ok: true, rows: answerRows(JSON.parse(JSON.stringify(answer)), outputs), latencyMs };
    } catch (e) {
      const latencyMs = performance.now() - started;
      return { ok: false, error: e instanceof MooringError ? e.code : 'INTERNAL', latencyMs };
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
