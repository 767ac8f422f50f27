import { pino, type Logger } from 'pino';
import { MooringError, type ErrorCode } from '../core/errors.js';
import { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';

/**
 * Where the CLI writes. stdout carries only the command's answer (with `--json`: exactly one JSON document), so a
 * script can pipe it; everything else (notes, the version that answered, errors) goes to stderr.
 */

/** Writes text to stdout. */
export function out(text: string): void {
  process.stdout.write(text);
}

/** Writes one line to stderr. */
export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Writes `value` as indented JSON on stdout: the `--json` answer of every command. */
export function outJson(value: unknown): void {
  out(JSON.stringify(value, null, 2) + '\n');
}

/** The code and message the CLI shows for any thrown value; anything not a MooringError is INTERNAL. */
export function describeError(error: unknown): { code: ErrorCode; message: string; exitCode: ExitCode } {
  if (error instanceof MooringError) return { code: error.code, message: error.message, exitCode: exitCodeFor(error.category) };
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message, exitCode: EXIT.INTERNAL };
}

/**
 * Prints an error as one stderr line, `mooring: error [CODE]: message`, or with `json` as
 * `{"error": message, "code": CODE}`; with `verbose` an unexpected error's stack follows. Returns the exit code.
 */
export function reportError(error: unknown, options: { json: boolean; verbose: boolean }): ExitCode {
  const { code, message, exitCode } = describeError(error);
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  if (options.json) note(JSON.stringify({ error: oneLine, code }));
  else note(`mooring: error [${code}]: ${oneLine}`);
  if (options.verbose && !(error instanceof MooringError) && error instanceof Error && error.stack) note(error.stack);
  return exitCode;
}

/**
 * The logger handed to the in-process context in local mode: JSON lines on stderr, warnings and worse only
 * (info with `--verbose`), so a command's stdout stays its answer.
 */
export function createCliLogger(verbose: boolean): Logger {
  return pino({ level: verbose ? 'info' : 'warn', base: { pid: process.pid } }, pino.destination({ dest: 2, sync: true }));
}
