import { rmSync } from 'node:fs';

/**
 * How a benchmark's child server ends: on SIGTERM/SIGINT (or when the caller invokes the returned function) it stops
 * the server gracefully (so `--cpu-prof` can write its profile), removes the temporary home and exits 0. Shared by
 * the bench's server scripts. `before` runs first (e.g. clearing injected faults so hung calls can finish).
 */
export function exitOnSignals(label: string, home: string, stop: () => Promise<void>, before?: () => void): () => void {
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    before?.();
    stop()
      .catch((err: unknown) => process.stderr.write(`${label}: stop failed: ${String(err)}\n`))
      .finally(() => {
        rmSync(home, { recursive: true, force: true });
        process.exit(0);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return shutdown;
}
