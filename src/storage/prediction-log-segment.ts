import { fail } from '../core/errors.js';
import { INPUTS_UNSERIALIZABLE_FLAG, JsonText, OUTPUTS_UNSERIALIZABLE_FLAG } from '../core/monitoring/prediction-record.js';
import type { PredictionRecord, PredictionRoute, PredictionStatus } from '../core/monitoring/prediction-record.js';
import { batchKey, checkRecords, jsonText } from './prediction-log-codec.js';
import type { AppendOptions, EncodedBatch } from './prediction-log.js';

/**
 * How the prediction log packs records into stored segments (ADR 12), shared by every backend. A segment holds the
 * records of one (model, version) from one append, as ONE JSON text: an array of compact per-record arrays
 * `[id, at, route, status, error, latency_ms, rows, flags, inputs, outputs]`. Writing one row per few hundred
 * predictions instead of one indexed row each, and JSON text as it came instead of re-serialized values, is what
 * makes the write about eight times cheaper than it was (ADR 12).
 */

/** The most records one segment holds; a larger group is split, so a read never decodes more than this at once. */
export const SEGMENT_RECORDS = 500;

/**
 * A segment takes no more records once its body is this long (in UTF-16 code units). It keeps a body string, even a
 * two-byte one, under V8's 128 KiB large-object size: larger strings are allocated in fresh pages each time, and on
 * the 2-core microVMs this runs on a fresh page is expensive (flattening a 180 KiB body cost about 50 times more per
 * byte than a 60 KiB one; ADR 12).
 */
export const SEGMENT_CHARS = 48 * 1024;

/** A stored segment, column names as in the SQL table. */
export interface SegmentRow {
  /** `${batch key}/${n}`: unique, and the same again when the same batch is retried. */
  key: string;
  model: string;
  version: number;
  /** The oldest and newest `at` of its records. */
  min_at: number;
  max_at: number;
  count: number;
  /** How many of its records have status `error`. */
  errors: number;
  /** JSON array of records, see the file comment. */
  body: string;
}

/** One record as its segment holds it, after JSON.parse. */
export type StoredRecord = [
  id: string,
  at: number,
  route: PredictionRoute,
  status: PredictionStatus,
  error: string | null,
  latencyMs: number,
  rows: number,
  flags: string[],
  inputs: unknown,
  outputs: unknown,
];

/** Positions of the fields in a StoredRecord. */
export const F = { id: 0, at: 1, route: 2, status: 3, error: 4, latencyMs: 5, rows: 6, flags: 7, inputs: 8, outputs: 9 } as const;

// String concatenation, not JSON.stringify of an array: a JsonText goes in as it is, numbers and the fixed route and
// status words need no escaping, and only the id, error and flags pass through the serializer.
function encodeRecord(r: PredictionRecord): string {
  let inputs = r.inputs instanceof JsonText ? r.inputs.text : jsonText(r.inputs);
  let outputs = r.outputs instanceof JsonText ? r.outputs.text : jsonText(r.outputs);
  let flags: string;
  if (r.flags.length === 0 && inputs !== null && outputs !== null) {
    flags = '[]';
  } else {
    const list = [...new Set(r.flags)];
    if (inputs === null) {
      inputs = 'null';
      if (!list.includes(INPUTS_UNSERIALIZABLE_FLAG)) list.push(INPUTS_UNSERIALIZABLE_FLAG);
    }
    if (outputs === null) {
      outputs = 'null';
      if (!list.includes(OUTPUTS_UNSERIALIZABLE_FLAG)) list.push(OUTPUTS_UNSERIALIZABLE_FLAG);
    }
    flags = JSON.stringify(list);
  }
  const error = r.error === null ? 'null' : JSON.stringify(r.error);
  return `[${JSON.stringify(r.id)},${r.at},"${r.route}","${r.status}",${error},${r.latencyMs},${r.rows},${flags},${inputs},${outputs}]`;
}

/** Builds a segment from the encoded texts of its records and their times and statuses. */
export function segmentOf(
  key: string,
  model: string,
  version: number,
  texts: readonly string[],
  ats: readonly number[],
  errors: number,
): SegmentRow {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const at of ats) {
    if (at < min) min = at;
    if (at > max) max = at;
  }
  let body = '[';
  for (let i = 0; i < texts.length; i++) body += i === 0 ? texts[i] : `,${texts[i]}`;
  return { key, model, version, min_at: min, max_at: max, count: texts.length, errors, body: `${body}]` };
}

interface Group {
  readonly model: string;
  readonly version: number;
  /** The body so far, without its closing bracket. */
  body: string;
  count: number;
  minAt: number;
  maxAt: number;
  errors: number;
}

/**
 * The segments that store (checked) records under batch key `key`: grouped by (model, version) in order of first
 * appearance, at most SEGMENT_RECORDS (and about SEGMENT_CHARS) each, keyed `${key}/0`, `${key}/1`, ... The same
 * records give the same segments and keys, which is what makes a retried batch a no-op.
 */
export function buildSegments(records: readonly PredictionRecord[], key: string): SegmentRow[] {
  const groups = new Map<string, Group[]>();
  const order: Group[] = [];
  for (const r of records) {
    const name = `${r.version}\u0000${r.model}`;
    let list = groups.get(name);
    if (list === undefined) groups.set(name, (list = []));
    let group = list[list.length - 1];
    if (group === undefined || group.count >= SEGMENT_RECORDS || group.body.length >= SEGMENT_CHARS) {
      group = { model: r.model, version: r.version, body: '[', count: 0, minAt: r.at, maxAt: r.at, errors: 0 };
      list.push(group);
      order.push(group);
    }
    // `+=` (a rope V8 flattens once, when the body is bound or posted): joining an array of record texts measured
    // slower here.
    group.body += group.count === 0 ? encodeRecord(r) : `,${encodeRecord(r)}`;
    group.count++;
    if (r.at < group.minAt) group.minAt = r.at;
    if (r.at > group.maxAt) group.maxAt = r.at;
    if (r.status === 'error') group.errors++;
  }
  return order.map((g, i) => ({
    key: `${key}/${i}`,
    model: g.model,
    version: g.version,
    min_at: g.minAt,
    max_at: g.maxAt,
    count: g.count,
    errors: g.errors,
    body: `${g.body}]`,
  }));
}

/**
 * What `append` stores for these records: checked (INVALID_REQUEST names the first malformed record or a bad key)
 * and encoded into segments under the batch key (a fresh one without `options.key`).
 */
export function encodeBatch(records: readonly PredictionRecord[], options?: AppendOptions): EncodedBatch {
  checkRecords(records);
  return { segments: buildSegments(records, batchKey(options)) };
}

/** The records of a segment body. The store wrote it, so the cast is trusted; a body that does not parse is INTERNAL. */
export function decodeSegment(key: string, body: string): StoredRecord[] {
  try {
    return JSON.parse(body) as StoredRecord[];
  } catch (e) {
    throw fail('INTERNAL', `prediction log segment ${key} is not readable JSON: ${(e as Error).message}`, { key });
  }
}

/**
 * The text of each record in a segment body, exactly as stored, so a segment can be rewritten without some of its
 * records without re-serializing the rest (which would turn a stored `-0` into `0`, or `1e999` into `null`). A scan
 * for the array elements one level down, skipping over strings.
 */
export function recordTexts(body: string): string[] {
  const texts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x22) {
      // a string: skip to its closing quote, stepping over escapes
      for (i++; i < body.length; i++) {
        const d = body.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (depth === 1) start = i;
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 1) texts.push(body.slice(start, i + 1));
    }
  }
  return texts;
}
