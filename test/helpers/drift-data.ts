/**
 * Synthetic customers for the drift tests: age (numerical, about 40 ± 10), plan (basic or pro, 30% pro), region
 * (eu or us, even). Shifted customers are 15 years older and 80% on the pro plan; their region is unchanged.
 */
import type { Table } from '../../src/core/profile/table.js';
import { mulberry32, normal } from '../../src/core/random.js';

/** One customer as a records instance. */
export interface Customer {
  age: number;
  plan: string;
  region: string;
}

/** `n` customers from seed `seed`. */
export function customers(n: number, seed: number, shifted = false): Customer[] {
  const random = mulberry32(seed);
  return Array.from({ length: n }, () => ({
    age: Math.round((40 + (shifted ? 15 : 0) + 10 * normal(random)) * 10) / 10,
    plan: random() < (shifted ? 0.8 : 0.3) ? 'pro' : 'basic',
    region: random() < 0.5 ? 'eu' : 'us',
  }));
}

/** The reference data: `rows` customers like the normal traffic (seed 1). */
export function driftReference(rows: number): Table {
  const c = customers(rows, 1);
  return {
    rows,
    columns: [
      { name: 'age', kind: 'number', values: c.map((x) => x.age) },
      { name: 'plan', kind: 'string', values: c.map((x) => x.plan) },
      { name: 'region', kind: 'string', values: c.map((x) => x.region) },
    ],
  };
}

/** `requests` batches of `perRequest` customers each. */
export function driftTraffic(requests: number, perRequest: number, seed: number, shifted: boolean): Customer[][] {
  const all = customers(requests * perRequest, seed, shifted);
  return Array.from({ length: requests }, (_, i) => all.slice(i * perRequest, (i + 1) * perRequest));
}
