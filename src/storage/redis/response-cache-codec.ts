import { DATATYPE_INFO } from '../../core/inference/datatypes.js';
import type { Datatype, Tensor, TensorData } from '../../core/inference/tensor.js';
import { DATATYPES, elementCount } from '../../core/inference/tensor.js';

/**
 * The binary form of a cached answer in Redis: a compact header, then each tensor's raw element bytes, so a hit
 * costs one copy per tensor instead of a JSON parse, and INT64 beyond 2^53, FP16 bits and -0 survive exactly.
 *
 * Layout (little-endian):
 *   "MC" magic, u8 format version (1), f64 expiry (epoch ms, the writer's clock), u16 tensor count, then per tensor:
 *   u16 name byte length, name (UTF-8), u8 datatype index (in DATATYPES), u8 rank, rank x f64 dimensions,
 *   then the elements: fixed-width datatypes as elementCount x width raw bytes (platform order, which is
 *   little-endian wherever Mooring runs); BYTES as elementCount x (u32 byte length, UTF-8).
 * A value that does not parse exactly (another format, truncated, trailing bytes) is refused with an Error, which
 * the cache counts and answers as a miss.
 */

const MAGIC_0 = 0x4d; // 'M'
const MAGIC_1 = 0x43; // 'C'
const FORMAT = 1;
const HEADER_BYTES = 13;

const DATATYPE_INDEX: ReadonlyMap<Datatype, number> = new Map(DATATYPES.map((d, i) => [d, i]));

type NumericArrayCtor = new (length: number) => Exclude<TensorData, string[]>;

const ARRAY_OF: Readonly<Record<Exclude<Datatype, 'BYTES'>, NumericArrayCtor>> = {
  BOOL: Uint8Array,
  UINT8: Uint8Array,
  UINT16: Uint16Array,
  UINT32: Uint32Array,
  UINT64: BigUint64Array,
  INT8: Int8Array,
  INT16: Int16Array,
  INT32: Int32Array,
  INT64: BigInt64Array,
  FP16: Uint16Array,
  FP32: Float32Array,
  FP64: Float64Array,
};

/** A decoded value: the tensors and when the writer meant them to expire (epoch ms). */
export interface CachedValue {
  readonly tensors: Tensor[];
  readonly expiresAt: number;
}

/**
 * Encodes tensors and their expiry time into one Buffer. Throws RangeError for what the layout cannot hold (over
 * 65535 tensors, rank over 255, a name over 65535 bytes).
 */
export function encodeTensors(tensors: readonly Tensor[], expiresAt: number): Buffer {
  if (tensors.length > 0xffff) throw new RangeError('too many tensors to cache');
  let size = HEADER_BYTES;
  for (const t of tensors) {
    if (t.shape.length > 0xff) throw new RangeError('tensor rank too high to cache');
    size += 2 + Buffer.byteLength(t.name, 'utf8') + 2 + 8 * t.shape.length;
    const data = t.data;
    if (Array.isArray(data)) for (const s of data) size += 4 + Buffer.byteLength(s, 'utf8');
    else size += data.byteLength;
  }
  const buf = Buffer.allocUnsafe(size);
  buf[0] = MAGIC_0;
  buf[1] = MAGIC_1;
  buf[2] = FORMAT;
  buf.writeDoubleLE(expiresAt, 3);
  let pos = buf.writeUInt16LE(tensors.length, 11);
  for (const t of tensors) {
    const nameBytes = buf.write(t.name, pos + 2, 'utf8');
    if (nameBytes > 0xffff) throw new RangeError('tensor name too long to cache');
    buf.writeUInt16LE(nameBytes, pos);
    pos += 2 + nameBytes;
    pos = buf.writeUInt8(DATATYPE_INDEX.get(t.datatype)!, pos);
    pos = buf.writeUInt8(t.shape.length, pos);
    for (const d of t.shape) pos = buf.writeDoubleLE(d, pos);
    const data = t.data;
    if (Array.isArray(data)) {
      for (const s of data) {
        const n = buf.write(s, pos + 4, 'utf8');
        buf.writeUInt32LE(n, pos);
        pos += 4 + n;
      }
    } else {
      buf.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
      pos += data.byteLength;
    }
  }
  return buf;
}

/** Decodes what `encodeTensors` wrote into fresh tensors that own their buffers. Throws Error on anything else. */
export function decodeTensors(buf: Buffer): CachedValue {
  if (buf.length < HEADER_BYTES || buf[0] !== MAGIC_0 || buf[1] !== MAGIC_1 || buf[2] !== FORMAT) {
    throw new Error('not a cached answer of format 1');
  }
  const expiresAt = buf.readDoubleLE(3);
  const count = buf.readUInt16LE(11);
  let pos = HEADER_BYTES;
  const out: Tensor[] = [];
  // Buffer's read methods throw RangeError past the end, which covers every truncation below.
  for (let i = 0; i < count; i++) {
    const nameBytes = buf.readUInt16LE(pos);
    pos += 2;
    need(buf, pos, nameBytes);
    const name = buf.toString('utf8', pos, pos + nameBytes);
    pos += nameBytes;
    const datatype = DATATYPES[buf.readUInt8(pos)];
    if (datatype === undefined) throw new Error('unknown datatype in cached answer');
    const rank = buf.readUInt8(pos + 1);
    pos += 2;
    const shape: number[] = [];
    for (let d = 0; d < rank; d++) {
      const dim = buf.readDoubleLE(pos);
      if (!Number.isSafeInteger(dim) || dim < 0) throw new Error('bad dimension in cached answer');
      shape.push(dim);
      pos += 8;
    }
    const n = elementCount(shape);
    let data: TensorData;
    if (datatype === 'BYTES') {
      need(buf, pos, 4 * n);
      const strings = new Array<string>(n);
      for (let k = 0; k < n; k++) {
        const len = buf.readUInt32LE(pos);
        pos += 4;
        need(buf, pos, len);
        strings[k] = buf.toString('utf8', pos, pos + len);
        pos += len;
      }
      data = strings;
    } else {
      const bytes = n * DATATYPE_INFO[datatype].bytes;
      need(buf, pos, bytes);
      const typed = new ARRAY_OF[datatype](n);
      // A copy, not a view: the reply buffer may be a slice of a larger socket chunk, and views need alignment.
      new Uint8Array(typed.buffer).set(buf.subarray(pos, pos + bytes));
      data = typed;
      pos += bytes;
    }
    out.push({ name, datatype, shape, data });
  }
  if (pos !== buf.length) throw new Error('trailing bytes in cached answer');
  return { tensors: out, expiresAt };
}

function need(buf: Buffer, pos: number, bytes: number): void {
  if (pos + bytes > buf.length) throw new RangeError('truncated cached answer');
}
