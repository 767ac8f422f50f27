import { Command, InvalidArgumentError } from 'commander';
import { integerOption } from '../arguments.js';
import { formatComparisonReport, formatShadowChange } from '../format-comparison.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

const versionArgument = integerOption(1, Number.MAX_SAFE_INTEGER);

/** A commander parser for `--sample`: a share in (0, 1], or a percentage such as `50%`. */
function sampleOption(value: string): number {
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(value.trim());
  const n = m ? Number(m[1]) / (m[2] === '%' ? 100 : 1) : NaN;
  if (!(n > 0 && n <= 1)) {
    throw new InvalidArgumentError(`expected a share of requests such as 0.5 or 50% (more than 0, at most 1), got ${JSON.stringify(value)}`);
  }
  return n;
}

/** `mooring shadow start|stop|report`: shadow deployments and how their answers compare with production's. */
export function shadowCommand(): Command {
  const shadow = new Command('shadow').description(
    'shadow deployments: a version also runs on production-routed requests after they are answered, and is compared',
  );

  shadow
    .command('start')
    .description('mirror production-routed requests to VERSION after each answer (restarts it when it already shadows)')
    .argument('<name>', 'model name')
    .argument('<version>', 'the version to shadow (not the production version)', versionArgument)
    .option('--sample <rate>', 'share of requests mirrored: 0.1 or 10% (default 1: every request)', sampleOption)
    .option('--json', 'print the policy revision (DeploymentDto with "changed") as JSON')
    .action(async (name: string, version: number, opts: { sample?: number; json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const change = await admin.startShadow(name, version, opts.sample === undefined ? {} : { sample: opts.sample });
        if (opts.json) outJson(change);
        else out(formatShadowChange(change, `shadow of version ${version} started`));
      }),
    );

  shadow
    .command('stop')
    .description('stop the shadow of VERSION, or every shadow of the model')
    .argument('<name>', 'model name')
    .argument('[version]', 'the shadow to stop (default: all)', versionArgument)
    .option('--json', 'print the policy revision (DeploymentDto with "changed") as JSON')
    .action(async (name: string, version: number | undefined, opts: { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const change = await admin.stopShadow(name, version);
        if (opts.json) outJson(change);
        else out(formatShadowChange(change, version === undefined ? 'every shadow stopped' : `shadow of version ${version} stopped`));
      }),
    );

  shadow
    .command('report')
    .description("compare a shadow's answers with the answers the same requests got: agreement, differences, latency, errors")
    .argument('<name>', 'model name')
    .argument('[version]', 'the shadow version (default: the one shadow running)', versionArgument)
    .option('--since <time>', 'from this time (default: when the shadow started): ISO-8601, epoch ms, or a duration ago (1h)')
    .option('--until <time>', 'up to this time, exclusive (default: now)')
    .option('--json', 'print the report as JSON')
    .action(async (name: string, version: number | undefined, opts: { since?: string; until?: string; json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const report = await admin.shadowReport(name, {
          ...(version === undefined ? {} : { version }),
          ...(opts.since === undefined ? {} : { since: opts.since }),
          ...(opts.until === undefined ? {} : { until: opts.until }),
        });
        if (opts.json) outJson(report);
        else out(formatComparisonReport(report));
      }),
    );

  return shadow;
}
