/**
 * The HTTP test harness: a Mooring app on a fresh temporary home, driven in-process with Fastify's `inject`
 * (`openTestApp`), or a real server listening on loopback (`startTestServer`) for tests that need sockets.
 *
 * Both register fixture models through the registry service, carry a known admin token, and remove their home
 * on `close()`. Nothing here sleeps to synchronize: `pollUntil` is a bounded loop.
 */
import type { FeatureSignature } from '../../src/core/features/feature-spec.js';
import type { VersionProfile } from '../../src/core/profile/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/config.js';
import type { Config } from '../../src/config/config.js';
import { openContext } from '../../src/compose.js';
import type { MooringContext, OpenContextOptions } from '../../src/compose.js';
import type { Clock } from '../../src/core/clock.js';
import type { ModelVersion } from '../../src/core/registry/types.js';
import { buildApp } from '../../src/http/app.js';
import type { ServerState } from '../../src/http/app.js';
import { startServer } from '../../src/http/server.js';
import type { RunningServer } from '../../src/http/server.js';
import type { ModelRuntime } from '../../src/runtime/model-runtime.js';

/** The admin token every harness app and server uses. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

/** Options for `openTestApp` and `startTestServer`. */
export interface TestAppOptions {
  /** Laid over the harness defaults (demo off, port 0, silent logs). */
  overrides?: Record<string, unknown>;
  /** A clock for the registry store and pool (tests of alias history drive time by hand). */
  clock?: Clock;
  /** Replaces the ONNX runtime. */
  runtime?: ModelRuntime;
}

/** Options of `register`. */
export interface RegisterOptions {
  alias?: string;
  metrics?: Record<string, number>;
  params?: Record<string, string>;
  tags?: Record<string, string>;
  description?: string;
  /** Named features and the training profile (see src/services/reference-profile.ts). */
  features?: FeatureSignature;
  profile?: VersionProfile;
}

/**
 * A JSON-ish response: status, headers, and the body parsed (undefined when it is not JSON).
 * `T` defaults to `any` on purpose: tests read arbitrary fields of answers and assert on them, and a wrong field
 * read fails the assertion anyway.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export interface JsonResponse<T = any> {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: T;
}

/** An in-process app on a temporary home. */
export interface TestApp {
  readonly home: string;
  readonly config: Config;
  readonly ctx: MooringContext;
  readonly app: FastifyInstance;
  readonly state: ServerState;
  readonly token: string;
  /** Registers a fixture through the registry service (actor `test`); `alias: 'production'` deploys it. */
  register(name: string, bytes: Uint8Array, options?: RegisterOptions): Promise<ModelVersion>;
  /** `inject` as is (no token). */
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** `inject` with the admin token. */
  adminInject(options: InjectOptions): Promise<LightMyRequestResponse>;
  /** GET a path; the body parsed as JSON. */
  get<T = any>(url: string): Promise<JsonResponse<T>>;
  /** POST a JSON value (stringified here) to a path. */
  post<T = any>(url: string, body: unknown): Promise<JsonResponse<T>>;
  /** An admin call with the token: `method`, `url`, optional JSON body. */
  admin<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<JsonResponse<T>>;
  close(): Promise<void>;
}

/** Parses a light-my-request response into a JsonResponse. */
export function toJson<T = any>(res: LightMyRequestResponse): JsonResponse<T> {
  let body: T;
  try {
    body = JSON.parse(res.body) as T;
  } catch {
    body = undefined as T;
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return { status: res.statusCode, headers, text: res.body, body };
}

/** A fresh temporary folder for a home. */
export function tempHome(prefix = 'http'): string {
  return mkdtempSync(join(tmpdir(), `mooring-${prefix}-`));
}

function harnessConfig(home: string, overrides: Record<string, unknown> = {}): Config {
  const o = overrides as { server?: Record<string, unknown>; log?: Record<string, unknown> };
  return loadConfig({
    home,
    env: {},
    overrides: {
      demo: false,
      ...overrides,
      server: { port: 0, ...(o.server ?? {}) },
      log: { level: 'silent', ...(o.log ?? {}) },
      admin: { token: TEST_ADMIN_TOKEN },
      // A short sweep interval is not needed: the pool syncs on every registry change.
      registry: { syncIntervalMs: 0, ...((overrides as { registry?: Record<string, unknown> }).registry ?? {}) },
    },
  });
}

/** Opens a context and an app (not listening) on a fresh home; readiness is already true. */
export async function openTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const home = tempHome('app');
  let ctx: MooringContext | undefined;
  try {
    const config = harnessConfig(home, options.overrides);
    const ctxOptions: OpenContextOptions = { actor: 'test', processMetrics: false };
    if (options.clock) ctxOptions.clock = options.clock;
    if (options.runtime) ctxOptions.runtime = options.runtime;
    ctx = await openContext(config, ctxOptions);
    const state: ServerState = { ready: false, draining: false };
    const app = await buildApp({ ctx, adminToken: TEST_ADMIN_TOKEN, state, version: '0.0.0-test' });
    await app.ready();
    state.ready = true;
    const c = ctx;
    const auth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
    let closed = false;
    return {
      home,
      config,
      ctx: c,
      app,
      state,
      token: TEST_ADMIN_TOKEN,
      register: (name, bytes, o = {}) => registerFixture(c, name, bytes, o),
      inject: (opts) => app.inject(opts),
      adminInject: (opts) => app.inject({ ...opts, headers: { ...auth, ...(opts.headers ?? {}) } }),
      get: async (url) => toJson(await app.inject({ method: 'GET', url })),
      post: async (url, body) =>
        toJson(await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) })),
      admin: async (method, url, body) =>
        toJson(
          await app.inject({
            method,
            url,
            headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
            ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
          }),
        ),
      async close() {
        if (closed) return;
        closed = true;
        try {
          await app.close();
          await c.close();
        } finally {
          rmSync(home, { recursive: true, force: true });
        }
      },
    };
  } catch (e) {
    await ctx?.close().catch(() => undefined);
    rmSync(home, { recursive: true, force: true });
    throw e;
  }
}

export function registerFixture(ctx: MooringContext, name: string, bytes: Uint8Array, o: RegisterOptions): Promise<ModelVersion> {
  return ctx.registry.register(
    {
      name,
      artifact: bytes,
      alias: o.alias ?? null,
      ...(o.metrics ? { metrics: o.metrics } : {}),
      ...(o.params ? { params: o.params } : {}),
      ...(o.tags ? { tags: o.tags } : {}),
      ...(o.description ? { description: o.description } : {}),
      ...(o.features ? { features: o.features } : {}),
      ...(o.profile ? { profile: o.profile } : {}),
    },
    { actor: 'test' },
  );
}

/** A real server on loopback (port 0) over a fresh home. */
export interface TestServer {
  readonly home: string;
  readonly url: string;
  readonly server: RunningServer;
  readonly ctx: MooringContext;
  readonly token: string;
  register(name: string, bytes: Uint8Array, options?: RegisterOptions): Promise<ModelVersion>;
  /** fetch `path` on the server; the body parsed as JSON. */
  fetchJson<T = any>(path: string, init?: RequestInit): Promise<JsonResponse<T>>;
  /** An admin call with the token. */
  admin<T = any>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<JsonResponse<T>>;
  close(): Promise<void>;
}

/** Starts `startServer` on a fresh home (no signal handlers, no announcement). */
export async function startTestServer(options: TestAppOptions = {}): Promise<TestServer> {
  const home = tempHome('server');
  let server: RunningServer;
  try {
    server = await startServer(harnessConfig(home, options.overrides), { handleSignals: false, announce: false });
  } catch (e) {
    rmSync(home, { recursive: true, force: true });
    throw e;
  }
  const fetchJson = async <T>(path: string, init?: RequestInit): Promise<JsonResponse<T>> => {
    const res = await fetch(server.url + path, init);
    const text = await res.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = undefined as T;
    }
    return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text, body };
  };
  let closed = false;
  return {
    home,
    url: server.url,
    server,
    ctx: server.ctx,
    token: TEST_ADMIN_TOKEN,
    register: (name, bytes, o = {}) => registerFixture(server.ctx, name, bytes, o),
    fetchJson,
    admin: (method, path, body) =>
      fetchJson(path, {
        method,
        headers:
          body === undefined
            ? { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }
            : { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await server.stop('test');
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

/** Calls `check` until it returns something other than undefined, at most `attempts` times, `intervalMs` apart. */
export async function pollUntil<T>(what: string, check: () => T | undefined | Promise<T | undefined>, attempts = 500, intervalMs = 20): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`gave up waiting for ${what} after ${attempts} attempts`);
}

/** `x · weights + bias` computed in float32 steps the way the linear fixture's MatMul + Add would, within tolerance. */
export function linearExpect(m: { weights: readonly number[]; bias: number }, x: readonly number[]): number {
  return x.reduce((s, v, i) => s + v * m.weights[i]!, m.bias);
}

/** Asserts-free closeness check: |a - b| <= tol * max(1, |b|). */
export function close(a: number, b: number, tol = 1e-5): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}
