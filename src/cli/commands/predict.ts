import { Command } from 'commander';
import { readJsonData } from '../arguments.js';
import { withAdmin } from '../invoke.js';
import { note, outJson } from '../output.js';

/**
 * `mooring predict REF --data JSON|@file.json`: runs one prediction through the same dataplane the server uses
 * (in-process in local mode) and prints the protocol's response body.
 */
export function predictCommand(): Command {
  return new Command('predict')
    .description('run a prediction and print the response body as JSON')
    .addHelpText(
      'after',
      '\n--data is an Open Inference Protocol v2 request ({"inputs": [...]}), a records request ({"instances": [...]}),\nor a bare array of records (taken as the instances).',
    )
    .argument('<ref>', 'NAME (production), NAME@ALIAS, NAME@latest, NAME@v3 or NAME/3')
    .requiredOption('--data <json>', 'the request body: inline JSON, @file.json, or @- for stdin')
    .option('--json', 'machine output (the response body is printed as JSON either way; no note on stderr)')
    .action(async (ref: string, opts: { data: string; json?: boolean }, cmd: Command) => {
      const data = readJsonData(opts.data);
      const body = Array.isArray(data) ? { instances: data } : data;
      await withAdmin(cmd, async (admin) => {
        const result = await admin.predict(ref, body);
        outJson(result.body);
        if (!opts.json && result.modelVersion !== '') note(`answered by version ${result.modelVersion}`);
      });
    });
}
