/**
 * Micro-benchmark of the JSON body scan (src/protocol/json-scan.ts) that runs on every request body, next to
 * `JSON.parse` of the same text so its cost is visible in proportion. Not part of `npm test` (tests never assert
 * on speed).
 *
 * `npx tsx bench/json-scan.ts [--rounds 15] [--ms 100]`: per round, each case runs in timed batches for about `--ms`
 * milliseconds, the cases taking turns so that load from elsewhere hits them alike. The table shows nanoseconds per
 * call: the minimum over the rounds (the figure least disturbed by other processes) and the median.
 */
import { createJsonScanner } from '../src/protocol/json-scan.js';
import { parseArgs, positiveNumber } from './lib.js';

const args = parseArgs(process.argv.slice(2));
const flag = (name: string, fallback: number): number => positiveNumber(args, name, fallback);

const ROUNDS = flag('rounds', 15);
const MS = flag('ms', 100);

/** The demo's one-row v2 body (docs/reference/http-api.md). */
const V2_BODY = '{"inputs":[{"name":"features","shape":[1,4],"datatype":"FP32","data":[0.5,1.2,3.4,0.1]}]}';

/** A records body of 100 demo-like rows (tenure, monthly charges, support calls, contract months), fixed values. */
function recordsBody(rows: number): string {
  let seed = 20261125;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const instances: number[][] = [];
  for (let r = 0; r < rows; r++) {
    instances.push([Math.round(next() * 72), Math.round(next() * 12000) / 100, Math.round(next() * 8), [1, 12, 24][Math.floor(next() * 3)]!]);
  }
  return JSON.stringify({ instances });
}
const RECORDS_BODY = recordsBody(100);

const scan = createJsonScanner({ maxDepth: 64 });

/** What the parser checked before the scan existed: two `includes` for the prototype keys. */
function previousCheck(text: string): boolean {
  return text.includes('"__proto__"') || text.includes('"constructor"');
}

let sink = 0;

/** A batch size for `fn(text)` that takes about 2 ms, found after a warm-up that lets the JIT settle. */
function calibrate(fn: (text: string) => unknown, text: string): number {
  let batch = 100;
  for (;;) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) if (fn(text) !== null) sink++;
    if (Number(process.hrtime.bigint() - t0) > 2e6) return batch;
    batch *= 2;
  }
}

/** ns per call of `fn(text)` over one slice of about MS milliseconds. */
function slice(fn: (text: string) => unknown, text: string, batch: number): number {
  let calls = 0;
  let ns = 0;
  while (ns < MS * 1e6) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) if (fn(text) !== null) sink++;
    ns += Number(process.hrtime.bigint() - t0);
    calls += batch;
  }
  return ns / calls;
}

const bodies: Array<[string, string]> = [
  ['v2 demo body (1 row)', V2_BODY],
  ['records body (100 rows)', RECORDS_BODY],
];
const cases: Array<[string, (text: string) => unknown]> = [
  ['json-scan', scan],
  ['JSON.parse', (t) => JSON.parse(t)],
  ['JSON.parse + json-scan', (t) => (scan(t) === null ? JSON.parse(t) : null)],
  ['previous check (2 x includes)', previousCheck],
];

const f = (n: number): string => n.toFixed(0).padStart(7);
console.log(
  `Node ${process.version}; ${ROUNDS} rounds, cases interleaved, ~${MS} ms per case and round; ns per call: ` +
    'minimum over rounds (the least disturbed by other load), then the median\n',
);
for (const [label, body] of bodies) {
  if (scan(body) !== null) throw new Error(`the ${label} should scan clean`);
  const batches = cases.map(([, fn]) => calibrate(fn, body));
  const samples = cases.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) cases.forEach(([, fn], k) => samples[k]!.push(slice(fn, body, batches[k]!)));
  const stats = samples.map((s) => {
    s.sort((a, b) => a - b);
    return { min: s[0]!, median: s[Math.floor(s.length / 2)]! };
  });
  const parse = stats[cases.findIndex(([name]) => name === 'JSON.parse')]!;
  console.log(`${label}: ${body.length} characters`);
  cases.forEach(([name], k) => {
    const st = stats[k]!;
    const share = name === 'JSON.parse' ? '' : `   ${((st.min / parse.min) * 100).toFixed(0).padStart(3)}% of JSON.parse`;
    console.log(`  ${name.padEnd(32)} min ${f(st.min)} ns   median ${f(st.median)} ns${share}`);
  });
  console.log('');
}
if (sink < 0) console.log(sink);
