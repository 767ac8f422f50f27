/**
 * The Mooring target of the benchmark: the real server from the COMPILED code in `dist/` (what `npm start` runs),
 * on a fresh temporary home with the demo model registered and deployed, listening on a free loopback port.
 *
 * Usage: `node --import tsx bench/mooring-server.ts [port] [no-profile] [no-monitoring]` (port also from `PORT`; default 0 = any free
 * port). `no-profile` registers the demo model without named features or a training profile before the server
 * starts, so only the signature check guards its input (the "without validation" side of the validation cost);
 * `no-monitoring` turns request metrics and the prediction log off (the "without" side of the monitoring cost).
 * Prints `READY <port>` on stdout once the demo model is loaded and readiness is true. SIGTERM/SIGINT shut it
 * down gracefully (so `--cpu-prof` can write its profile) and remove the temporary home.
 *
 * `dist/` must exist: `npm run bench` runs `npm run build` first.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// Type-only views of the compiled modules: the types come from src/, the code from dist/.
type ServerModule = typeof import('../src/http/server.js');
type ConfigModule = typeof import('../src/config/config.js');
type ComposeModule = typeof import('../src/compose.js');
type DemoModule = typeof import('../src/demo/demo-model.js');

const root = fileURLToPath(new URL('..', import.meta.url));
const serverJs = join(root, 'dist', 'http', 'server.js');
const configJs = join(root, 'dist', 'config', 'config.js');
if (!existsSync(serverJs) || !existsSync(configJs)) {
  process.stderr.write(`mooring-server: ${serverJs} is missing; run \`npm run build\` first\n`);
  process.exit(2);
}
const { startServer } = (await import(pathToFileURL(serverJs).href)) as ServerModule;
const { loadConfig } = (await import(pathToFileURL(configJs).href)) as ConfigModule;

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const home = mkdtempSync(join(tmpdir(), 'mooring-bench-'));
// `env: {}`: the run must not pick up MOORING_* settings from the shell that started it.
const config = loadConfig({
  home,
  env: {},
  overrides: {
    demo: true,
    server: { host: '127.0.0.1', port },
    log: { level: 'warn' },
    // `no-monitoring`: no request metrics and no prediction log, the "without" side of the monitoring cost.
    ...(process.argv.includes('no-monitoring') ? { metrics: { enabled: false }, predictionLog: { enabled: false } } : {}),
  },
});
if (process.argv.includes('no-profile')) {
  const { openContext } = (await import(pathToFileURL(join(root, 'dist', 'compose.js')).href)) as ComposeModule;
  const { buildDemoModel } = (await import(pathToFileURL(join(root, 'dist', 'demo', 'demo-model.js')).href)) as DemoModule;
  const ctx = await openContext(config, { processMetrics: false });
  const demo = buildDemoModel();
  // A registry with a model is left alone by the server's demo set-up: this plain version is what it serves.
  await ctx.registry.register({ name: demo.name, artifact: demo.bytes, alias: 'production' }, { actor: 'bench' });
  await ctx.close();
}
const server = await startServer(config, { handleSignals: false, announce: false });

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  server
    .stop('benchmark finished')
    .catch((err: unknown) => process.stderr.write(`mooring-server: stop failed: ${String(err)}\n`))
    .finally(() => {
      rmSync(home, { recursive: true, force: true });
      process.exit(0);
    });
};
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);

process.stdout.write(`READY ${new URL(server.url).port}\n`);
