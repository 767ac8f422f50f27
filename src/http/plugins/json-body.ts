import type { FastifyInstance } from 'fastify';
import { fail } from '../../core/errors.js';
import type { MooringError } from '../../core/errors.js';
import { createJsonScanner } from '../../protocol/json-scan.js';
import type { JsonScanProblem } from '../../protocol/json-scan.js';

/**
 * The JSON body parser: `JSON.parse` plus one linear scan of the raw text (src/protocol/json-scan.ts) that refuses,
 * with INVALID_JSON naming the JSON path, what `JSON.parse` would accept silently:
 * - nesting deeper than `maxDepth` levels (checked before parsing, so a hostile body is never built in memory);
 * - the same key twice in one object (`JSON.parse` keeps the last value, other parsers the first: one body, two
 *   meanings), escaped spellings included (`"a"` and `"\u0061"` are the same key);
 * - `__proto__`, and `prototype` inside a `constructor` object: harmless to `JSON.parse`, a trap for any code that
 *   later merges the value.
 * Fastify's built-in parser would say only "not valid JSON"; the scan costs a fraction of the parse (bench/json-scan.ts).
 */
export function registerJsonParser(app: FastifyInstance, maxDepth: number): void {
  const scan = createJsonScanner({ maxDepth });
  // The text is kept for the prediction log, which stores it as it came instead of serializing the parsed value.
  app.decorateRequest('bodyText', null);
  // Only JSON reaches the data plane: Fastify's text/plain parser would hand a string to the codecs, which could
  // only say "not an object" instead of naming the Content-Type.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(fail('INVALID_JSON', 'request body is empty; send a JSON object'), undefined);
    const problem = scan(text);
    if (problem !== null && problem.kind === 'too-deep') return done(refusal(problem, maxDepth), undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return done(fail('INVALID_JSON', `request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
    // Reported after the parse, so that text which is not JSON at all is called that rather than a key problem.
    if (problem !== null) return done(refusal(problem, maxDepth), undefined);
    req.bodyText = text;
    done(null, value);
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The JSON body's text as received, once it parsed and passed the scan; null for other bodies. */
    bodyText: string | null;
  }
}

/** The INVALID_JSON answer for a scan problem; `details` carries the path (and the key or the limit). */
function refusal(p: JsonScanProblem, maxDepth: number): MooringError {
  switch (p.kind) {
    case 'too-deep':
      return fail('INVALID_JSON', `request body is nested deeper than ${maxDepth} levels at ${p.path}`, { path: p.path, limit: maxDepth });
    case 'duplicate-key':
      return fail(
        'INVALID_JSON',
        `request body has the key ${quote(p.key)} twice in the object at ${p.path}: JSON parsers disagree on which value wins, so send each key once`,
        { path: p.path, key: p.key },
      );
    case 'forbidden-key':
      return fail(
        'INVALID_JSON',
        `request body has the forbidden key ${quote(p.key)} in the object at ${p.path} ("__proto__" and "constructor.prototype" are refused)`,
        { path: p.path, key: p.key },
      );
  }
}

/** A key quoted for a message, cut short so a huge key cannot bloat the answer. */
function quote(key: string): string {
  return JSON.stringify(key.length > 64 ? `${key.slice(0, 64)}...` : key);
}
