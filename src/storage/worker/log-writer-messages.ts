import type { PredictionRecord } from '../../core/monitoring/prediction-record.js';

/** What the main thread asks the log writer worker to do. */
export type WriterRequest =
  | { readonly op: 'append'; readonly seq: number; readonly records: readonly PredictionRecord[] }
  | { readonly op: 'deleteBefore'; readonly seq: number; readonly at: number }
  | { readonly op: 'close'; readonly seq: number };

/** The worker's answer to one request. */
export type WriterReply =
  | { readonly seq: number; readonly ok: true; readonly value: number }
  | { readonly seq: number; readonly ok: false; readonly code: string; readonly message: string };
