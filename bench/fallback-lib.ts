/**
 * The pure parts of the fallback load test (`fallback.ts`): the body mix (inputs that repeat, so the `cache`
 * fallback can answer them, and inputs never sent before, so only `previous` or `rules` can), the per-phase tally
 * of who answered each response (the `x-mooring-fallback` header; none = the primary model), and the reading of
 * Prometheus counters from `/metrics`. No I/O here, so `test/bench/fallback-lib.test.ts` checks it without a server.
 */
import { percentile } from './lib.js';

/** Who answered a response: the production version itself, or one of the fallback kinds. */
export const ANSWER_KINDS = ['primary', 'cache', 'previous', 'rules'] as const;

/** Who answered a response (`other`: a fallback header this bench does not know). */
export type AnswerKind = (typeof ANSWER_KINDS)[number] | 'other';

/** The answer kind of a response from its `x-mooring-fallback` header value(s); no header: `primary`. */
export function answerKind(header: string | readonly string[] | undefined): AnswerKind {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return 'primary';
  return (ANSWER_KINDS as readonly string[]).includes(value) && value !== 'primary' ? (value as AnswerKind) : 'other';
}

// --- the body mix ---------------------------------------------------------------------------------------------

/** Charges 18.00..120.00 in cents (10,201 values), tenure 0..72, support calls 0..6, contract 1/12/24. */
const CENTS = 10_201;
const TENURES = 73;
const CALLS = 7;
const CONTRACTS = [1, 12, 24] as const;
/** How many distinct fresh rows exist (about 15.6 million). */
export const FRESH_ROWS = CENTS * TENURES * CALLS * CONTRACTS.length;
/** A prime that shares no factor with FRESH_ROWS (101² · 73 · 7 · 3): `n -> n · STRIDE mod FRESH_ROWS` is a bijection. */
const STRIDE = 7_919;

/**
 * The `n`-th fresh row (`tenure_months, monthly_charges, support_calls, contract_months`, the demo model's input
 * order): distinct for n = 0 .. FRESH_ROWS - 1, within the demo model's training ranges, and with whole-cent charges,
 * so it never equals a repeated row (`repeatRows` gives those half a cent more). The stride spreads consecutive rows
 * over the whole space instead of walking one feature.
 */
export function freshRow(n: number): [number, number, number, number] {
  let m = (((n % FRESH_ROWS) * STRIDE) % FRESH_ROWS + 12_345) % FRESH_ROWS;
  const cents = m % CENTS;
  m = Math.floor(m / CENTS);
  const tenure = m % TENURES;
  m = Math.floor(m / TENURES);
  const calls = m % CALLS;
  const contract = CONTRACTS[Math.floor(m / CALLS)]!;
  return [tenure, (1_800 + cents) / 100, calls, contract];
}

/**
 * The repeated rows from realistic feature vectors (the benchmark's demo rows): each charge is moved to the next
 * half cent (x.xx5), so no fresh row can equal a repeated one and a `cache` answer is never a coincidence.
 */
export function repeatRows(rows: readonly (readonly number[])[]): number[][] {
  return rows.map((r) => {
    const [tenure, charges, calls, contract] = r as [number, number, number, number];
    return [tenure, (Math.round(charges * 100) * 10 + 5) / 1000, calls, contract];
  });
}

/** What the mix sends next. */
export interface MixedBody {
  readonly body: string;
  /** True for a repeated input (the `cache` fallback may know it), false for one never sent before. */
  readonly repeat: boolean;
}

/**
 * Bodies in a fixed pattern: `repeatShare` of them (spread evenly, not in runs) rotate through the repeated bodies,
 * the rest are fresh rows never sent before (a counter, so two calls never give the same fresh body).
 */
export class BodyMix {
  readonly #repeats: readonly string[];
  readonly #share: number;
  readonly #toBody: (row: readonly number[]) => string;
  #n = 0;
  #repeat = 0;
  #fresh = 0;

  constructor(repeatBodies: readonly string[], repeatShare: number, toBody: (row: readonly number[]) => string) {
    if (!(repeatShare >= 0 && repeatShare <= 1)) throw new Error(`the repeated share must be within [0, 1], got ${repeatShare}`);
    if (repeatShare > 0 && repeatBodies.length === 0) throw new Error('a repeated share needs repeated bodies');
    this.#repeats = repeatBodies;
    this.#share = repeatShare;
    this.#toBody = toBody;
  }

  /** Bodies handed out so far: repeated and fresh. */
  get counts(): { readonly repeat: number; readonly fresh: number } {
    return { repeat: this.#repeat, fresh: this.#fresh };
  }

  next(): MixedBody {
    const i = this.#n++;
    // Request i repeats when the running total of repeats (i · share, rounded down) steps up at i.
    if (Math.floor((i + 1) * this.#share) > Math.floor(i * this.#share)) {
      const body = this.#repeats[this.#repeat++ % this.#repeats.length]!;
      return { body, repeat: true };
    }
    return { body: this.#toBody(freshRow(this.#fresh++)), repeat: false };
  }
}

// --- the tally of one phase -----------------------------------------------------------------------------------

/** Latency percentiles of one answer kind. */
export interface KindLatency {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
}

/** What one phase saw. */
export interface PhaseSummary {
  /** Completed requests: responses of any status plus transport errors and timeouts. */
  readonly requests: number;
  /** 2xx responses. */
  readonly answered: number;
  /** Non-2xx responses plus errors and timeouts. */
  readonly unanswered: number;
  readonly non2xx: number;
  /** Transport errors and timeouts (autocannon's `reqError`). */
  readonly errors: number;
  /** 2xx responses by who answered. */
  readonly counts: Readonly<Record<AnswerKind, number>>;
  /** Each kind's share of `requests` (0..1); with `unanswered / requests` they sum to 1. */
  readonly shares: Readonly<Record<AnswerKind, number>>;
  /** Responses by HTTP status. */
  readonly statuses: Readonly<Record<string, number>>;
  /** The first body seen of each non-2xx status (evidence for a report). */
  readonly samples: Readonly<Record<string, string>>;
  /** Latency of the 2xx responses, ms. */
  readonly p50: number;
  readonly p99: number;
  readonly byKind: Readonly<Record<AnswerKind, KindLatency>>;
}

const ALL_KINDS: readonly AnswerKind[] = [...ANSWER_KINDS, 'other'];

/** A growable list of latencies (ms). */
class Latencies {
  #v = new Float64Array(1 << 12);
  #n = 0;
  push(x: number): void {
    if (this.#n === this.#v.length) {
      const bigger = new Float64Array(this.#v.length * 2);
      bigger.set(this.#v);
      this.#v = bigger;
    }
    this.#v[this.#n++] = x;
  }
  get length(): number {
    return this.#n;
  }
  sorted(): Float64Array {
    return this.#v.slice(0, this.#n).sort();
  }
}

/** Counts the responses of one phase by status and by who answered, with exact latency percentiles. */
export class PhaseTally {
  readonly name: string;
  #errors = 0;
  #non2xx = 0;
  readonly #statuses = new Map<number, number>();
  readonly #samples = new Map<number, string>();
  readonly #kinds = new Map<AnswerKind, Latencies>(ALL_KINDS.map((k) => [k, new Latencies()]));

  constructor(name: string) {
    this.name = name;
  }

  /** One response: its status, who answered (for 2xx), its latency in ms and, for non-2xx, its body. */
  response(status: number, kind: AnswerKind, latencyMs: number, body?: string): void {
    this.#statuses.set(status, (this.#statuses.get(status) ?? 0) + 1);
    if (status >= 200 && status < 300) {
      this.#kinds.get(kind)!.push(latencyMs);
      return;
    }
    this.#non2xx++;
    if (!this.#samples.has(status)) this.#samples.set(status, (body ?? '').slice(0, 600));
  }

  /** One request without a response: a transport error or a timeout. */
  error(): void {
    this.#errors++;
  }

  summary(): PhaseSummary {
    const counts = {} as Record<AnswerKind, number>;
    const byKind = {} as Record<AnswerKind, KindLatency>;
    const all = new Latencies();
    for (const k of ALL_KINDS) {
      const sorted = this.#kinds.get(k)!.sorted();
      counts[k] = sorted.length;
      byKind[k] = { count: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
      for (const x of sorted) all.push(x);
    }
    const answered = ALL_KINDS.reduce((a, k) => a + counts[k], 0);
    const unanswered = this.#non2xx + this.#errors;
    const requests = answered + unanswered;
    const shares = {} as Record<AnswerKind, number>;
    for (const k of ALL_KINDS) shares[k] = requests > 0 ? counts[k] / requests : Number.NaN;
    const sorted = all.sorted();
    return {
      requests,
      answered,
      unanswered,
      non2xx: this.#non2xx,
      errors: this.#errors,
      counts,
      shares,
      statuses: Object.fromEntries([...this.#statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => [String(s), n])),
      samples: Object.fromEntries([...this.#samples].map(([s, b]) => [String(s), b])),
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      byKind,
    };
  }
}

// --- Prometheus counters --------------------------------------------------------------------------------------

/** One sample of a metric: its labels and value. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of `metric` (exact name, no `_bucket`-style suffixes) in a Prometheus text exposition. */
export function metricSamples(text: string, metric: string): MetricSample[] {
  const out: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const rest = line.slice(metric.length);
    let labels: Record<string, string> = {};
    let valueText: string;
    if (rest.startsWith('{')) {
      const close = rest.lastIndexOf('}');
      if (close < 0) continue;
      labels = parseLabels(rest.slice(1, close));
      valueText = rest.slice(close + 1);
    } else if (rest.startsWith(' ')) {
      valueText = rest;
    } else {
      continue; // another metric whose name starts with this one
    }
    const value = Number(valueText.trim().split(/\s+/)[0]);
    if (Number.isFinite(value)) out.push({ labels, value });
  }
  return out;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

/**
 * What `metric` gained between two scrapes, per combination of the labels `by` (samples that differ only in other
 * labels are summed), keyed `value1/value2/...`; only non-zero gains, sorted by key.
 */
export function counterGains(before: string, after: string, metric: string, by: readonly string[]): Array<{ key: string; gain: number }> {
  const sum = (text: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const s of metricSamples(text, metric)) {
      const key = by.map((l) => s.labels[l] ?? '').join('/');
      m.set(key, (m.get(key) ?? 0) + s.value);
    }
    return m;
  };
  const a = sum(before);
  const b = sum(after);
  return [...b]
    .map(([key, v]) => ({ key, gain: v - (a.get(key) ?? 0) }))
    .filter((x) => x.gain !== 0)
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
}
