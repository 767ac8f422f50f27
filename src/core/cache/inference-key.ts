import { createHash, hash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import type { Tensor } from '../inference/tensor.js';

/**
 * The response-cache key of one inference: which model version ran, on exactly which input, asking for which
 * outputs. Two requests get the same key only when the model would see the same bytes, so a cached answer is the
 * answer the model would give.
 *
 * What is hashed (sha256), in this order, each part self-delimiting so no two different requests share an encoding:
 * - a format tag (`KEY_FORMAT`), so a future change of this encoding never reads old entries;
 * - the version identity: model name, version number and the artifact's sha256 digest. The digest is what makes a
 *   new version (or the same number in another registry sharing one Redis) never answer from an old one's entries;
 * - the requested outputs, in order (outputs come back in that order); `undefined` (all outputs) differs from a list
 *   naming every output, which is harmless: at worst one more miss;
 * - each input's name, datatype, shape and element bytes. Inputs arrive decoded and ordered by the model's signature,
 *   so the order of fields in the request JSON cannot change the key. Numeric elements are hashed as the bytes of
 *   their typed array: `-0` and `0`, or two NaN payloads, are different keys. A model almost always answers both
 *   alike, but nothing guarantees it (`1 / x`, `atan2`, sign bits in bitwise ops), and byte equality is exactly
 *   "the model sees the same input". BYTES strings are hashed as their UTF-8 (what the runtime hands the model),
 *   each with its length, so `["ab", "c"]` and `["a", "bc"]` differ.
 *
 * Byte order is the platform's (little-endian on every machine Node runs Mooring on), so keys agree across the
 * servers sharing a Redis.
 *
 * Cost: one string build, one copy into a reusable scratch buffer and one-shot `crypto.hash` (Node >= 20.12), about
 * 1 µs for a one-row, four-float input (bench/cache-key.ts). `createHash` alone costs ~2 µs, so it is used only for
 * inputs larger than the scratch buffer, where hashing dominates anyway.
 */

/** Bumped whenever the encoding below changes, so keys of the old encoding are never looked up again. */
export const KEY_FORMAT = 'mooring-inference-key/1';

/** The parts of a model version that identify what answers: the artifact digest pins the exact bytes. */
export interface VersionIdentity {
  readonly name: string;
  readonly version: number;
  /** Lower-case hex sha256 of the artifact (`ModelVersion.artifact.sha256`). */
  readonly digest: string;
}

/** Inputs up to this many bytes are hashed in one call; larger ones stream through `createHash`. */
const SCRATCH_BYTES = 64 * 1024;

let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/**
 * The cache key for `inputs` run by `version` with the `outputs` filter: `<name>:<version>:<sha256 base64url>`.
 * The readable prefix lets an operator find one version's entries (`SCAN MATCH <prefix>iris:3:*`); the hash alone
 * decides equality.
 *
 * `inputs` must be decoded and in signature order (the dataplane's validated tensors); their datatype decides how
 * the data is read, so a tensor whose data array does not match its datatype is a caller bug.
 */
export function inferenceKey(
  version: VersionIdentity,
  inputs: readonly Tensor[],
  outputs: readonly string[] | undefined,
): string {
  // The structure goes into one string (each variable part length-prefixed, so it parses one way only) and the
  // numeric elements follow as raw bytes whose lengths the structure states.
  let head = `${KEY_FORMAT}|${version.name.length}:${version.name}|${version.version}|${version.digest}|`;
  if (outputs === undefined) head += '*|';
  else {
    head += `${outputs.length}|`;
    for (const name of outputs) head += `${name.length}:${name}|`;
  }
  head += `${inputs.length}|`;
  let dataBytes = 0;
  for (const t of inputs) {
    head += `${t.name.length}:${t.name}|${t.datatype}|${t.shape.length}`;
    for (const d of t.shape) head += `,${d}`;
    const data = t.data;
    if (Array.isArray(data)) {
      head += `|${data.length}|`;
      for (const s of data) head += `${s.length}:${s}`;
    } else {
      head += `|${data.byteLength}|`;
      dataBytes += data.byteLength;
    }
  }
  // A UTF-16 code unit is at most 3 bytes of UTF-8, so this bounds the encoded head.
  const headBound = head.length * 3;
  const digest =
    headBound + dataBytes <= scratch.length ? hashInScratch(head, inputs) : hashStreaming(head, inputs);
  return `${version.name}:${version.version}:${digest}`;
}

function hashInScratch(head: string, inputs: readonly Tensor[]): string {
  let pos = scratch.write(head, 0, 'utf8');
  for (const t of inputs) {
    const data = t.data;
    if (Array.isArray(data)) continue;
    scratch.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    pos += data.byteLength;
  }
  return hash('sha256', scratch.subarray(0, pos), 'base64url');
}

function hashStreaming(head: string, inputs: readonly Tensor[]): string {
  const h: Hash = createHash('sha256');
  h.update(head, 'utf8');
  for (const t of inputs) {
    const data = t.data;
    if (Array.isArray(data)) continue;
    h.update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest('base64url');
}

/** Test hook: shrinks the scratch buffer so the streaming path can be checked against the one-shot path. */
export function setKeyScratchBytesForTest(bytes: number): void {
  scratch = Buffer.allocUnsafe(bytes);
}
