import { Command } from 'commander';
import { parseVersion } from '../../core/registry/names.js';
import { formatAliasEvent } from '../format.js';
import { withAdmin } from '../invoke.js';
import { out, outJson } from '../output.js';

/** `mooring deploy NAME VERSION`: moves `production` to a version (returns once a server serves it). */
export function deployCommand(): Command {
  return new Command('deploy')
    .description('move the production alias of a model to a version')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .option('--reason <text>', 'why, recorded in the alias history and audit log')
    .option('--json', 'print the alias event as JSON')
    .action(async (name: string, versionText: string, opts: { reason?: string; json?: boolean }, cmd: Command) => {
      const version = parseVersion(versionText);
      await withAdmin(cmd, async (admin) => {
        const event = await admin.deploy(name, version, opts.reason);
        if (opts.json) outJson(event);
        else out(formatAliasEvent(event));
      });
    });
}

/** `mooring rollback NAME`: moves `production` back to the version it held before its last move. */
export function rollbackCommand(): Command {
  return new Command('rollback')
    .description('move the production alias back to the version it held before its last move')
    .argument('<name>', 'model name')
    .option('--reason <text>', 'why, recorded in the alias history and audit log')
    .option('--json', 'print the alias event as JSON')
    .action(async (name: string, opts: { reason?: string; json?: boolean }, cmd: Command) =>
      withAdmin(cmd, async (admin) => {
        const event = await admin.rollback(name, opts.reason);
        if (opts.json) outJson(event);
        else out(formatAliasEvent(event));
      }),
    );
}
