import type { EncodedBatch } from '../prediction-log.js';

/**
 * What the main thread asks the log writer worker to do. A batch travels encoded (`encodeBatch`): strings and
 * numbers only, so the structured clone is a copy of a few strings, and a JsonText (a class, which a structured
 * clone would turn into a plain object) never has to cross.
 */
export type WriterRequest =
  | { readonly op: 'append'; readonly seq: number; readonly batch: EncodedBatch }
  | { readonly op: 'deleteBefore'; readonly seq: number; readonly at: number }
  | { readonly op: 'close'; readonly seq: number };

/** The worker's answer to one request. */
export type WriterReply =
  | { readonly seq: number; readonly ok: true; readonly value: number }
  | { readonly seq: number; readonly ok: false; readonly code: string; readonly message: string };
