import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { fail } from '../../core/errors.js';

/**
 * Bearer-token authentication for the admin API. Management endpoints reachable without credentials are how
 * TorchServe (ShellTorch) and Ray (ShadowRay) were taken over, so every /api route except the health and OpenAPI
 * documents needs the server's admin token. The comparison is constant-time.
 */
export function registerAdminAuth(app: FastifyInstance, token: string, open: ReadonlySet<string>): void {
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook('onRequest', async (request) => {
    const url = request.url;
    if (!url.startsWith('/api/')) return;
    const path = url.split('?')[0]!;
    if (open.has(path)) return;
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw fail('UNAUTHORIZED', 'missing or wrong admin token: send Authorization: Bearer <token> (the token is in <home>/admin-token)');
    }
  });
}
