import assert from 'node:assert/strict';
import { MooringError } from '../../src/core/errors.js';
import type { ErrorCode } from '../../src/core/errors.js';

/** Runs `fn`, asserts it throws a MooringError with `code` (and a message matching `text`), and returns it. */
export function throwsCode(fn: () => unknown, code: ErrorCode, text?: RegExp): MooringError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof MooringError, `expected MooringError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  if (text) assert.match(caught.message, text);
  return caught;
}
