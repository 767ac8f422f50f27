import { CommanderError } from 'commander';
import { EXIT, type ExitCode } from './exit-codes.js';
import { reportError } from './output.js';
import { buildProgram } from './program.js';

/**
 * The `mooring` executable (bin/mooring.js imports this file): importing it runs the CLI on `process.argv` and
 * exits with the code from the exit-code table (`exit-codes.ts`). It exports nothing.
 */

async function main(argv: readonly string[]): Promise<ExitCode> {
  const flags = argv.slice(2, argv.includes('--') ? argv.indexOf('--') : undefined);
  const json = flags.includes('--json');
  const verbose = flags.includes('--verbose');
  const program = buildProgram({ json });
  try {
    await program.parseAsync([...argv]);
    return EXIT.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end with code 0; every other commander error is a usage error (already printed).
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? EXIT.OK : EXIT.USAGE;
    }
    return reportError(error, { json, verbose });
  }
}

/** Exits once stdout has taken everything written to it (a pipe may still be flushing). */
function exitAfterFlush(code: ExitCode): void {
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}

// A reader that closes the pipe early (`mooring audit | head`) is not an error worth a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
  else throw e;
});

void main(process.argv).then(exitAfterFlush);
