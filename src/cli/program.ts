import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { accuracyCommand } from './commands/accuracy.js';
import { alertsCommand } from './commands/alerts.js';
import { applyCommand } from './commands/apply.js';
import { auditCommand } from './commands/audit.js';
import { deployCommand, rollbackCommand } from './commands/deploy.js';
import { deploymentCommand } from './commands/deployment.js';
import { driftCommand } from './commands/drift.js';
import { feedbackCommand } from './commands/feedback.js';
import { historyCommand } from './commands/history.js';
import { modelsCommand } from './commands/models.js';
import { predictCommand } from './commands/predict.js';
import { predictionsCommand } from './commands/predictions.js';
import { replayCommand } from './commands/replay.js';
import { rolloutCommand } from './commands/rollout.js';
import { serveCommand } from './commands/serve.js';
import { shadowCommand } from './commands/shadow.js';
import { abCommand } from './commands/ab.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  success              3  not found          5  unauthorized (admin token)
  1  internal error       4  conflict           6  unavailable (server unreachable, not ready)
  2  invalid input or usage

Without --url, a command talks to the server running on the home (recorded in <home>/server.json), or opens the
home in-process when none runs.`;

/** How commander's own messages (usage errors) are written. */
export interface ProgramOutput {
  /** Print usage errors as `{"error", "code"}` JSON (the invocation has --json). */
  json: boolean;
}

/**
 * Builds the `mooring` command tree. Every command throws instead of exiting (`exitOverride`), so `main` owns the
 * exit code; commander's usage errors are printed in the CLI's one error format with code INVALID_REQUEST.
 */
export function buildProgram(output: ProgramOutput): Command {
  const program = new Command('mooring')
    .description('Mooring: a model registry and Open Inference Protocol server for ONNX models')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--home <dir>', 'the Mooring home folder (default: $MOORING_HOME or ./.mooring)')
    .option('--config <file>', 'configuration file (default: $MOORING_CONFIG or <home>/mooring.yaml)')
    .option('--url <url>', 'talk to the server at this URL instead of the home')
    .option('--token <token>', 'admin token for --url (default: $MOORING_ADMIN_TOKEN or <home>/admin-token)')
    .option('--verbose', 'say on stderr how the command connects; log more')
    // Global options go before the command, so a command's own `--version V` (a model version) is not the program's.
    .enablePositionalOptions()
    .addHelpText('after', EXIT_CODES_HELP);
  program.addCommand(serveCommand());
  program.addCommand(modelsCommand());
  program.addCommand(deployCommand());
  program.addCommand(rollbackCommand());
  program.addCommand(deploymentCommand());
  program.addCommand(applyCommand());
  program.addCommand(historyCommand());
  program.addCommand(auditCommand());
  program.addCommand(predictCommand());
  program.addCommand(predictionsCommand());
  program.addCommand(feedbackCommand());
  program.addCommand(accuracyCommand());
  program.addCommand(alertsCommand());
  program.addCommand(driftCommand());
  program.addCommand(shadowCommand());
  program.addCommand(replayCommand());
  program.addCommand(rolloutCommand());
  program.addCommand(abCommand());
  configureAll(program, output);
  repeatGlobalOptions(program);
  return program;
}

/**
 * Positional options keep a command's own `--version V` from being read as the program's `--version`, but would
 * also refuse global options written after the command (`mooring models list --verbose`), which has always worked:
 * every command also accepts them, hidden from its help (`optsWithGlobals` then finds them there).
 */
function repeatGlobalOptions(program: Command): void {
  const globals = program.options.filter((o) => o.long !== '--version');
  const visit = (command: Command): void => {
    for (const g of globals) {
      if (command.options.some((o) => o.long === g.long)) continue;
      command.addOption(new Option(g.flags, g.description).hideHelp());
    }
    command.commands.forEach(visit);
  };
  program.commands.forEach(visit);
}

// addCommand() does not pass settings down the tree, so they are applied to every command once it is built.
function configureAll(command: Command, output: ProgramOutput): void {
  command.exitOverride();
  command.configureOutput({
    outputError: (text, write) => {
      const message = text.replace(/^error:\s*/i, '').trim().replace(/\s*\n\s*/g, ' ');
      write(output.json ? `${JSON.stringify({ error: message, code: 'INVALID_REQUEST' })}\n` : `mooring: error [INVALID_REQUEST]: ${message}\n`);
    },
  });
  for (const sub of command.commands) configureAll(sub, output);
}

function packageVersion(): string {
  // dist/cli/program.js and src/cli/program.ts both sit two folders below package.json.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}
