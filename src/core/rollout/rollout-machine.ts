import { fail } from '../errors.js';
import { RolloutSchema } from '../deployment/policy.js';
import type { Rollout, RolloutCheck, RolloutPhase } from '../deployment/policy.js';
import { describeIssue, issuePath, snakeCase } from '../schema-issue.js';

/**
 * A canary rollout as an explicit state machine over the `Rollout` of a deployment policy. Each transition takes the
 * rollout as stored and answers what to store next: the rollout, the canary route (`routing.canary`), the version
 * `production` moves to (a promotion), and a sentence for the audit record. Pure: the rollout controller
 * (src/services/rollout/rollout-controller.ts) reads the policy, asks here, and writes the answer as one policy
 * revision.
 *
 * | from        | on                                                   | to                                    |
 * |-------------|------------------------------------------------------|---------------------------------------|
 * | (none)      | start                                                | progressing at step 0                 |
 * | progressing | a check passed, below the last step                  | progressing at the next step          |
 * | progressing | a check passed at the last step (100%), or promote   | promoted: the canary is production    |
 * | progressing | a check failed, fewer than max_failed_checks so far  | progressing, the same step watched anew |
 * | progressing | the max_failed_checks-th failed check                | rolled_back: the canary takes nothing |
 * | progressing | pause                                                | paused (the weight stays, no checks)  |
 * | paused      | resume                                               | progressing, the step watched anew    |
 * | either      | promote / abort                                      | promoted / aborted                    |
 * With `weighted_rollback`, reaching `max_failed_checks` steps the weight down one step (and counts again from
 * zero) instead of rolling back; the rollout rolls back only when it would step below its first step. A check with
 * fewer canary requests than `min_requests` is no transition at all: the step's window stays open until enough
 * traffic arrived. `promoted`, `rolled_back` and `aborted` are final: only a new `start` leaves them.
 */

/** The canary route a transition leaves (`routing.canary`), or null for no canary. */
export interface CanaryRoute {
  readonly version: number;
  /** Percent of production-routed requests. */
  readonly weight: number;
}

/** What kind of transition happened. */
export const ROLLOUT_EVENTS = ['start', 'step_up', 'hold', 'step_down', 'promote', 'roll_back', 'pause', 'resume', 'abort'] as const;

/** One kind of transition. */
export type RolloutEvent = (typeof ROLLOUT_EVENTS)[number];

/** What a transition answers: the state to store and why. */
export interface RolloutTransition {
  readonly event: RolloutEvent;
  readonly rollout: Rollout;
  /** What `routing.canary` becomes. */
  readonly canary: CanaryRoute | null;
  /** The version `production` must move to before the rollout is stored (a promotion), else null. */
  readonly production: number | null;
  /** A sentence for people: the policy revision's reason and the log line. */
  readonly reason: string;
}

/** The settings of a rollout as `start` takes them (the limits may be left out: they take their defaults). */
export interface RolloutSettings {
  /** Canary weights in percent, increasing, the last 100. */
  readonly steps: readonly number[];
  /** How long each step is watched before its check. */
  readonly intervalMs: number;
  readonly maxErrorRate?: number | undefined;
  readonly maxLatencyRatio?: number | undefined;
  readonly maxDrift?: number | undefined;
  readonly maxAccuracyDrop?: number | undefined;
  readonly minRequests?: number | undefined;
  readonly maxFailedChecks?: number | undefined;
  readonly weightedRollback?: boolean | undefined;
}

/** The outcome of one analysis of a step's window. */
export interface CheckResult {
  /** When the analysis ran (the end of the window). */
  readonly at: number;
  /** True: every check passed; false: one failed; null: too few canary requests to judge yet. */
  readonly passed: boolean | null;
  readonly checks: readonly RolloutCheck[];
}

/** The phases a rollout is still running in (holding a canary weight). */
const ACTIVE: ReadonlySet<RolloutPhase> = new Set<RolloutPhase>(['progressing', 'paused']);

/** Whether the rollout is running: progressing or paused (it holds a canary weight). */
export function isActive(r: Rollout | null): r is Rollout {
  return r !== null && ACTIVE.has(r.phase);
}

/** The canary weight the rollout holds now: its step's weight while active, else 0. */
export function rolloutWeight(r: Rollout): number {
  return isActive(r) && r.step >= 0 ? (r.steps[r.step] ?? 0) : 0;
}

/** When the current step's check is due (null when the rollout does not progress: paused or finished). */
export function nextCheckAt(r: Rollout): number | null {
  return r.phase === 'progressing' ? r.stepStartedAt + r.intervalMs : null;
}

/** Whether the current step has been watched for its whole interval at `now`. */
export function checkDue(r: Rollout, now: number): boolean {
  const due = nextCheckAt(r);
  return due !== null && now >= due;
}

/**
 * Whether two rollouts are the same run in the same state (phase, step, failed checks, step start): the condition
 * the controller writes a transition under, so a transition computed on a state that changed meanwhile (another
 * replica, a `pause` at the same moment) is dropped instead of overwriting the change.
 */
export function sameRolloutState(a: Rollout | null, b: Rollout | null): boolean {
  if (a === null || b === null) return a === b;
  return (
    a.version === b.version &&
    a.startedAt === b.startedAt &&
    a.phase === b.phase &&
    a.step === b.step &&
    a.failedChecks === b.failedChecks &&
    a.stepStartedAt === b.stepStartedAt
  );
}

/** Throws ROLLOUT_NOT_FOUND when the model has no rollout. */
export function requireRollout(model: string, r: Rollout | null): Rollout {
  if (r === null) throw fail('ROLLOUT_NOT_FOUND', `model ${JSON.stringify(model)} has no rollout; start one with \`mooring rollout start\``, { model });
  return r;
}

/**
 * Starts a rollout of `version` over `baselineVersion` (the version production serves now): phase progressing, the
 * first step's weight. INVALID_REQUEST naming the setting (as the wire names it) when the settings are invalid;
 * ROLLOUT_CONFLICT when `current` is still active or `version` is the production version.
 */
export function startRollout(
  model: string,
  current: Rollout | null,
  input: { readonly version: number; readonly baselineVersion: number; readonly settings: RolloutSettings },
  now: number,
): RolloutTransition {
  if (isActive(current)) {
    throw fail('ROLLOUT_CONFLICT', `model ${JSON.stringify(model)} already has a rollout of version ${current.version} ${current.phase}: promote or abort it first`, {
      model,
      version: current.version,
      phase: current.phase,
    });
  }
  if (input.version === input.baselineVersion) {
    throw fail('ROLLOUT_CONFLICT', `version ${input.version} of ${JSON.stringify(model)} already serves production: there is nothing to roll out`, {
      model,
      version: input.version,
    });
  }
  const s = input.settings;
  const candidate = {
    version: input.version,
    steps: [...s.steps],
    intervalMs: s.intervalMs,
    ...defined({
      maxErrorRate: s.maxErrorRate,
      maxLatencyRatio: s.maxLatencyRatio,
      maxDrift: s.maxDrift,
      maxAccuracyDrop: s.maxAccuracyDrop,
      minRequests: s.minRequests,
      maxFailedChecks: s.maxFailedChecks,
      weightedRollback: s.weightedRollback,
    }),
    phase: 'progressing',
    step: 0,
    failedChecks: 0,
    startedAt: now,
    stepStartedAt: now,
    baselineVersion: input.baselineVersion,
    lastCheck: null,
  };
  const parsed = RolloutSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const options = { root: '', key: snakeCase };
    throw fail('INVALID_REQUEST', `invalid rollout: ${describeIssue(issue, options)}`, { field: issuePath(issue.path, options) });
  }
  const rollout = parsed.data;
  const weight = rollout.steps[0]!;
  return {
    event: 'start',
    rollout,
    canary: { version: rollout.version, weight },
    production: null,
    reason: `rollout of version ${rollout.version} started over version ${rollout.baselineVersion}: canary at ${weight}% (step 1 of ${rollout.steps.length})`,
  };
}

/**
 * Applies one analysis of the current step: null when it waited (too few requests: no transition); else a step up,
 * a promotion (the last step passed), a hold (a failed check below the limit, watched again from now), a step down
 * (weighted rollback) or a rollback. ROLLOUT_CONFLICT unless the rollout is progressing.
 */
export function applyCheck(model: string, r: Rollout, result: CheckResult): RolloutTransition | null {
  requirePhase(model, r, ['progressing'], 'take a check');
  if (result.passed === null) return null;
  const now = result.at;
  const lastCheck = { at: now, passed: result.passed, checks: [...result.checks] };
  const summary = describeChecks(result.checks);
  if (result.passed) {
    if (r.step >= r.steps.length - 1) return promotion({ ...r, lastCheck }, now, `all checks passed at ${rolloutWeight(r)}% (${summary})`);
    const step = r.step + 1;
    const rollout: Rollout = { ...r, step, failedChecks: 0, stepStartedAt: now, lastCheck };
    return {
      event: 'step_up',
      rollout,
      canary: { version: r.version, weight: r.steps[step]! },
      production: null,
      reason: `checks passed at ${rolloutWeight(r)}% (${summary}): canary at ${r.steps[step]}% (step ${step + 1} of ${r.steps.length})`,
    };
  }
  const failedChecks = r.failedChecks + 1;
  const failed = `check failed at ${rolloutWeight(r)}% (${summary})`;
  if (failedChecks < r.maxFailedChecks) {
    return {
      event: 'hold',
      rollout: { ...r, failedChecks, stepStartedAt: now, lastCheck },
      canary: { version: r.version, weight: rolloutWeight(r) },
      production: null,
      reason: `${failed}: ${failedChecks} of ${r.maxFailedChecks} failed checks, watching again at ${rolloutWeight(r)}%`,
    };
  }
  if (r.weightedRollback && r.step > 0) {
    const step = r.step - 1;
    return {
      event: 'step_down',
      rollout: { ...r, step, failedChecks: 0, stepStartedAt: now, lastCheck },
      canary: { version: r.version, weight: r.steps[step]! },
      production: null,
      reason: `${failed}: weighted rollback to ${r.steps[step]}% (step ${step + 1} of ${r.steps.length})`,
    };
  }
  return {
    event: 'roll_back',
    rollout: { ...r, phase: 'rolled_back', step: -1, failedChecks, stepStartedAt: now, lastCheck },
    canary: null,
    production: null,
    reason: `${failed}: rolled back, version ${r.version} takes no traffic (${failedChecks} failed check${failedChecks === 1 ? '' : 's'})`,
  };
}

/** Pauses a progressing rollout: the weight stays, no checks run. ROLLOUT_CONFLICT in any other phase. */
export function pauseRollout(model: string, r: Rollout | null, _now: number): RolloutTransition {
  const rollout = requirePhase(model, requireRollout(model, r), ['progressing'], 'pause');
  const weight = rolloutWeight(rollout);
  return {
    event: 'pause',
    rollout: { ...rollout, phase: 'paused' },
    canary: { version: rollout.version, weight },
    production: null,
    reason: `rollout of version ${rollout.version} paused at ${weight}%`,
  };
}

/**
 * Resumes a paused rollout; the step's window starts again now (what happened while paused is not judged).
 * ROLLOUT_CONFLICT unless paused.
 */
export function resumeRollout(model: string, r: Rollout | null, now: number): RolloutTransition {
  const rollout = requirePhase(model, requireRollout(model, r), ['paused'], 'resume');
  const weight = rolloutWeight(rollout);
  return {
    event: 'resume',
    rollout: { ...rollout, phase: 'progressing', stepStartedAt: now },
    canary: { version: rollout.version, weight },
    production: null,
    reason: `rollout of version ${rollout.version} resumed at ${weight}%`,
  };
}

/** Promotes a running rollout now, whatever its step: the canary becomes production. ROLLOUT_CONFLICT when finished. */
export function promoteRollout(model: string, r: Rollout | null, now: number): RolloutTransition {
  const rollout = requirePhase(model, requireRollout(model, r), ['progressing', 'paused'], 'promote');
  return promotion(rollout, now, `promoted by hand at ${rolloutWeight(rollout)}%`);
}

/** Aborts a running rollout: the canary takes no more traffic. ROLLOUT_CONFLICT when finished. */
export function abortRollout(model: string, r: Rollout | null, now: number): RolloutTransition {
  const rollout = requirePhase(model, requireRollout(model, r), ['progressing', 'paused'], 'abort');
  return {
    event: 'abort',
    rollout: { ...rollout, phase: 'aborted', step: -1, stepStartedAt: now },
    canary: null,
    production: null,
    reason: `rollout of version ${rollout.version} aborted at ${rolloutWeight(rollout)}%: version ${rollout.version} takes no traffic`,
  };
}

/**
 * Completes a promotion that was interrupted after `production` moved (the process stopped between the alias move
 * and the policy write): the rollout is recorded as promoted. ROLLOUT_CONFLICT when finished.
 */
export function completePromotion(model: string, r: Rollout, now: number): RolloutTransition {
  requirePhase(model, r, ['progressing', 'paused'], 'complete');
  const t = promotion(r, now, `production already serves version ${r.version}`);
  return { ...t, production: null };
}

function promotion(r: Rollout, now: number, why: string): RolloutTransition {
  return {
    event: 'promote',
    rollout: { ...r, phase: 'promoted', step: r.steps.length - 1, stepStartedAt: now },
    canary: null,
    production: r.version,
    reason: `${why}: version ${r.version} promoted to production (version ${r.baselineVersion} stays loaded as the rollback target)`,
  };
}

function requirePhase(model: string, r: Rollout, phases: readonly RolloutPhase[], action: string): Rollout {
  if (phases.includes(r.phase)) return r;
  throw fail('ROLLOUT_CONFLICT', `cannot ${action} the rollout of version ${r.version} of ${JSON.stringify(model)}: it is ${r.phase.replace('_', ' ')}`, {
    model,
    version: r.version,
    phase: r.phase,
  });
}

/** `error_rate 0.02 > 0.01, latency_ratio ok, ...`: each check by name with its verdict, for reasons and logs. */
export function describeChecks(checks: readonly RolloutCheck[]): string {
  return checks
    .map((c) => {
      if (c.value === null) return `${c.name} skipped`;
      const v = round(c.value);
      if (c.passed) return `${c.name} ${v} ok`;
      if (c.name === 'accuracy') return `accuracy ${v} failed (production ${round(c.baseline ?? 0)}, max drop ${round(c.limit)})`;
      return `${c.name} ${v} failed (${c.name === 'requests' ? 'at least' : 'limit'} ${round(c.limit)})`;
    })
    .join(', ');
}

function round(x: number): string {
  return String(Number(x.toPrecision(4)));
}

/** The entries of `o` whose value is not undefined. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
