import { Command } from 'commander';
import { integerOption } from '../arguments.js';
import { formatAudit } from '../format.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

/** `mooring audit [--target T] [--limit N]`: the audit log, newest first. */
export function auditCommand(): Command {
  return new Command('audit')
    .description('show the audit log, newest first')
    .option('--target <target>', 'only records about this target, e.g. model:iris')
    .option('--limit <n>', 'at most this many records', integerOption(1, 1_000_000))
    .option('--json', 'print {"records": [...]} as JSON')
    .action(async (opts: { target?: string; limit?: number; json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const filter: { target?: string; limit?: number } = {};
        if (opts.target !== undefined) filter.target = opts.target;
        if (opts.limit !== undefined) filter.limit = opts.limit;
        const records = await admin.audit(filter);
        if (opts.json) outJson({ records });
        else out(formatAudit(records));
      }),
    );
}
