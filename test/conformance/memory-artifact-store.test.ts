import { MemoryArtifactStore } from '../../src/storage/memory/memory-artifact-store.js';
import { artifactStoreSuite } from './artifact-store.suite.js';

// The runner owns the backing map, so it can tamper behind the store's back (append a byte, as the fs runner does).
artifactStoreSuite('memory', async () => {
  const blobs = new Map<string, Uint8Array>();
  const tamper = async (sha256: string) => void blobs.set(sha256, Uint8Array.from([...(blobs.get(sha256) ?? []), 0x78]));
  return { store: new MemoryArtifactStore(blobs), tamper };
});
