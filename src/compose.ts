import pino from 'pino';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { ensureHome } from './config/home.js';
import { systemClock } from './core/clock.js';
import type { Clock } from './core/clock.js';
import type { AdminApi } from './protocol/admin/admin-api.js';
import { ServiceAdmin } from './protocol/admin/service-admin.js';
import type { ModelRuntime } from './runtime/model-runtime.js';
import { OnnxModelRuntime } from './runtime/onnx/onnx-model-runtime.js';
import { Dataplane } from './services/dataplane.js';
import { RegistryService } from './services/registry-service.js';
import { ServingPool } from './services/serving-pool.js';
import type { ArtifactStore } from './storage/artifact-store.js';
import { openArtifactStore, openRegistryStore } from './storage/backends.js';
import type { RegistryStore } from './storage/registry-store.js';

/**
 * The composition root: builds Mooring's object graph from a Config. The server and the CLI's local mode both
 * start here, so they run the same services over the same backends; which backend is chosen by the configured URLs.
 */

/** Everything a process needs to run Mooring in-process. */
export interface MooringContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: RegistryStore;
  readonly artifacts: ArtifactStore;
  readonly runtime: ModelRuntime;
  readonly registry: RegistryService;
  readonly pool: ServingPool;
  readonly dataplane: Dataplane;
  /** An AdminApi acting as `actor` (default: the context's own actor). */
  adminAs(actor: string): AdminApi;
  /** AdminApi for this process's own user. */
  readonly admin: AdminApi;
  /** Stops the pool and closes the stores. */
  close(): Promise<void>;
}

/** Options for `openContext`. */
export interface OpenContextOptions {
  logger?: Logger;
  clock?: Clock;
  /** The actor recorded on audit records written through `admin` (default `cli:<user>`). */
  actor?: string;
  /** Replaces the ONNX runtime (tests inject faulty runtimes through this). */
  runtime?: ModelRuntime;
}

/** Builds the context; the caller owns it and must `close()` it. */
export async function openContext(config: Config, options: OpenContextOptions = {}): Promise<MooringContext> {
  ensureHome(config.home);
  const logger = options.logger ?? pino({ level: config.log.level === 'info' ? 'warn' : config.log.level }, pino.destination(2));
  const clock = options.clock ?? systemClock;
  const store = await openRegistryStore(config.registry.url, { clock });
  const artifacts = await openArtifactStore(config.artifacts.url);
  const runtime = options.runtime ?? new OnnxModelRuntime();
  const registry = new RegistryService(store, artifacts, runtime);
  const pool = new ServingPool({
    store,
    artifacts,
    runtime,
    clock,
    logger,
    loadOptions: { intraOpThreads: config.runtime.intraOpThreads },
    unloadGraceMs: config.runtime.unloadGraceMs,
    syncIntervalMs: config.registry.syncIntervalMs,
    resolve: (ref) => registry.resolve(ref),
  });
  registry.setProductionGate(pool);
  registry.onChange(() => {
    pool.sync().catch((e: unknown) => logger.error({ err: (e as Error).message }, 'registry sync failed'));
  });
  const dataplane = new Dataplane(pool, clock);
  const adminAs = (actor: string): AdminApi => new ServiceAdmin(registry, dataplane, actor);
  let closed = false;
  return {
    config,
    logger,
    clock,
    store,
    artifacts,
    runtime,
    registry,
    pool,
    dataplane,
    adminAs,
    admin: adminAs(options.actor ?? `cli:${process.env.USER ?? 'unknown'}`),
    async close() {
      if (closed) return;
      closed = true;
      await pool.stop();
      await store.close();
    },
  };
}
