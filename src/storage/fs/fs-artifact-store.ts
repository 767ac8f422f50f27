import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fail } from '../../core/errors.js';
import type { ArtifactRef } from '../../core/registry/types.js';
import type { ArtifactStore } from '../artifact-store.js';
import { assertDigest, integrityError, isDigest, sha256Hex } from '../artifact-digest.js';

/**
 * An ArtifactStore in a folder: `<root>/sha256/<first 2 hex>/<digest>`, one file per distinct content.
 * Writes go to a temporary file in `<root>/tmp`, are fsynced, then renamed into place (and the folder fsynced), so a
 * crash never leaves a partial file under a digest. Reads resolve the real path and refuse anything that escapes
 * the root, then re-hash the bytes before returning them (MLflow's path-traversal CVEs are the lesson: a name that
 * reaches the file system must be both well-formed and contained).
 */
export class FsArtifactStore implements ArtifactStore {
  readonly #root: string;

  private constructor(root: string) {
    this.#root = root;
  }

  /** Opens the store at `root`, creating the folder when missing. */
  static async open(root: string): Promise<FsArtifactStore> {
    await mkdir(join(root, 'sha256'), { recursive: true });
    await mkdir(join(root, 'tmp'), { recursive: true });
    return new FsArtifactStore(await realpath(root));
  }

  /** The real path of the store's root folder. */
  get root(): string {
    return this.#root;
  }

  async put(bytes: Uint8Array, format: 'onnx'): Promise<ArtifactRef> {
    const sha256 = sha256Hex(bytes);
    if (!(await this.#intact(sha256))) {
      const tmp = await this.#writeTemp(async (fh) => {
        await fh.writeFile(bytes);
      });
      await this.#install(tmp, sha256);
    }
    return { sha256, sizeBytes: bytes.byteLength, format };
  }

  async putFile(path: string, format: 'onnx'): Promise<ArtifactRef> {
    const hash = createHash('sha256');
    let size = 0;
    const tmp = await this.#writeTemp(async (fh) => {
      for await (const chunk of createReadStream(path)) {
        const buf = chunk as Buffer; // no encoding was set, so the stream yields Buffers
        hash.update(buf);
        size += buf.byteLength;
        await fh.write(buf);
      }
    });
    const sha256 = hash.digest('hex');
    if (await this.#intact(sha256)) await unlink(tmp);
    else await this.#install(tmp, sha256);
    return { sha256, sizeBytes: size, format };
  }

  async get(sha256: string): Promise<Uint8Array> {
    assertDigest(sha256);
    const real = await this.#resolve(sha256);
    if (real === null) throw fail('ARTIFACT_NOT_FOUND', `no stored artifact has digest ${sha256}`, { sha256 });
    const bytes = await readFile(real);
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw integrityError(sha256, actual);
    return bytes;
  }

  async has(sha256: string): Promise<boolean> {
    return isDigest(sha256) && (await this.#resolve(sha256)) !== null;
  }

  #dir(sha256: string): string {
    return join(this.#root, 'sha256', sha256.slice(0, 2));
  }

  #file(sha256: string): string {
    return join(this.#dir(sha256), sha256);
  }

  /**
   * The real path of a stored artifact, or null when absent. A stored name that resolves outside the root (a
   * planted symlink) is tampering, reported as ARTIFACT_INTEGRITY rather than followed.
   */
  async #resolve(sha256: string): Promise<string | null> {
    let real: string;
    try {
      real = await realpath(this.#file(sha256));
    } catch (error) {
      if (isErrno(error, 'ENOENT') || isErrno(error, 'ENOTDIR')) return null;
      throw error;
    }
    if (!real.startsWith(this.#root + sep)) {
      throw fail('ARTIFACT_INTEGRITY', `stored artifact ${sha256} resolves outside the artifact store; it is not read`, { sha256 });
    }
    const info = await stat(real);
    if (!info.isFile()) throw fail('ARTIFACT_INTEGRITY', `stored artifact ${sha256} is not a regular file`, { sha256 });
    return real;
  }

  /** True when the digest is stored and its bytes still match, so re-storing it would change nothing. */
  async #intact(sha256: string): Promise<boolean> {
    try {
      const real = await this.#resolve(sha256);
      return real !== null && sha256Hex(await readFile(real)) === sha256;
    } catch {
      return false; // anything wrong with the stored copy: write the good bytes over it
    }
  }

  /**
   * Writes a new temporary file in `<root>/tmp` (the same file system as the final place, so the rename that
   * installs it is atomic) and fsyncs it; on failure the partial file is removed. Returns its path.
   */
  async #writeTemp(write: (fh: FileHandle) => Promise<void>): Promise<string> {
    const tmp = join(this.#root, 'tmp', `${randomBytes(8).toString('hex')}.part`);
    const fh = await open(tmp, 'wx');
    try {
      await write(fh);
      await fh.sync();
    } catch (error) {
      await fh.close();
      await unlink(tmp).catch(() => undefined);
      throw error;
    }
    await fh.close();
    return tmp;
  }

  /** Moves a synced temporary file under its digest and fsyncs the folder, so the name survives a crash. */
  async #install(tmp: string, sha256: string): Promise<void> {
    const dir = this.#dir(sha256);
    await mkdir(dir, { recursive: true });
    await rename(tmp, this.#file(sha256));
    await syncDir(dir);
  }
}

/** Makes a rename durable: the new directory entry reaches the disk, not only the file's bytes. */
async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
