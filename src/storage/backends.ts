import { fileURLToPath } from 'node:url';
import type { Clock } from '../core/clock.js';
import { fail } from '../core/errors.js';
import type { AlertStore } from './alert-store.js';
import type { ArtifactStore } from './artifact-store.js';
import { FsArtifactStore } from './fs/fs-artifact-store.js';
import { MemoryAlertStore } from './memory/memory-alert-store.js';
import { MemoryArtifactStore } from './memory/memory-artifact-store.js';
import { MemoryPredictionLog } from './memory/memory-prediction-log.js';
import { openPostgresAlertStore } from './postgres/postgres-alert-store.js';
import { openPostgresPredictionLog } from './postgres/postgres-prediction-log.js';
import { openPostgresRegistryStore } from './postgres/postgres-registry-store.js';
import type { PredictionLog } from './prediction-log.js';
import type { RegistryStore } from './registry-store.js';
import { openSqliteAlertStore } from './sqlite/sqlite-alert-store.js';
import { openSqlitePredictionLog } from './sqlite/sqlite-prediction-log.js';
import { openSqliteRegistryStore } from './sqlite/sqlite-registry-store.js';

/**
 * Storage chosen by configuration: a URL's scheme picks the backend from a table, so adding a backend is one row
 * here and callers never branch on which database they have.
 */

/** Options every registry backend accepts; a backend ignores what it has no use for. */
export interface RegistryStoreOptions {
  /** Source of time for audit records, events and timestamps (default: the wall clock). */
  readonly clock?: Clock;
  /** PostgreSQL schema to keep the tables in (created when missing); ignored by SQLite. */
  readonly schema?: string;
}

/** Options every prediction log backend accepts; a backend ignores what it has no use for. */
export interface PredictionLogOptions {
  /** PostgreSQL schema to keep the tables in (created when missing); ignored by SQLite and memory. */
  readonly schema?: string;
}

/** Options every alert store backend accepts; a backend ignores what it has no use for. */
export interface AlertStoreOptions {
  /** Source of time for rule changes, deliveries and leases (default: the wall clock). */
  readonly clock?: Clock;
  /** PostgreSQL schema to keep the tables in (created when missing); ignored by SQLite and memory. */
  readonly schema?: string;
}

interface Backend<T, O> {
  /** The URL forms the backend accepts, as shown in the error for an unknown scheme. */
  readonly forms: readonly string[];
  readonly matches: (url: string) => boolean;
  readonly open: (url: string, options: O) => Promise<T>;
}

/**
 * The absolute path in `<scheme>:///abs/path`, or CONFIG_INVALID. Only the three-slash form is accepted: WHATWG
 * parsing would quietly read `file:rel` as `/rel`. Messages never repeat the URL (a URL may hold secrets).
 */
function absolutePath(url: string, scheme: 'sqlite' | 'file'): string {
  if (url.startsWith(`${scheme}:///`)) {
    try {
      return fileURLToPath(`file://${url.slice(scheme.length + 3)}`);
    } catch {
      // fall through to the one message below
    }
  }
  throw fail('CONFIG_INVALID', `a ${scheme}: URL must name an absolute path with three slashes: ${scheme}:///abs/path`, { scheme });
}

const REGISTRY_BACKENDS: readonly Backend<RegistryStore, RegistryStoreOptions>[] = [
  {
    forms: ['sqlite::memory:'],
    matches: (url) => url === 'sqlite::memory:',
    open: (_url, o) => openSqliteRegistryStore(':memory:', withClock(o)),
  },
  {
    forms: ['sqlite:///abs/path.db'],
    matches: (url) => url.startsWith('sqlite:'),
    open: (url, o) => openSqliteRegistryStore(absolutePath(url, 'sqlite'), withClock(o)),
  },
  {
    forms: ['postgres://user@host:5432/db', 'postgresql://user@host:5432/db'],
    matches: (url) => url.startsWith('postgres://') || url.startsWith('postgresql://'),
    open: (url, o) => openPostgresRegistryStore(url, { ...withClock(o), ...(o.schema === undefined ? {} : { schema: o.schema }) }),
  },
];

const PREDICTION_LOG_BACKENDS: readonly Backend<PredictionLog, PredictionLogOptions>[] = [
  {
    forms: ['sqlite::memory:'],
    matches: (url) => url === 'sqlite::memory:',
    open: () => openSqlitePredictionLog(':memory:'),
  },
  {
    forms: ['sqlite:///abs/path.db'],
    matches: (url) => url.startsWith('sqlite:'),
    open: (url) => openSqlitePredictionLog(absolutePath(url, 'sqlite')),
  },
  {
    forms: ['postgres://user@host:5432/db', 'postgresql://user@host:5432/db'],
    matches: (url) => url.startsWith('postgres://') || url.startsWith('postgresql://'),
    open: (url, o) => openPostgresPredictionLog(url, o.schema === undefined ? {} : { schema: o.schema }),
  },
  {
    forms: ['memory:'],
    matches: (url) => url === 'memory:',
    open: async () => new MemoryPredictionLog(),
  },
];

const ALERT_BACKENDS: readonly Backend<AlertStore, AlertStoreOptions>[] = [
  {
    forms: ['sqlite::memory:'],
    matches: (url) => url === 'sqlite::memory:',
    open: (_url, o) => openSqliteAlertStore(':memory:', withClock(o)),
  },
  {
    forms: ['sqlite:///abs/path.db'],
    matches: (url) => url.startsWith('sqlite:'),
    open: (url, o) => openSqliteAlertStore(absolutePath(url, 'sqlite'), withClock(o)),
  },
  {
    forms: ['postgres://user@host:5432/db', 'postgresql://user@host:5432/db'],
    matches: (url) => url.startsWith('postgres://') || url.startsWith('postgresql://'),
    open: (url, o) => openPostgresAlertStore(url, { ...withClock(o), ...(o.schema === undefined ? {} : { schema: o.schema }) }),
  },
  {
    forms: ['memory:'],
    matches: (url) => url === 'memory:',
    open: async (_url, o) => new MemoryAlertStore(withClock(o)),
  },
];

const ARTIFACT_BACKENDS: readonly Backend<ArtifactStore, Record<string, never>>[] = [
  {
    forms: ['file:///abs/dir'],
    matches: (url) => url.startsWith('file:'),
    open: (url) => FsArtifactStore.open(absolutePath(url, 'file')),
  },
  {
    forms: ['memory:'],
    matches: (url) => url === 'memory:',
    open: async () => new MemoryArtifactStore(),
  },
];

function withClock(o: { readonly clock?: Clock }): { clock?: Clock } {
  return o.clock === undefined ? {} : { clock: o.clock };
}

function choose<T, O>(kind: string, backends: readonly Backend<T, O>[], url: string): Backend<T, O> {
  const backend = backends.find((b) => b.matches(url));
  if (backend) return backend;
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(url)?.[0] ?? '(none)';
  const accepted = backends.flatMap((b) => b.forms);
  throw fail('CONFIG_INVALID', `unknown ${kind} URL scheme ${scheme}: use one of ${accepted.join(', ')}`, {
    scheme,
    accepted,
  });
}

/**
 * Opens the registry store a URL names: `sqlite:///abs/path.db`, `sqlite::memory:`, `postgres://...` or
 * `postgresql://...`. Throws CONFIG_INVALID for any other scheme.
 */
export async function openRegistryStore(url: string, options: RegistryStoreOptions = {}): Promise<RegistryStore> {
  return choose('registry store', REGISTRY_BACKENDS, url).open(url, options);
}

/**
 * Opens the prediction log a URL names: `sqlite:///abs/path.db`, `sqlite::memory:`, `postgres://...`,
 * `postgresql://...` or `memory:`. Throws CONFIG_INVALID for any other scheme.
 */
export async function openPredictionLog(url: string, options: PredictionLogOptions = {}): Promise<PredictionLog> {
  return choose('prediction log', PREDICTION_LOG_BACKENDS, url).open(url, options);
}

/**
 * Opens the alert store a URL names: `sqlite:///abs/path.db`, `sqlite::memory:`, `postgres://...`,
 * `postgresql://...` or `memory:`. Throws CONFIG_INVALID for any other scheme.
 */
export async function openAlertStore(url: string, options: AlertStoreOptions = {}): Promise<AlertStore> {
  return choose('alert store', ALERT_BACKENDS, url).open(url, options);
}

/** Opens the artifact store a URL names: `file:///abs/dir` or `memory:`. Throws CONFIG_INVALID otherwise. */
export async function openArtifactStore(url: string): Promise<ArtifactStore> {
  return choose('artifact store', ARTIFACT_BACKENDS, url).open(url, {});
}
