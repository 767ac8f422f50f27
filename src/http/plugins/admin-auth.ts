import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { fail } from '../../core/errors.js';

/**
 * Bearer-token authentication for the admin API. Management endpoints reachable without credentials are how
 * TorchServe (ShellTorch) and Ray (ShadowRay) were taken over, so every admin route needs the server's admin token.
 * The hook is installed inside the admin plugin's encapsulated context, so it guards exactly the routes registered
 * there (and that context's not-found handler), however the URL is spelled: matching on URL text was bypassable
 * with percent-escapes (`/%61pi/...`), which the router decodes. The comparison is constant-time.
 */
export function registerAdminAuth(app: FastifyInstance, token: string): void {
  const expected = Buffer.from(`Bearer ${token}`);
  app.addHook('onRequest', async (request) => {
    const given = Buffer.from(request.headers.authorization ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw fail('UNAUTHORIZED', 'missing or wrong admin token: send Authorization: Bearer <token> (the token is in <home>/admin-token)');
    }
  });
}
