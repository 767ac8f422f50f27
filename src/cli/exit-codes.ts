import type { ErrorCategory } from '../core/errors.js';

/**
 * The `mooring` command's exit codes: the one table a script can rely on. An error's exit code comes from its
 * category in the error registry (`core/errors.ts`), never from its message, so a new error code gets the right
 * exit code without touching the CLI.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success (also `--help` and `--version`) |
 * | 1 | internal or unexpected failure (a bug, a failed model load, a broken artifact) |
 * | 2 | invalid input or usage: a bad flag, argument, file, configuration value, or a request the model refuses |
 * | 3 | not found: the model, version, alias or artifact does not exist |
 * | 4 | conflict: the request is valid but the current state forbids it (e.g. nothing to roll back) |
 * | 5 | unauthorized: the admin token is missing or wrong |
 * | 6 | unavailable: the server cannot be reached, is not ready, or is shutting down; try again later |
 */
export const EXIT = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  UNAUTHORIZED: 5,
  UNAVAILABLE: 6,
} as const;

/** One of the exit codes in `EXIT`. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Exit code per error category. `too_large` and `unprocessable` are the caller's input being refused, so they
 * share 2 with `invalid_input`; `not_implemented` asks for something Mooring does not do, which a script can only
 * fix by asking differently, so it is a usage error too.
 */
export const EXIT_CODE_BY_CATEGORY: Readonly<Record<ErrorCategory, ExitCode>> = {
  invalid_input: EXIT.USAGE,
  too_large: EXIT.USAGE,
  unprocessable: EXIT.USAGE,
  not_implemented: EXIT.USAGE,
  not_found: EXIT.NOT_FOUND,
  conflict: EXIT.CONFLICT,
  unauthorized: EXIT.UNAUTHORIZED,
  unavailable: EXIT.UNAVAILABLE,
  internal: EXIT.INTERNAL,
};

/** The exit code for an error of `category`. */
export function exitCodeFor(category: ErrorCategory): ExitCode {
  return EXIT_CODE_BY_CATEGORY[category];
}
