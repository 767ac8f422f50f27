import { Command } from 'commander';
import { fail } from '../../core/errors.js';
import { integerOption } from '../arguments.js';
import { formatComparisonReport } from '../format-comparison.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

interface ReplayOptions {
  last?: number;
  since?: string;
  until?: string;
  json?: boolean;
}

/**
 * `mooring replay NAME VERSION [--last N | --since T]`: runs a candidate on logged production requests and prints
 * the same comparison as a shadow report, before the candidate sees live traffic.
 */
export function replayCommand(): Command {
  return new Command('replay')
    .description('run VERSION on logged production requests and compare its answers with production (writes nothing to the log)')
    .argument('<name>', 'model name')
    .argument('<version>', 'the candidate version', integerOption(1, Number.MAX_SAFE_INTEGER))
    .option('--last <n>', 'the newest N production requests (default 100)', integerOption(1, 10_000))
    .option('--since <time>', 'production requests from this time (the newest 10,000): ISO-8601, epoch ms, or a duration ago (1h)')
    .option('--until <time>', 'up to this time, exclusive (default: now)')
    .option('--json', 'print the report as JSON')
    .action(async (name: string, version: number, opts: ReplayOptions, cmd: Command) => {
      if (opts.last !== undefined && opts.since !== undefined) throw fail('INVALID_REQUEST', 'give --last or --since, not both');
      await withAdmin(cmd, async (admin) => {
        const report = await admin.replay(name, version, {
          ...(opts.last === undefined ? {} : { last: opts.last }),
          ...(opts.since === undefined ? {} : { since: opts.since }),
          ...(opts.until === undefined ? {} : { until: opts.until }),
        });
        if (opts.json) outJson(report);
        else out(formatComparisonReport(report));
      });
    });
}
