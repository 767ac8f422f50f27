import type { FastifyInstance } from 'fastify';
import { fail } from '../../core/errors.js';

/**
 * The JSON body parser. `JSON.parse` itself never pollutes a prototype, but a `__proto__` key in user data is a
 * trap for any code that later merges it, so such bodies are refused with a clear INVALID_JSON (Fastify's built-in
 * answer says only "not valid JSON"). The key scan runs only when the raw text contains the key, so ordinary
 * requests pay one `indexOf`.
 */
export function registerJsonParser(app: FastifyInstance): void {
  // Only JSON reaches the data plane: Fastify's text/plain parser would hand a string to the codecs, which could
  // only say "not an object" instead of naming the Content-Type.
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(fail('INVALID_JSON', 'request body is empty; send a JSON object'), undefined);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return done(fail('INVALID_JSON', `request body is not valid JSON: ${(e as Error).message}`), undefined);
    }
    if (text.includes('"__proto__"') || text.includes('"constructor"')) {
      const bad = findForbiddenKey(value);
      if (bad) return done(fail('INVALID_JSON', `request body has the forbidden key ${JSON.stringify(bad)}`), undefined);
    }
    done(null, value);
  });
}

/** Walks the parsed value iteratively (no recursion: bodies may nest deeply) looking for prototype keys. */
function findForbiddenKey(root: unknown): string | null {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const v of node) if (typeof v === 'object' && v !== null) stack.push(v);
      continue;
    }
    for (const k of Object.keys(node)) {
      const v = (node as Record<string, unknown>)[k];
      if (k === '__proto__') return k;
      if (k === 'constructor' && typeof v === 'object' && v !== null && 'prototype' in v) return 'constructor.prototype';
      if (typeof v === 'object' && v !== null) stack.push(v);
    }
  }
  return null;
}
