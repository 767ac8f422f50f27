/**
 * Writes the demo model and every test-fixture model to a folder as NAME.onnx, for people who want to look at
 * them (Netron, onnx.checker) and for benchmarks that load models from disk.
 *
 * Usage: npx tsx scripts/make-models.ts OUTDIR
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDemoModel } from '../src/demo/demo-model.js';
import { FIXTURE_MODELS } from '../test/fixtures/models.js';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: npx tsx scripts/make-models.ts OUTDIR');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });
const demo = buildDemoModel();
const models: [string, Uint8Array][] = [
  [demo.name, demo.bytes],
  ...Object.entries(FIXTURE_MODELS).map(([name, make]): [string, Uint8Array] => [name, make().bytes]),
];
for (const [name, bytes] of models) {
  const file = join(outDir, `${name}.onnx`);
  writeFileSync(file, bytes);
  console.log(`${file} (${bytes.length} bytes)`);
}
