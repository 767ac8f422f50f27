import { createHash } from 'node:crypto';
import { fail } from '../core/errors.js';

/**
 * Digest rules shared by every ArtifactStore backend: what a valid digest looks like and how bytes are hashed, so a
 * digest is checked the same way whatever holds the bytes.
 */

const DIGEST = /^[0-9a-f]{64}$/;

/** True when `value` is 64 lower-case hex characters, the only form a digest may take (never a path). */
export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** Throws ARTIFACT_NOT_FOUND unless `value` is a well-formed digest; nothing else can name a stored artifact. */
export function assertDigest(value: string): void {
  if (!isDigest(value)) {
    throw fail('ARTIFACT_NOT_FOUND', 'no stored artifact has that digest: a digest is 64 lower-case hex characters', {
      sha256: value.slice(0, 80),
    });
  }
}

/** Lower-case hex sha256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The ARTIFACT_INTEGRITY error for bytes that no longer hash to the digest they are stored under. */
export function integrityError(sha256: string, actual: string) {
  return fail('ARTIFACT_INTEGRITY', `stored artifact ${sha256} is corrupted or was tampered with (its bytes hash to ${actual})`, {
    sha256,
    actual,
  });
}
