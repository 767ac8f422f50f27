/**
 * The server of the fallback load test (`fallback.ts`): the real Mooring server from the COMPILED code in `dist/`,
 * on a fresh temporary home, serving the demo churn model as two versions with faults injected on command.
 *
 * Set-up, through the same services `mooring register` and `mooring deployment set` use (`openContext` from
 * dist/compose.js), before the server starts:
 *   - version 1: the demo model exactly as the server registers it at first start (`ensureDemoModel`);
 *   - version 2: the same graph with its bias moved by +0.3 (a "retrained" version with the same signature, features
 *     and training profile, whose answers differ from version 1's), deployed over it: `production` = 2, so the
 *     alias history makes 1 the `previous` version;
 *   - the deployment policy `FALLBACK_POLICY` below: a 50 ms latency budget, the chain cache -> previous -> rules,
 *     a circuit breaker that reacts within a couple of seconds.
 *
 * The server is `startServer` (what `npm start` runs) with a fault-injecting runtime in place of the ONNX one.
 * Faults come from the tests' FaultyRuntime (test/helpers/faulty-runtime.ts), given the ONNX runtime and `fail` of
 * dist/: an error made by src/'s `fail` would not be a MooringError to the compiled code (`instanceof` across two
 * copies of the class).
 *
 * Usage: `node --import tsx bench/fallback-server.ts [port]`. Prints `POLICY <json>` (the policy as written), then
 * `READY <port>` once both versions are loaded and the server listens on 127.0.0.1. Commands on stdin, one per line,
 * each answered by `ACK <id> <json>`:
 *   faults <version>=<throw|hang|nan|none>... <id>   set (none: clear) the faults of one or more versions at once;
 *                                                    clearing or replacing a `hang` lets the hung inferences finish
 *                                                    (the model "comes back")
 *   stats <id>                                       inference calls per version and inferences hanging now
 * SIGTERM/SIGINT (or stdin closing) shut it down gracefully and remove the temporary home.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import onnxProto from 'onnx-proto';
import pino from 'pino';
import { FaultyRuntime } from '../test/helpers/faulty-runtime.js';
import { exitOnSignals } from './child-exit.js';

// Type-only views of the compiled modules: the types come from src/, the code from dist/.
type ConfigModule = typeof import('../src/config/config.js');
type HomeModule = typeof import('../src/config/home.js');
type ComposeModule = typeof import('../src/compose.js');
type ServerModule = typeof import('../src/http/server.js');
type ErrorsModule = typeof import('../src/core/errors.js');
type OnnxRuntimeModule = typeof import('../src/runtime/onnx/onnx-model-runtime.js');
type DemoModule = typeof import('../src/demo/demo-model.js');
type RegisterDemoModule = typeof import('../src/demo/register-demo.js');
type ReferenceProfileModule = typeof import('../src/services/reference-profile.js');
type PolicyInput = import('../src/core/deployment/policy.js').DeploymentPolicyInput;

/** The model the bench serves. */
const MODEL = 'churn';

/**
 * The deployment policy under test. Every fallback kind has its turn: `cache` answers inputs production answered
 * before, `previous` (version 1) answers the rest while it is healthy, `rules` when version 1 fails too. The rule
 * table has one case and a default, in the demo model's outputs (`probability` FP32 [batch, 1], `label` BOOL
 * [batch, 1]).
 */
const FALLBACK_POLICY: PolicyInput = {
  latencyBudgetMs: 50,
  fallback: {
    chain: ['cache', 'previous', 'rules'],
    cacheTtlMs: 600_000,
    rules: {
      cases: [
        {
          when: [{ feature: 'support_calls', op: 'ge', value: 4 }],
          outputs: [
            { name: 'probability', value: [0.8] },
            { name: 'label', value: [true] },
          ],
        },
      ],
      default: {
        outputs: [
          { name: 'probability', value: [0.3] },
          { name: 'label', value: [false] },
        ],
      },
    },
  },
  circuitBreaker: { enabled: true, errorRatio: 0.5, minRequests: 20, windowMs: 2_000, halfOpenAfterMs: 1_000 },
};

const FAULTS = ['throw', 'hang', 'nan'] as const;
type FaultKind = (typeof FAULTS)[number];

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = (...parts: string[]): string => join(root, 'dist', ...parts);
const load = async <T>(...parts: string[]): Promise<T> => (await import(pathToFileURL(dist(...parts)).href)) as T;

/** The demo graph with its bias moved by `shift`: same signature, other answers, other bytes. */
function shiftedBias(bytes: Uint8Array, shift: number, doc: string): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(bytes);
  const bias = model.graph?.initializer?.find((t) => t.name === 'bias');
  if (!bias?.rawData || bias.rawData.length !== 4) throw new Error('the demo model has no 1-value FP32 `bias` initializer');
  const raw = Buffer.from(bias.rawData);
  raw.writeFloatLE(raw.readFloatLE(0) + shift, 0);
  bias.rawData = raw;
  model.docString = doc;
  return onnx.ModelProto.encode(model).finish();
}


async function main(): Promise<void> {
  if (!existsSync(dist('http', 'app.js')) || !existsSync(dist('compose.js'))) {
    process.stderr.write(`fallback-server: ${dist('http', 'app.js')} is missing; run \`npm run build\` first\n`);
    process.exit(2);
  }
  const { loadConfig } = await load<ConfigModule>('config', 'config.js');
  const { ensureHome } = await load<HomeModule>('config', 'home.js');
  const { openContext } = await load<ComposeModule>('compose.js');
  const { startServer } = await load<ServerModule>('http', 'server.js');
  const { fail } = await load<ErrorsModule>('core', 'errors.js');
  const { OnnxModelRuntime } = await load<OnnxRuntimeModule>('runtime', 'onnx', 'onnx-model-runtime.js');
  const { buildDemoModel, demoReferenceTable } = await load<DemoModule>('demo', 'demo-model.js');
  const { ensureDemoModel } = await load<RegisterDemoModule>('demo', 'register-demo.js');
  const { buildReferenceProfile } = await load<ReferenceProfileModule>('services', 'reference-profile.js');

  const port = Number(process.argv[2] ?? process.env.PORT ?? 0);
  const home = mkdtempSync(join(tmpdir(), 'mooring-bench-fallback-'));
  // `env: {}`: the run must not pick up MOORING_* settings from the shell that started it. Demo off: the versions
  // are registered below.
  const config = loadConfig({ home, env: {}, overrides: { demo: false, server: { host: '127.0.0.1', port }, log: { level: 'warn' } } });
  ensureHome(config.home);

  // The set-up, as `mooring register` and `mooring deployment set` would do it.
  const v1 = buildDemoModel().bytes;
  const v2 = shiftedBias(v1, 0.3, 'bench/fallback-server.ts: the demo model with its bias moved by +0.3');
  {
    const ctx = await openContext(config, { processMetrics: false });
    const by = { actor: 'bench', reason: 'fallback benchmark set-up' };
    await ensureDemoModel(ctx.registry, ctx.runtime, ctx.logger, ctx.clock());
    const { features, profile } = await buildReferenceProfile(ctx.runtime, v2, demoReferenceTable(), {
      target: 'churned',
      source: 'demo training set (2,000 synthetic customers)',
      now: ctx.clock(),
    });
    const version = await ctx.registry.register({ name: MODEL, artifact: v2, alias: 'production', features, profile, tags: { bench: 'fallback' } }, by);
    const { deployment } = await ctx.deployments.set(MODEL, FALLBACK_POLICY, by);
    process.stderr.write(
      `fallback-server: ${MODEL} version ${version.version} is production over version 1; policy revision ${deployment.revision}: ${JSON.stringify(deployment.policy)}\n`,
    );
    await ctx.close();
  }

  // The server `npm start` runs, with the fault-injecting runtime.
  const runtime = new FaultyRuntime(new OnnxModelRuntime(), (message) => fail('INFERENCE_FAILED', message));
  const logger = pino({ level: config.log.level, base: { service: 'mooring' } }, pino.destination({ dest: 2, sync: false }));
  const server = await startServer(config, { logger, runtime, handleSignals: false, announce: false });
  const status = server.ctx.pool.status().find((s) => s.name === MODEL);
  if (status?.production !== 2 || status.previous !== 1 || !status.loaded.includes(1)) {
    throw new Error(`expected production 2 with version 1 loaded as previous, got ${JSON.stringify(status)}`);
  }

  const keys: Record<string, string> = { '1': FaultyRuntime.keyOf(v1), '2': FaultyRuntime.keyOf(v2) };
  const shutdown = exitOnSignals(
    'fallback-server',
    home,
    () => server.stop('bench finished'),
    () => {
      for (const key of Object.values(keys)) runtime.setKey(key, null);
    },
  );

  const reply = (id: string, value: unknown): void => void process.stdout.write(`ACK ${id} ${JSON.stringify(value)}\n`);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    const words = line.trim().split(/\s+/);
    const id = words.at(-1) ?? '?';
    if (words[0] === 'faults' && words.length >= 3) {
      const changes: Array<[string, FaultKind | null]> = [];
      for (const word of words.slice(1, -1)) {
        const [version, kind] = word.split('=');
        if (version === undefined || keys[version] === undefined || !(kind === 'none' || (FAULTS as readonly string[]).includes(kind ?? ''))) {
          reply(id, { error: `bad command ${JSON.stringify(line)}` });
          return;
        }
        changes.push([version, kind === 'none' ? null : (kind as FaultKind)]);
      }
      // All at once (one synchronous loop), so no request sees half of the change.
      const released = Object.fromEntries(changes.map(([version, fault]) => [version, runtime.setKey(keys[version]!, fault === null ? null : { kind: fault })]));
      reply(id, { faults: Object.fromEntries(changes.map(([v, f]) => [v, f ?? 'none'])), released });
    } else if (words[0] === 'stats' && words.length === 2) {
      const calls = Object.fromEntries(Object.entries(keys).map(([v, k]) => [v, runtime.calls.get(k) ?? 0]));
      const hanging = Object.fromEntries(Object.entries(keys).map(([v, k]) => [v, runtime.hanging(k)]));
      reply(id, { calls, hanging });
    } else {
      reply(id, { error: `bad command ${JSON.stringify(line)}` });
    }
  });
  // The parent going away closes stdin: no orphan server.
  lines.on('close', shutdown);

  process.stdout.write(`POLICY ${JSON.stringify(FALLBACK_POLICY)}\n`);
  process.stdout.write(`READY ${new URL(server.url).port}\n`);
}

await main();
