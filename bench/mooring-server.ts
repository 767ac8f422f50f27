/**
 * The Mooring target of the benchmark: the real server from the COMPILED code in `dist/` (what `npm start` runs),
 * on a fresh temporary home with a model registered and deployed, listening on a free loopback port.
 *
 * Usage: `node --import tsx bench/mooring-server.ts [port] [flags...]` (port also from `PORT`; default 0 = any free
 * port). Flags, in any order:
 *   no-profile     the demo model registered without named features or a training profile, so only the signature
 *                  check guards its input (the "without validation" side of the validation cost)
 *   no-monitoring  request metrics and the prediction log off (the "without" side of the monitoring cost)
 *   no-log         the prediction log off, request metrics on (the "without" side of the log's cost)
 *   no-metrics     request metrics off, the prediction log on (the "without" side of the metrics' cost)
 *   heavy          serve the compute-heavy MLP of bench/heavy-model.ts as `heavy` (alias production, with named
 *                  features f00..f63 and a training profile) instead of the demo model
 *   batching       deployment policy of the served model: `{batching: {enabled: true, maxBatchSize: 64,
 *                  maxQueueDelayMicros: 500}}`
 *   cache          deployment policy of the served model: `{cache: {enabled: true}}`
 * The model and its policy are written through the same services `mooring register` and `mooring deployment set`
 * use (`openContext` from dist/compose.js) before the server starts; a registry with a model is left alone by the
 * server's demo set-up. Prints `READY <port>` on stdout once the model is loaded and readiness is true.
 * SIGTERM/SIGINT shut it down gracefully (so `--cpu-prof` can write its profile) and remove the temporary home.
 *
 * `dist/` must exist: `npm run bench` runs `npm run build` first.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { exitOnSignals } from './child-exit.js';
import { HEAVY_MODEL_NAME, buildHeavyModel, heavyReferenceTable } from './heavy-model.js';

// Type-only views of the compiled modules: the types come from src/, the code from dist/.
type ServerModule = typeof import('../src/http/server.js');
type ConfigModule = typeof import('../src/config/config.js');
type ComposeModule = typeof import('../src/compose.js');
type DemoModule = typeof import('../src/demo/demo-model.js');
type RegisterDemoModule = typeof import('../src/demo/register-demo.js');
type ReferenceProfileModule = typeof import('../src/services/reference-profile.js');
type PolicyInput = import('../src/core/deployment/policy.js').DeploymentPolicyInput;

const FLAGS = ['no-profile', 'no-monitoring', 'no-log', 'no-metrics', 'heavy', 'batching', 'cache'] as const;
type Flag = (typeof FLAGS)[number];

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (...parts: string[]): string => join(root, 'dist', ...parts);
const load = async <T>(...parts: string[]): Promise<T> => (await import(pathToFileURL(dist(...parts)).href)) as T;
if (!existsSync(dist('http', 'server.js')) || !existsSync(dist('config', 'config.js'))) {
  process.stderr.write(`mooring-server: ${dist('http', 'server.js')} is missing; run \`npm run build\` first\n`);
  process.exit(2);
}

const flags = new Set<Flag>();
for (const a of process.argv.slice(3)) {
  if (!(FLAGS as readonly string[]).includes(a)) {
    process.stderr.write(`mooring-server: unknown flag ${JSON.stringify(a)} (known: ${FLAGS.join(', ')})\n`);
    process.exit(2);
  }
  flags.add(a as Flag);
}
if (flags.has('heavy') && flags.has('no-profile')) {
  process.stderr.write('mooring-server: no-profile applies to the demo model only\n');
  process.exit(2);
}

const { startServer } = await load<ServerModule>('http', 'server.js');
const { loadConfig } = await load<ConfigModule>('config', 'config.js');

const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
const home = mkdtempSync(join(tmpdir(), 'mooring-bench-'));
const metricsOff = flags.has('no-monitoring') || flags.has('no-metrics');
const logOff = flags.has('no-monitoring') || flags.has('no-log');
// `env: {}`: the run must not pick up MOORING_* settings from the shell that started it.
const config = loadConfig({
  home,
  env: {},
  overrides: {
    demo: true,
    server: { host: '127.0.0.1', port },
    log: { level: 'warn' },
    ...(metricsOff ? { metrics: { enabled: false } } : {}),
    ...(logOff ? { predictionLog: { enabled: false } } : {}),
  },
});

const policy: PolicyInput = {
  ...(flags.has('batching') ? { batching: { enabled: true, maxBatchSize: 64, maxQueueDelayMicros: 500 } } : {}),
  ...(flags.has('cache') ? { cache: { enabled: true } } : {}),
};
if (flags.has('no-profile') || flags.has('heavy') || Object.keys(policy).length > 0) {
  const { openContext } = await load<ComposeModule>('compose.js');
  const ctx = await openContext(config, { processMetrics: false });
  const by = { actor: 'bench', reason: 'benchmark set-up' };
  let name: string;
  if (flags.has('heavy')) {
    const { buildReferenceProfile } = await load<ReferenceProfileModule>('services', 'reference-profile.js');
    const model = buildHeavyModel();
    const { features, profile } = await buildReferenceProfile(ctx.runtime, model.bytes, heavyReferenceTable(), {
      source: 'bench/heavy-model.ts reference rows',
      now: ctx.clock(),
    });
    await ctx.registry.register({ name: HEAVY_MODEL_NAME, artifact: model.bytes, alias: 'production', features, profile }, by);
    name = HEAVY_MODEL_NAME;
  } else if (flags.has('no-profile')) {
    const { buildDemoModel } = await load<DemoModule>('demo', 'demo-model.js');
    const demo = buildDemoModel();
    // A registry with a model is left alone by the server's demo set-up: this plain version is what it serves.
    await ctx.registry.register({ name: demo.name, artifact: demo.bytes, alias: 'production' }, by);
    name = demo.name;
  } else {
    // The demo exactly as the server registers it at first start, so the policy has a model to apply to.
    const { ensureDemoModel } = await load<RegisterDemoModule>('demo', 'register-demo.js');
    await ensureDemoModel(ctx.registry, ctx.runtime, ctx.logger, ctx.clock());
    name = 'churn';
  }
  if (Object.keys(policy).length > 0) {
    const { deployment } = await ctx.deployments.set(name, policy, by);
    process.stderr.write(`mooring-server: ${name} deployment policy revision ${deployment.revision}: ${JSON.stringify(deployment.policy)}\n`);
  }
  await ctx.close();
}
const server = await startServer(config, { handleSignals: false, announce: false });

exitOnSignals('mooring-server', home, () => server.stop('benchmark finished'));

process.stdout.write(`READY ${new URL(server.url).port}\n`);
