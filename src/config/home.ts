import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The files in MOORING_HOME through which a CLI finds the server running on the same home:
 * `server.json` (address and pid, written when the server listens, removed when it stops) and `admin-token`
 * (the admin API bearer token, mode 0600, created once and kept).
 */

/** What a running server records about itself. */
export interface ServerInfo {
  url: string;
  pid: number;
  started_at: string;
}

/** Creates the home folder (mode 0700: it holds the admin token). */
export function ensureHome(home: string): void {
  mkdirSync(home, { recursive: true, mode: 0o700 });
}

/** Records the server's address; written atomically so a reader never sees half a file. */
export function writeServerInfo(home: string, info: ServerInfo): void {
  ensureHome(home);
  const target = join(home, 'server.json');
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, target);
}

/** Removes `server.json` if it still names this process (a newer server may have replaced it). */
export function clearServerInfo(home: string, pid: number = process.pid): void {
  const info = readServerInfoFile(home);
  if (info && info.pid === pid) rmSync(join(home, 'server.json'), { force: true });
}

/** The server recorded in the home, or null when none is recorded or its process is gone. */
export function readServerInfo(home: string): ServerInfo | null {
  const info = readServerInfoFile(home);
  if (!info) return null;
  return processAlive(info.pid) ? info : null;
}

function readServerInfoFile(home: string): ServerInfo | null {
  try {
    const value = JSON.parse(readFileSync(join(home, 'server.json'), 'utf8')) as Partial<ServerInfo>;
    if (typeof value.url !== 'string' || typeof value.pid !== 'number') return null;
    return { url: value.url, pid: value.pid, started_at: String(value.started_at ?? '') };
  } catch {
    return null;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else; it is still alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The admin token kept in the home, or null when none was created yet. */
export function readAdminToken(home: string): string | null {
  const p = join(home, 'admin-token');
  if (!existsSync(p)) return null;
  const token = readFileSync(p, 'utf8').trim();
  return token.length > 0 ? token : null;
}

/** The home's admin token, created (32 random bytes, hex, mode 0600) on first use. */
export function ensureAdminToken(home: string): string {
  const existing = readAdminToken(home);
  if (existing) return existing;
  ensureHome(home);
  const token = randomBytes(32).toString('hex');
  const p = join(home, 'admin-token');
  writeFileSync(p, token + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(p, 0o600);
  return token;
}
