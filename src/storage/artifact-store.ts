import type { ArtifactRef } from '../core/registry/types.js';

/**
 * ArtifactStore: the port that keeps model files, content-addressed by sha256.
 *
 * Contract (every backend passes test/conformance/artifact-store.suite.ts):
 * - `put` and `putFile` store bytes under their sha256 and return the digest; storing the same bytes twice stores
 *   them once and returns the same ref. A write is atomic (temporary file + rename): a crash never leaves a partial
 *   artifact under a digest.
 * - `get` returns the bytes only after recomputing their sha256 and finding it equal to the name they are stored
 *   under; otherwise it throws MooringError ARTIFACT_INTEGRITY (tampered or corrupted) and returns nothing.
 *   A digest that is not stored throws ARTIFACT_NOT_FOUND.
 * - Digests are 64 lower-case hex characters; anything else throws ARTIFACT_NOT_FOUND, so a digest can never be
 *   used as a path (no traversal).
 * Not promised: garbage collection of unreferenced artifacts (a later job); streaming reads (models are loaded
 * whole into memory by the runtime anyway, which is also what makes verify-then-load free of races).
 */
export interface ArtifactStore {
  /** Stores bytes; returns their ref. */
  put(bytes: Uint8Array, format: 'onnx'): Promise<ArtifactRef>;
  /** Stores a local file, hashing while it copies; returns its ref. The path comes from a local user, never the API. */
  putFile(path: string, format: 'onnx'): Promise<ArtifactRef>;
  /** The verified bytes of a stored artifact. */
  get(sha256: string): Promise<Uint8Array>;
  /** True when an artifact with that digest is stored (not verified). */
  has(sha256: string): Promise<boolean>;
}
