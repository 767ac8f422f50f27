import type { Table } from '../core/profile/table.js';
import type { PredictionDto } from '../protocol/admin/monitoring-dto.js';

/**
 * Logged predictions as a Table for `predictions export` (written by `writeTable`): one row per prediction, the
 * columns in the documented order. Times are timestamps (ISO-8601 text in CSV and JSON lines, TIMESTAMP WITH TIME
 * ZONE in Parquet); flags are comma-joined; inputs, outputs and label are JSON text (label null when there is none).
 */

/** The export's column names, in order. */
export const PREDICTION_EXPORT_COLUMNS = [
  'id',
  'at',
  'model',
  'version',
  'route',
  'rows',
  'latency_ms',
  'status',
  'error',
  'flags',
  'inputs',
  'outputs',
  'label',
  'label_at',
] as const;

/** The table of `items`. */
export function predictionsTable(items: readonly PredictionDto[]): Table {
  const json = (v: unknown): string | null => (v === null || v === undefined ? null : JSON.stringify(v));
  return {
    rows: items.length,
    columns: [
      { name: 'id', kind: 'string', values: items.map((p) => p.id) },
      { name: 'at', kind: 'timestamp', values: items.map((p) => Date.parse(p.at)) },
      { name: 'model', kind: 'string', values: items.map((p) => p.model) },
      { name: 'version', kind: 'number', values: items.map((p) => p.version) },
      { name: 'route', kind: 'string', values: items.map((p) => p.route) },
      { name: 'rows', kind: 'number', values: items.map((p) => p.rows) },
      { name: 'latency_ms', kind: 'number', values: items.map((p) => p.latency_ms) },
      { name: 'status', kind: 'string', values: items.map((p) => p.status) },
      { name: 'error', kind: 'string', values: items.map((p) => p.error) },
      { name: 'flags', kind: 'string', values: items.map((p) => p.flags.join(',')) },
      { name: 'inputs', kind: 'string', values: items.map((p) => json(p.inputs)) },
      { name: 'outputs', kind: 'string', values: items.map((p) => json(p.outputs)) },
      { name: 'label', kind: 'string', values: items.map((p) => (p.label_at === null ? null : JSON.stringify(p.label))) },
      { name: 'label_at', kind: 'timestamp', values: items.map((p) => (p.label_at === null ? null : Date.parse(p.label_at))) },
    ],
  };
}
