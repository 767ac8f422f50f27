import { Command, InvalidArgumentError } from 'commander';
import { parseDuration } from '../../core/time.js';
import type { AdminApi } from '../../protocol/admin/admin-api.js';
import type { RolloutAction, RolloutStartInput } from '../../protocol/admin/rollout-admin-api.js';
import type { RolloutStatusDto } from '../../protocol/admin/rollout-dto.js';
import { integerOption, numberOption } from '../arguments.js';
import { formatRolloutStatus } from '../format-rollout.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

interface StartOptions {
  steps: number[];
  interval: number;
  maxErrorRate?: number;
  maxLatencyRatio?: number;
  maxDrift?: number;
  maxAccuracyDrop?: number;
  minRequests?: number;
  maxFailedChecks?: number;
  weightedRollback?: boolean;
  reason?: string;
  json?: boolean;
}

/** `5,25,100` -> [5, 25, 100]; whether they increase to 100 is the rollout schema's to say. */
function stepsOption(value: string): number[] {
  const steps = value.split(',').map((s) => s.trim());
  if (steps.some((s) => s === '' || !Number.isFinite(Number(s)))) {
    throw new InvalidArgumentError(`expected canary weights in percent separated by commas, such as 5,25,100, got ${JSON.stringify(value)}`);
  }
  return steps.map(Number);
}

function durationOption(value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidArgumentError(`expected a duration such as 30s, 10m, 1h, got ${JSON.stringify(value)}`);
  }
}

/** `mooring rollout start|status|pause|resume|promote|abort`: canary rollouts with automated analysis. */
export function rolloutCommand(): Command {
  const rollout = new Command('rollout').description('canary rollouts: a version takes a growing share of traffic while it compares well with production');

  rollout
    .command('start')
    .description('start a canary rollout: each step is watched for --interval, then checked against production')
    .argument('<name>', 'model name')
    .argument('<version>', 'the version to roll out', integerOption(1, Number.MAX_SAFE_INTEGER))
    .requiredOption('--steps <weights>', 'canary weights in percent, increasing, the last 100 (e.g. 5,25,100)', stepsOption)
    .requiredOption('--interval <duration>', 'how long each step is watched before its check (e.g. 60s, 10m)', durationOption)
    .option('--max-error-rate <r>', 'most failed requests per request the canary may have (default 0.01)', numberOption())
    .option('--max-latency-ratio <x>', "most the canary's p99 latency may be, as a multiple of production's (default 1.5)", numberOption())
    .option('--max-drift <d>', 'most the prediction distributions may differ, two-sample KS statistic 0..1 (default 0.2)', numberOption())
    .option('--max-accuracy-drop <d>', "most the canary's live accuracy may fall below production's, where labels arrive (default 0.05)", numberOption())
    .option('--min-requests <n>', 'fewest canary requests a check needs; fewer: it waits (default 100)', integerOption(1, Number.MAX_SAFE_INTEGER))
    .option('--max-failed-checks <n>', 'failed checks in a row that roll back (default 1)', integerOption(1, 100))
    .option('--weighted-rollback', 'on failure step the weight down one step instead of dropping to 0')
    .option('--reason <text>', 'why, recorded on the policy revision and its audit record')
    .option('--json', 'print the rollout status as JSON')
    .action(async (name: string, version: number, o: StartOptions, cmd: Command) => {
      const input: RolloutStartInput = {
        version,
        steps: o.steps,
        intervalMs: o.interval,
        maxErrorRate: o.maxErrorRate,
        maxLatencyRatio: o.maxLatencyRatio,
        maxDrift: o.maxDrift,
        maxAccuracyDrop: o.maxAccuracyDrop,
        minRequests: o.minRequests,
        maxFailedChecks: o.maxFailedChecks,
        weightedRollback: o.weightedRollback,
      };
      await withAdmin(cmd, async (admin) => {
        const status = await admin.startRollout(name, input, o.reason);
        if (o.json) outJson(status);
        else out(formatRolloutStatus(status));
      });
    });

  rollout
    .command('status')
    .description('show the rollout: phase, step, weight, the last check (each value, limit, verdict) and its transitions')
    .argument('<name>', 'model name')
    .option('--json', 'print the rollout status as JSON')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const status = await admin.rolloutStatus(name);
        if (o.json) outJson(status);
        else out(formatRolloutStatus(status));
      }),
    );

  const actions: ReadonlyArray<readonly [RolloutAction, string]> = [
    ['pause', 'hold the rollout at its weight: no checks until it is resumed'],
    ['resume', 'resume a paused rollout; its step is watched anew from now'],
    ['promote', 'make the canary production now, whatever its step'],
    ['abort', 'stop the rollout: the canary takes no more traffic, production stays'],
  ];
  for (const [action, description] of actions) {
    rollout
      .command(action)
      .description(description)
      .argument('<name>', 'model name')
      .option('--reason <text>', 'why, recorded on the policy revision and its audit record')
      .option('--json', 'print the rollout status as JSON')
      .action(async (name: string, o: { reason?: string; json?: boolean }, cmd: Command) =>
        withAdmin(cmd, async (admin) => {
          const status = await transition(admin, action, name, o.reason);
          if (o.json) outJson(status);
          else out(formatRolloutStatus(status));
        }),
      );
  }
  return rollout;
}

function transition(admin: AdminApi, action: RolloutAction, name: string, reason: string | undefined): Promise<RolloutStatusDto> {
  switch (action) {
    case 'pause':
      return admin.pauseRollout(name, reason);
    case 'resume':
      return admin.resumeRollout(name, reason);
    case 'promote':
      return admin.promoteRollout(name, reason);
    case 'abort':
      return admin.abortRollout(name, reason);
  }
}
