import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { clearServerInfo, ensureAdminToken, ensureHome, writeServerInfo } from '../config/home.js';
import { openContext } from '../compose.js';
import type { ModelRuntime } from '../runtime/model-runtime.js';
import type { MooringContext } from '../compose.js';
import { demoRequest, ensureDemoModel } from '../demo/register-demo.js';
import { buildApp } from './app.js';
import type { ServerState } from './app.js';

/**
 * The server process: builds the context and the app, syncs the registry (so production versions are loaded and
 * warm before readiness turns true), listens, records its address in the home for the CLI, and shuts down
 * gracefully on SIGTERM/SIGINT: readiness answers 503, in-flight requests finish, models unload, logs flush, exit 0.
 */

/** A started server. */
export interface RunningServer {
  readonly url: string;
  readonly ctx: MooringContext;
  /** Resolves once a shutdown (signal or `stop`) has completed. */
  readonly done: Promise<void>;
  /** Shuts down gracefully (what SIGTERM does). */
  stop(reason?: string): Promise<void>;
}

/** Options for tests and embedding. */
export interface StartServerOptions {
  /** Install SIGTERM/SIGINT handlers (default true; tests that run several servers turn it off). */
  handleSignals?: boolean;
  logger?: Logger;
  /** Print where to send a prediction (default true). */
  announce?: boolean;
  /** Replaces the ONNX runtime (fault injection in tests and benchmarks). */
  runtime?: ModelRuntime;
}

/** Mooring's package version, for server metadata. */
export function mooringVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Starts the server on the configured address. */
export async function startServer(config: Config, options: StartServerOptions = {}): Promise<RunningServer> {
  ensureHome(config.home);
  const logger =
    options.logger ?? pino({ level: config.log.level, base: { service: 'mooring' } }, pino.destination({ dest: 1, sync: false }));
  const ctx = await openContext(config, { logger, actor: 'server', logWriterThread: true, ...(options.runtime ? { runtime: options.runtime } : {}) });
  const state: ServerState = { ready: false, draining: false };
  const adminToken = config.admin.token ?? ensureAdminToken(config.home);
  const version = mooringVersion();
  const app = await buildApp({ ctx, adminToken, state, version });

  if (config.demo) await ensureDemoModel(ctx.registry, ctx.runtime, logger, ctx.clock());
  await ctx.pool.sync();
  ctx.pool.start();
  ctx.monitor.start(config.alerts.evaluationIntervalMs);
  if (config.rollouts.enabled) ctx.rollouts.startLoop(config.rollouts.tickIntervalMs);
  await app.listen({ host: config.server.host, port: config.server.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host}:${port}`;
  writeServerInfo(config.home, { url, pid: process.pid, started_at: new Date().toISOString() });
  state.ready = true;
  logger.info({ url, home: config.home, registry: redact(config.registry.url) }, 'mooring is serving');
  if (options.announce !== false) announce(url, ctx);

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  let stopping: Promise<void> | null = null;
  const stop = (reason = 'stop'): Promise<void> => {
    if (stopping) return stopping;
    stopping = (async () => {
      logger.info({ reason }, 'shutting down: readiness is now 503, draining in-flight requests');
      state.ready = false;
      state.draining = true;
      if (config.server.drainDelayMs > 0) await new Promise((r) => setTimeout(r, config.server.drainDelayMs));
      const hard = setTimeout(() => app.server.closeAllConnections(), config.server.shutdownTimeoutMs);
      hard.unref();
      await app.close();
      clearTimeout(hard);
      await ctx.close();
      clearServerInfo(config.home);
      logger.info('shutdown complete');
      await new Promise<void>((r) => logger.flush(() => r()));
      resolveDone();
    })();
    return stopping;
  };
  if (options.handleSignals !== false) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void stop(signal));
  }
  return { url, ctx, done, stop };
}

function announce(url: string, ctx: MooringContext): void {
  const served = ctx.pool.status().filter((s) => s.ready);
  const lines = [`mooring: serving on ${url} (home ${ctx.config.home})`];
  for (const s of served) {
    lines.push(`  model ${s.name} version ${s.production} is answering. Try:`);
    lines.push(`    curl -s ${url}/v2/models/${s.name}`);
    lines.push(`    ${cliCommand()} predict ${s.name} --data '${exampleFor(ctx, s.name)}'`);
  }
  lines.push(`  API reference: ${url}/api/openapi.json`);
  process.stderr.write(lines.join('\n') + '\n');
}

/** How to call the CLI from the current folder: the repo's own bin inside a checkout, `npx mooring` elsewhere. */
function cliCommand(): string {
  const bin = fileURLToPath(new URL('../../bin/mooring.js', import.meta.url));
  return existsSync(bin) && bin === `${process.cwd()}/bin/mooring.js` ? './bin/mooring.js' : 'npx mooring';
}

function exampleFor(ctx: MooringContext, name: string): string {
  if (name === 'churn') return JSON.stringify(demoRequest());
  const served = ctx.pool.productionOf(name);
  const spec = served?.meta.signature.inputs[0];
  if (!served || served.meta.signature.inputs.length !== 1 || !spec) return '{"instances": [...]}';
  const width = spec.shape.slice(1).reduce((a, d) => a * (d < 0 ? 1 : d), 1);
  return JSON.stringify({ instances: [Array.from({ length: width }, (_, i) => i + 1)] });
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):([^@/]+)@/, '//$1:***@');
}
