import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../config/config.js';
import { readAdminToken, readServerInfo } from '../config/home.js';
import type { AdminApi } from '../protocol/admin/admin-api.js';
import { HttpAdminClient } from './http-admin-client.js';
import { createCliLogger } from './output.js';

/** The global options every command accepts (see `program.ts`). */
export interface GlobalOptions {
  home?: string;
  config?: string;
  url?: string;
  token?: string;
  verbose?: boolean;
}

/** The AdminApi one invocation uses, how it was chosen, and how to let go of it. */
export interface Connection {
  admin: AdminApi;
  /** `remote` (--url), `home-server` (the server recorded in the home) or `local` (the home opened in-process). */
  mode: 'remote' | 'home-server' | 'local';
  /** Closes what was opened (the in-process context in local mode); safe to call once. */
  close(): Promise<void>;
}

/** The home folder an invocation uses: `--home`, else MOORING_HOME, else `./.mooring` (as `loadConfig` resolves it). */
export function resolveHome(home: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return resolve(home ?? env.MOORING_HOME ?? '.mooring');
}

/** Who is acting, `user@host`, sent to the server as `x-mooring-actor` (informational). */
export function actorName(): string {
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    // A container user without a passwd entry: userInfo() throws; the variables usually still name someone.
    user = process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
  return `${user}@${hostname()}`;
}

/**
 * Chooses the AdminApi for one invocation: `--url` -> that server (token from `--token`, MOORING_ADMIN_TOKEN, or the
 * home's admin-token); else a live server recorded in the home -> that server; else the home opened in-process
 * (local mode, no server needed). With `--verbose` it says which on stderr.
 */
export async function connect(options: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<Connection> {
  const home = resolveHome(options.home, env);
  const verbose = (text: string): void => {
    if (options.verbose) process.stderr.write(`mooring: ${text}\n`);
  };
  const token = (): string | null => options.token ?? (env.MOORING_ADMIN_TOKEN || null) ?? readAdminToken(home);
  if (options.url !== undefined) {
    verbose(`using the server at ${options.url} (--url)`);
    return remote('remote', options.url, token());
  }
  const server = readServerInfo(home);
  if (server !== null) {
    verbose(`using the server at ${server.url} (pid ${server.pid}, recorded in ${home}/server.json)`);
    return remote('home-server', server.url, token());
  }
  const config = loadConfig({ home, configFile: options.config, env });
  verbose(`no server is running on ${home}: opening it in-process (local mode)`);
  // Loaded on demand so that talking to a server never loads the storage and runtime stack.
  const { openContext } = await import('../compose.js');
  const context = await openContext(config, {
    logger: createCliLogger(options.verbose === true),
    actor: `cli:${actorName()}`,
    processMetrics: false,
  });
  let closed = false;
  return {
    admin: context.admin,
    mode: 'local',
    close: async () => {
      if (closed) return;
      closed = true;
      await context.close();
    },
  };
}

function remote(mode: 'remote' | 'home-server', url: string, token: string | null): Connection {
  return {
    admin: new HttpAdminClient({ baseUrl: url, token, actor: actorName() }),
    mode,
    close: async () => {},
  };
}
