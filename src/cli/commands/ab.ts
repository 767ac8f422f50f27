import { Command, InvalidArgumentError, Option } from 'commander';
import { TESTABLE_METRICS } from '../../core/rollout/ab-outcomes.js';
import { integerOption } from '../arguments.js';
import { formatAbChange, formatAbReport } from '../format-ab.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

/** A commander parser for `--weight`: a percent above 0 and below 100 (`30` or `30%`). */
function weightOption(value: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)%?$/.exec(value.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!(n > 0 && n < 100)) throw new InvalidArgumentError(`expected a percent of requests above 0 and below 100, such as 50, got ${JSON.stringify(value)}`);
  return n;
}

/** `mooring ab start|stop|report`: A/B tests between production and another version, on a labelled metric. */
export function abCommand(): Command {
  const ab = new Command('ab').description(
    'A/B tests: a fixed split between production and another version, compared on a labelled metric with a significance test',
  );

  ab.command('start')
    .description('send a fixed share of production-routed requests to VERSION (by sticky key) and test it against production')
    .argument('<name>', 'model name')
    .argument('<version>', 'arm B: the version to test (not the production version)', integerOption(1, Number.MAX_SAFE_INTEGER))
    .addOption(
      new Option('--metric <metric>', 'the labelled metric to test (from feedback): rates by a two-proportion z test, errors by Welch\'s t test')
        .choices([...TESTABLE_METRICS])
        .makeOptionMandatory(),
    )
    .option('--weight <percent>', 'percent of production-routed requests version B answers (default 50)', weightOption)
    .option('--reason <text>', 'recorded on the policy revision and its audit record')
    .option('--json', 'print {"model", "changed", "revision", "experiment"} as JSON')
    .addHelpText(
      'after',
      '\nF1 cannot be tested (it has no per-row outcome): test precision and recall, or accuracy. rmse is tested on the\n' +
        'squared errors (the mean squared error). Refused while a canary rollout is progressing or paused.',
    )
    .action(async (name: string, version: number, opts: { metric: string; weight?: number; reason?: string; json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const change = await admin.startAb(name, version, {
          metric: opts.metric,
          ...(opts.weight === undefined ? {} : { weight: opts.weight }),
          ...(opts.reason === undefined ? {} : { reason: opts.reason }),
        });
        if (opts.json) outJson(change);
        else out(formatAbChange(change, 'start'));
      }),
    );

  ab.command('stop')
    .description('stop the A/B test: every production-routed request goes to production again (the report stays available)')
    .argument('<name>', 'model name')
    .option('--json', 'print {"model", "changed", "revision", "experiment"} as JSON')
    .action(async (name: string, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const change = await admin.stopAb(name);
        if (opts.json) outJson(change);
        else out(formatAbChange(change, 'stop'));
      }),
    );

  ab.command('report')
    .description('both arms of the running (or last) A/B test and the significance test of B against A')
    .argument('<name>', 'model name')
    .option('--since <time>', 'from this time (default: when the test started): ISO-8601, epoch ms, or a duration ago (1h)')
    .option('--json', 'print the report as JSON')
    .action(async (name: string, opts: { since?: string; json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const report = await admin.abReport(name, opts.since === undefined ? {} : { since: opts.since });
        if (opts.json) outJson(report);
        else out(formatAbReport(report));
      }),
    );

  return ab;
}
