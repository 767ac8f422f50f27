import type { PredictionRecord } from '../../src/core/monitoring/prediction-record.js';
import type { LoggedPrediction, PredictionLog, PredictionQuery } from '../../src/storage/prediction-log.js';

/** Opens a fresh, empty log, runs `fn`, and always closes the log. */
export type WithLog = (fn: (log: PredictionLog) => Promise<void>) => Promise<void>;

/** Builds a WithLog from a backend's open function. */
export function withLogFrom(open: () => Promise<PredictionLog>): WithLog {
  return async (fn) => {
    const log = await open();
    try {
      await fn(log);
    } finally {
      await log.close();
    }
  };
}

/** A start time for records: 2024-01-01T00:00:00Z. */
export const T0 = Date.UTC(2024, 0, 1);

/** A valid record of model `iris` v1 on production, answered ok; `over` replaces fields. */
export function rec(id: string, over: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id,
    at: T0,
    model: 'iris',
    version: 1,
    route: 'production',
    rows: 1,
    inputs: { x: [[5.1, 3.5, 1.4, 0.2]] },
    outputs: { y: [0] },
    latencyMs: 1.25,
    status: 'ok',
    error: null,
    flags: [],
    ...over,
  };
}

/** The record a logged prediction was made from, with its label fields apart. */
export function withoutLabel(p: LoggedPrediction): PredictionRecord {
  const { label: _label, labelAt: _labelAt, ...record } = p;
  return record;
}

/** Every item of a query, following `next` page by page (each page at most `limit`). */
export async function readAll(
  read: (q: PredictionQuery) => ReturnType<PredictionLog['query']>,
  query: PredictionQuery,
): Promise<{ items: LoggedPrediction[]; pages: number }> {
  const items: LoggedPrediction[] = [];
  let pages = 0;
  let after = query.after;
  for (;;) {
    const page = await read({ ...query, ...(after === undefined ? {} : { after }) });
    pages++;
    items.push(...page.items);
    if (page.next === null) return { items, pages };
    after = page.next;
  }
}

/** Ids of the items, in order. */
export const ids = (items: readonly { id: string }[]): string[] => items.map((p) => p.id);
