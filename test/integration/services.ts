/**
 * Where the integration tests find real PostgreSQL and Redis. A variable turns each on; CI must set it (a missing
 * service fails the build instead of silently skipping), a newcomer's machine skips with a message saying how.
 */

// CI=false or CI=0 (as some runners set it locally) does not count as CI.
function isCi(): boolean {
  const ci = process.env['CI'];
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

function serviceUrl(variable: string): string | null {
  const value = process.env[variable];
  if (value !== undefined && value !== '') return value;
  if (isCi()) throw new Error(`CI requires ${variable}: the integration tests must run against the real service`);
  return null;
}

/** The PostgreSQL URL from MOORING_TEST_POSTGRES_URL, or null (outside CI) when it is unset. */
export function postgresUrl(): string | null {
  return serviceUrl('MOORING_TEST_POSTGRES_URL');
}

/** The Redis URL from MOORING_TEST_REDIS_URL, or null (outside CI) when it is unset. */
export function redisUrl(): string | null {
  return serviceUrl('MOORING_TEST_REDIS_URL');
}

/** The skip message for a suite that needs PostgreSQL. */
export const POSTGRES_SKIP = 'set MOORING_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test to run';

/** The skip message for a suite that needs Redis. */
export const REDIS_SKIP = 'set MOORING_TEST_REDIS_URL=redis://127.0.0.1:6379 to run';
