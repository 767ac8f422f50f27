import { Command } from 'commander';
import type { AccuracyQueryInput } from '../../protocol/admin/monitoring-dto.js';
import { formatAccuracy } from '../format-predictions.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

/** `mooring accuracy NAME`: live accuracy from labelled predictions, per version and optionally per window. */
export function accuracyCommand(): Command {
  return new Command('accuracy')
    .description('show live accuracy (accuracy, precision, recall, F1, AUC, or MAE and RMSE) from labelled predictions')
    .argument('<name>', 'model name')
    .option('--version <v>', 'only this version (a number or an alias; default: every version with labels)')
    .option('--since <time>', 'from this time (default: 7 days before --until): ISO-8601, epoch ms, or a duration ago (7d)')
    .option('--until <time>', 'up to this time (default: now)')
    .option('--window <duration>', 'also show each bucket of this length (1h, 30m, 1d)')
    .option('--json', 'print the report as JSON')
    .action(async (name: string, opts: AccuracyQueryInput & { json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const q: AccuracyQueryInput = {};
        if (opts.version !== undefined) q.version = opts.version;
        if (opts.since !== undefined) q.since = opts.since;
        if (opts.until !== undefined) q.until = opts.until;
        if (opts.window !== undefined) q.window = opts.window;
        const answer = await admin.accuracy(name, q);
        if (opts.json) outJson(answer);
        else out(formatAccuracy(answer));
      }),
    );
}
