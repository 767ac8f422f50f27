import type { Clock } from '../../core/clock.js';
import type { DeploymentPolicy } from '../../core/deployment/policy.js';
import { fail } from '../../core/errors.js';
import { compareAnswers } from '../../core/rollout/comparison.js';
import type { ComparedRequest, SideAnswer } from '../../core/rollout/comparison.js';
import type { LoggedPrediction, PredictionLog, PredictionRoute } from '../../storage/prediction-log.js';
import { MAX_PAGE_SIZE } from '../../storage/prediction-log.js';
import type { DeploymentService } from '../deployment-service.js';
import type { RegistryService } from '../registry-service.js';
import { OutputSignatures, loggedSide } from './comparison-report.js';
import type { ComparisonReport } from './comparison-report.js';

/**
 * The shadow report: each logged shadow run of a version (route `shadow`) paired by request id with the answer the
 * client got (route `production` or `canary`, status ok), compared with the comparison core
 * (`core/rollout/comparison.ts`).
 *
 * Bounded reads: at most `maxShadowRecords` shadow runs (default 100,000), the newest of the range (`truncated` says
 * so); their primaries are looked for among at most `maxPrimaryScan` production and canary records (default
 * 1,000,000 per route, newest first) logged from `PAIR_WINDOW_MS` before the oldest shadow run read to just after
 * the newest. Only the primaries of those shadow runs are kept, each reduced to its rows at once, so memory stays
 * proportional to the shadow runs read. A shadow run whose primary is not found is counted in `skipped`.
 */

/** How long before its shadow run a primary may have been logged and still be paired (a shadow runs after it). */
export const PAIR_WINDOW_MS = 5 * 60_000;

/** Which shadow runs a report compares. */
export interface ShadowReportQuery {
  readonly model: string;
  /** The shadow version (default: the model's one shadow; INVALID_REQUEST when it has none or several). */
  readonly version?: number;
  /** Inclusive (epoch ms); default: when the shadow started (its `since` in the routing policy). */
  readonly since?: number;
  /** Exclusive (epoch ms); default: now. */
  readonly until?: number;
}

/** What the report service reads. */
export interface ShadowReportOptions {
  readonly log: PredictionLog;
  readonly registry: RegistryService;
  readonly deployments: DeploymentService;
  readonly clock: Clock;
  /** Shadow runs compared at most (default 100,000). */
  readonly maxShadowRecords?: number;
  /** Primary records scanned at most per route (default 1,000,000). */
  readonly maxPrimaryScan?: number;
  /** Page size of the reads (default 1,000). */
  readonly pageSize?: number;
}

/** A shadow run reduced to what the comparison needs. */
interface ShadowRun {
  readonly id: string;
  readonly at: number;
  /** From the `shadow_of:<version>` flag, when present. */
  readonly primaryVersion: number | null;
  readonly side: SideAnswer;
}

/** A primary answer reduced to what the comparison needs. */
interface PrimaryAnswer {
  readonly at: number;
  readonly version: number;
  readonly side: SideAnswer;
}

/** Computes shadow reports from the prediction log. */
export class ShadowReportService {
  readonly #o: Required<ShadowReportOptions>;

  constructor(options: ShadowReportOptions) {
    this.#o = { maxShadowRecords: 100_000, maxPrimaryScan: 1_000_000, pageSize: 1000, ...options };
  }

  /** The report of one shadow version (see the module comment). MODEL_NOT_FOUND, VERSION_NOT_FOUND, INVALID_REQUEST. */
  async report(q: ShadowReportQuery): Promise<ComparisonReport> {
    const { registry, deployments, clock } = this.#o;
    await registry.model(q.model);
    const policy = (await deployments.show(q.model)).policy;
    const version = q.version ?? onlyShadow(q.model, policy);
    await registry.version(q.model, version);
    const since = q.since ?? (await this.startedAt(q.model, version, policy));
    const until = q.until ?? Math.floor(clock()) + 1;
    if (until <= since) throw fail('INVALID_REQUEST', 'until must be later than since', { field: 'until' });

    const signatures = new OutputSignatures(registry.store, q.model);
    const { runs, truncated } = await this.shadowRuns(q.model, version, since, until, signatures);
    const primaries = await this.primaries(q.model, runs, until, signatures);
    const compared: ComparedRequest[] = [];
    const versions = new Set<number>();
    let skipped = 0;
    for (const run of runs) {
      const primary = pick(primaries.get(run.id), run);
      if (primary === undefined) {
        skipped++;
        continue;
      }
      versions.add(primary.version);
      compared.push({ primary: primary.side, candidate: run.side });
    }
    return {
      source: 'shadow',
      model: q.model,
      version,
      primaryVersions: [...versions].sort((a, b) => a - b),
      since,
      until,
      comparison: compareAnswers(compared),
      skipped,
      truncated,
    };
  }

  /** When the shadow of `version` started: the policy in force, else the latest revision that had it, else 0. */
  private async startedAt(model: string, version: number, policy: DeploymentPolicy): Promise<number> {
    const live = policy.routing.shadows.find((s) => s.version === version);
    if (live !== undefined) return live.since;
    const history = await this.#o.deployments.history(model);
    for (let i = history.length - 1; i >= 0; i--) {
      const s = history[i]!.policy.routing.shadows.find((x) => x.version === version);
      if (s !== undefined) return s.since;
    }
    return 0;
  }

  /** The shadow runs of `version` in the range, newest first, each reduced to its rows at once. */
  private async shadowRuns(
    model: string,
    version: number,
    since: number,
    until: number,
    signatures: OutputSignatures,
  ): Promise<{ runs: ShadowRun[]; truncated: boolean }> {
    const outputs = await signatures.of(version);
    const runs: ShadowRun[] = [];
    const complete = await this.scan({ model, version, route: 'shadow', since, until }, this.#o.maxShadowRecords, (p) => {
      runs.push({ id: p.id, at: p.at, primaryVersion: shadowOf(p.flags), side: loggedSide(p, outputs) });
    });
    return { runs, truncated: !complete };
  }

  /** The ok production and canary answers whose ids the shadow runs carry, by id. */
  private async primaries(model: string, runs: readonly ShadowRun[], until: number, signatures: OutputSignatures): Promise<Map<string, PrimaryAnswer[]>> {
    const found = new Map<string, PrimaryAnswer[]>();
    if (runs.length === 0) return found;
    for (const r of runs) found.set(r.id, []);
    let oldest = until;
    let newest = 0;
    for (const r of runs) {
      oldest = Math.min(oldest, r.at);
      newest = Math.max(newest, r.at);
    }
    const range = { since: Math.max(0, oldest - PAIR_WINDOW_MS), until: Math.min(until, newest + 1) };
    for (const route of ['production', 'canary'] as const satisfies readonly PredictionRoute[]) {
      const pending: Array<{ p: LoggedPrediction; list: PrimaryAnswer[] }> = [];
      await this.scan({ model, route, status: 'ok', ...range }, this.#o.maxPrimaryScan, (p) => {
        const list = found.get(p.id);
        if (list !== undefined) pending.push({ p, list });
      });
      for (const { p, list } of pending) list.push({ at: p.at, version: p.version, side: loggedSide(p, await signatures.of(p.version)) });
    }
    return found;
  }

  /** Reads the filter newest first, at most `max` records; true when it reached the end of the range. */
  private async scan(
    filter: { model: string; version?: number; route: PredictionRoute; status?: 'ok'; since: number; until: number },
    max: number,
    each: (p: LoggedPrediction) => void,
  ): Promise<boolean> {
    let seen = 0;
    let after: string | undefined;
    while (seen < max) {
      const page = await this.#o.log.query({
        ...filter,
        limit: Math.min(this.#o.pageSize, MAX_PAGE_SIZE, max - seen),
        ...(after === undefined ? {} : { after }),
      });
      for (const p of page.items) each(p);
      seen += page.items.length;
      if (page.next === null) return true;
      after = page.next;
    }
    return false;
  }
}

/** The model's one shadow version; INVALID_REQUEST when it has none or several (the caller must name one). */
function onlyShadow(model: string, policy: DeploymentPolicy): number {
  const shadows = policy.routing.shadows;
  if (shadows.length === 1) return shadows[0]!.version;
  if (shadows.length === 0) {
    throw fail('INVALID_REQUEST', `model ${JSON.stringify(model)} has no shadow running: name the version to report on`, { field: 'version' });
  }
  const list = shadows.map((s) => s.version).join(', ');
  throw fail('INVALID_REQUEST', `model ${JSON.stringify(model)} has several shadows (versions ${list}): name the version to report on`, {
    field: 'version',
  });
}

/** The primary version a shadow run names in its `shadow_of:<version>` flag, or null. */
function shadowOf(flags: readonly string[]): number | null {
  for (const f of flags) {
    if (!f.startsWith('shadow_of:')) continue;
    const v = Number(f.slice('shadow_of:'.length));
    if (Number.isSafeInteger(v) && v > 0) return v;
  }
  return null;
}

/**
 * The primary answer of a shadow run among the records with its id (a client may reuse an id): of the version the
 * run names, the latest logged no later than the run; else the latest of any.
 */
function pick(candidates: readonly PrimaryAnswer[] | undefined, run: ShadowRun): PrimaryAnswer | undefined {
  if (candidates === undefined || candidates.length === 0) return undefined;
  const ofVersion = run.primaryVersion === null ? candidates : candidates.filter((c) => c.version === run.primaryVersion);
  const pool = ofVersion.length > 0 ? ofVersion : candidates;
  let best: PrimaryAnswer | undefined;
  for (const c of pool) {
    if (c.at > run.at) continue;
    if (best === undefined || c.at > best.at) best = c;
  }
  return best ?? pool[0];
}
