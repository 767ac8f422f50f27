import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { fail } from '../core/errors.js';

/**
 * Turning command-line text into values: option parsers for commander (which report a bad value as a usage
 * error, exit 2, naming the option) and readers for the files and JSON a command is pointed at. Only syntax is
 * checked here; what a value means is the services' business.
 */

/**
 * A commander option parser collecting repeated `--flag key=value` into a list of pairs; with `numeric`, values
 * must be finite numbers (metrics).
 */
export function collectPairs(numeric: boolean): (value: string, previous: Array<[string, string]> | undefined) => Array<[string, string]> {
  return (value, previous) => {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got ${JSON.stringify(value)}`);
    const key = value.slice(0, eq);
    const text = value.slice(eq + 1);
    if (numeric && !isNumber(text)) {
      throw new InvalidArgumentError(`the value of ${JSON.stringify(key)} must be a number, got ${JSON.stringify(text)}`);
    }
    return [...(previous ?? []), [key, text]];
  };
}

/** Collected pairs as a record (a repeated key keeps its last value), or undefined when none were given. */
export function pairsToRecord(pairs: Array<[string, string]> | undefined): Record<string, string> | undefined {
  return pairs === undefined ? undefined : Object.fromEntries(pairs);
}

/** Collected numeric pairs as a record of numbers, or undefined when none were given. */
export function pairsToNumbers(pairs: Array<[string, string]> | undefined): Record<string, number> | undefined {
  return pairs === undefined ? undefined : Object.fromEntries(pairs.map(([k, v]) => [k, Number(v)]));
}

function isNumber(text: string): boolean {
  return text.trim() !== '' && Number.isFinite(Number(text));
}

/** A commander option parser for a whole number in [min, max]. */
export function integerOption(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/** A commander option parser for a finite number (its range is the service's to check). */
export function numberOption(): (value: string) => number {
  return (value) => {
    if (!isNumber(value)) throw new InvalidArgumentError(`expected a number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}

/** Reads a file the user named; a missing or unreadable file is INVALID_REQUEST naming it and the option. */
export function readUserFile(path: string, option: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (e as Error).message;
    throw fail('INVALID_REQUEST', `${option} ${path}: cannot read the file (${why})`, { file: path });
  }
}

/** Parses `--data`: inline JSON, `@file.json`, or `@-` for stdin; invalid JSON is INVALID_JSON. */
export function readJsonData(value: string): unknown {
  let text: string;
  let source = 'the --data value';
  if (value.startsWith('@')) {
    const path = value.slice(1);
    source = path === '-' ? 'stdin' : path;
    text = path === '-' ? readFileSync(0, 'utf8') : readUserFile(path, '--data').toString('utf8');
  } else {
    text = value;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw fail('INVALID_JSON', `${source} is not valid JSON: ${(e as Error).message}`);
  }
}
