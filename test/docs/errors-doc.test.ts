import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ERRORS_DOC, renderErrorsDoc } from '../../scripts/errors-doc.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { STATUS_BY_CATEGORY } from '../../src/http/plugins/errors.js';
import { EXIT_CODE_BY_CATEGORY } from '../../src/cli/exit-codes.js';

test('docs/reference/errors.md equals what the error registry renders', () => {
  const committed = readFileSync(ERRORS_DOC, 'utf8');
  assert.equal(committed, renderErrorsDoc(), 'run `npx tsx scripts/errors-doc.ts` after changing src/core/errors.ts');
});

test('every error code in the registry has a row in the document', () => {
  const doc = readFileSync(ERRORS_DOC, 'utf8');
  for (const code of Object.keys(ERROR_CODES)) assert.match(doc, new RegExp(`\\| \`${code}\` \\|`), code);
});

test('the categories table matches the HTTP and CLI maps', () => {
  const doc = readFileSync(ERRORS_DOC, 'utf8');
  for (const [category, status] of Object.entries(STATUS_BY_CATEGORY)) {
    const exit = EXIT_CODE_BY_CATEGORY[category as keyof typeof EXIT_CODE_BY_CATEGORY];
    assert.match(doc, new RegExp(`\\| ${category} \\| ${status} \\| ${exit} \\|`), category);
  }
});

test('a 5xx is never the category of a caller mistake', () => {
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    const status = STATUS_BY_CATEGORY[spec.category];
    if (status >= 500 && status !== 503 && status !== 501) assert.equal(spec.category, 'internal', code);
  }
});
