import { readFile } from 'node:fs/promises';
import { fail } from '../../core/errors.js';
import type { ArtifactRef } from '../../core/registry/types.js';
import type { ArtifactStore } from '../artifact-store.js';
import { assertDigest, integrityError, isDigest, sha256Hex } from '../artifact-digest.js';

/**
 * An ArtifactStore in a Map, for tests and throwaway servers. It still verifies on `get`, like the file store, so
 * code above it cannot come to rely on a store that never fails. Bytes are copied in and out: a caller mutating
 * its array cannot change what is stored.
 */
export class MemoryArtifactStore implements ArtifactStore {
  readonly #blobs: Map<string, Uint8Array>;

  /** `blobs` is the backing map; a test may pass its own to tamper with stored bytes behind the store's back. */
  constructor(blobs: Map<string, Uint8Array> = new Map()) {
    this.#blobs = blobs;
  }

  async put(bytes: Uint8Array, format: 'onnx'): Promise<ArtifactRef> {
    const sha256 = sha256Hex(bytes);
    const stored = this.#blobs.get(sha256);
    // Keep an existing copy only while it is intact; storing the right bytes again repairs a corrupted one.
    if (stored === undefined || sha256Hex(stored) !== sha256) this.#blobs.set(sha256, Uint8Array.from(bytes));
    return { sha256, sizeBytes: bytes.byteLength, format };
  }

  async putFile(path: string, format: 'onnx'): Promise<ArtifactRef> {
    return this.put(await readFile(path), format);
  }

  async get(sha256: string): Promise<Uint8Array> {
    assertDigest(sha256);
    const stored = this.#blobs.get(sha256);
    if (stored === undefined) throw fail('ARTIFACT_NOT_FOUND', `no stored artifact has digest ${sha256}`, { sha256 });
    const actual = sha256Hex(stored);
    if (actual !== sha256) throw integrityError(sha256, actual);
    return Uint8Array.from(stored);
  }

  async has(sha256: string): Promise<boolean> {
    return isDigest(sha256) && this.#blobs.has(sha256);
  }
}
