import { Command } from 'commander';
import { PRODUCTION_ALIAS } from '../../core/registry/names.js';
import { parseTime } from '../../core/time.js';
import { formatHistory } from '../format.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

/** `mooring history NAME [--alias A] [--at TIME]`: alias moves, or which version held an alias at a time. */
export function historyCommand(): Command {
  return new Command('history')
    .description('show the alias moves of a model, or with --at which version held an alias at a time')
    .argument('<name>', 'model name')
    .option('--alias <alias>', 'only this alias (with --at: the alias to look up, default production)')
    .option('--at <time>', 'a time (ISO-8601 or epoch ms): print which version held the alias then')
    .option('--json', 'print {"events": [...]} (or the --at answer) as JSON')
    .action(async (name: string, opts: { alias?: string; at?: string; json?: boolean }, cmd: Command) => {
      const at = opts.at === undefined ? undefined : parseTime(opts.at, '--at');
      await withAdmin(cmd, async (admin) => {
        if (at !== undefined) {
          const answer = await admin.aliasAt(name, opts.alias ?? PRODUCTION_ALIAS, at);
          if (opts.json) outJson(answer);
          else out(`${answer.name}@${answer.alias} at ${answer.at}: ${answer.version === null ? 'pointed at no version' : `version ${answer.version}`}\n`);
          return;
        }
        const events = await admin.history(name, opts.alias);
        if (opts.json) outJson({ events });
        else out(formatHistory(events));
      });
    });
}
