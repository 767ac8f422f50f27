import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ErrorCode } from '../../src/core/errors.js';
import { isMooringError } from '../../src/core/errors.js';
import type { ArtifactStore } from '../../src/storage/artifact-store.js';

/** What a backend's runner gives the suite: a fresh, empty store and a way to damage a stored artifact. */
export interface ArtifactStoreUnderTest {
  readonly store: ArtifactStore;
  /** Changes the stored bytes of `sha256` behind the store's back (a flipped bit on disk, an edited file). */
  tamper(sha256: string): Promise<void>;
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isMooringError(error), `expected a MooringError ${code}, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

/**
 * The ArtifactStore contract (src/storage/artifact-store.ts) as tests; every backend runs it through a one-line
 * runner. `open` must return an empty store each time it is called.
 */
export function artifactStoreSuite(label: string, open: () => Promise<ArtifactStoreUnderTest>): void {
  describe(`ArtifactStore conformance: ${label}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'mooring-artifact-suite-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    test('put then get returns the same bytes under their sha256', async () => {
      const { store } = await open();
      const bytes = randomBytes(4096);
      const ref = await store.put(bytes, 'onnx');
      assert.deepEqual(ref, { sha256: sha(bytes), sizeBytes: 4096, format: 'onnx' });
      assert.deepEqual(Buffer.from(await store.get(ref.sha256)), bytes);
      const empty = await store.put(new Uint8Array(0), 'onnx');
      assert.equal(empty.sizeBytes, 0);
      assert.equal((await store.get(empty.sha256)).byteLength, 0);
    });

    test('the same bytes give the same ref and are stored once; the caller cannot change them afterwards', async () => {
      const { store, tamper } = await open();
      const bytes = new Uint8Array(randomBytes(100));
      const first = await store.put(bytes, 'onnx');
      const second = await store.put(Uint8Array.from(bytes), 'onnx');
      assert.deepEqual(second, first);
      bytes[0] = (bytes[0] ?? 0) ^ 0xff; // the caller reuses its buffer
      const got = await store.get(first.sha256);
      assert.equal(sha(got), first.sha256);
      got[1] = (got[1] ?? 0) ^ 0xff; // and mutates what it read
      assert.equal(sha(await store.get(first.sha256)), first.sha256);
      // Stored once: one tamper breaks the only copy, and storing the right bytes again repairs it.
      await tamper(first.sha256);
      await rejectsWith(store.get(first.sha256), 'ARTIFACT_INTEGRITY');
      bytes[0] = (bytes[0] ?? 0) ^ 0xff;
      assert.deepEqual(await store.put(bytes, 'onnx'), first);
      assert.equal(sha(await store.get(first.sha256)), first.sha256);
    });

    test('putFile stores a local file, hashing while it copies', async () => {
      const { store } = await open();
      const bytes = randomBytes(3 * 1024 * 1024 + 17); // several stream chunks
      const path = join(dir, `model-${randomBytes(4).toString('hex')}.onnx`);
      writeFileSync(path, bytes);
      const ref = await store.putFile(path, 'onnx');
      assert.deepEqual(ref, { sha256: sha(bytes), sizeBytes: bytes.byteLength, format: 'onnx' });
      assert.ok(Buffer.from(await store.get(ref.sha256)).equals(bytes));
      assert.deepEqual(await store.put(bytes, 'onnx'), ref, 'put and putFile agree');
      assert.deepEqual(await store.putFile(path, 'onnx'), ref, 'putFile twice');
      await assert.rejects(store.putFile(join(dir, 'missing.onnx'), 'onnx'));
    });

    test('a tampered artifact throws ARTIFACT_INTEGRITY instead of returning bytes', async () => {
      const { store, tamper } = await open();
      const ref = await store.put(randomBytes(512), 'onnx');
      await tamper(ref.sha256);
      await rejectsWith(store.get(ref.sha256), 'ARTIFACT_INTEGRITY');
      assert.equal(await store.has(ref.sha256), true, 'has() does not verify');
    });

    test('unknown and malformed digests throw ARTIFACT_NOT_FOUND (a digest is never a path)', async () => {
      const { store } = await open();
      const ref = await store.put(randomBytes(64), 'onnx');
      const unknown = sha(Buffer.from('never stored'));
      const malformed = [
        '../../etc/passwd',
        '../' + ref.sha256.slice(3),
        ref.sha256.toUpperCase(),
        ref.sha256.slice(0, 63),
        ref.sha256 + '0',
        `${ref.sha256.slice(0, 2)}/${ref.sha256}`,
        '',
        '/etc/passwd',
        'g'.repeat(64),
      ];
      await rejectsWith(store.get(unknown), 'ARTIFACT_NOT_FOUND');
      for (const digest of malformed) {
        await rejectsWith(store.get(digest), 'ARTIFACT_NOT_FOUND');
        assert.equal(await store.has(digest), false, digest);
      }
    });

    test('has() tells whether a digest is stored', async () => {
      const { store } = await open();
      const ref = await store.put(randomBytes(10), 'onnx');
      assert.equal(await store.has(ref.sha256), true);
      assert.equal(await store.has(sha(Buffer.from('other'))), false);
    });
  });
}
