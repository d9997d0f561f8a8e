/**
 * Media files on disk, content-addressed: <root>/content/ab/cd/<sha256>. A file is received into
 * <root>/tmp/ while it is hashed and size-checked, then fsynced, renamed into place (rename is atomic
 * within the file system, and both folders are under <root>) and the folder fsynced. So a crash
 * leaves at worst a stray temp file or an unreferenced content file, never a partial file under a
 * content address. Identical contents share one file.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";

export interface StagedContent {
  sha256: string;
  size: number;
  tmpPath: string;
}

export class ContentTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`content larger than ${limit} bytes`);
    this.name = "ContentTooLargeError";
  }
}

export interface ContentStore {
  readonly root: string;
  /** Streams a body into a temp file, hashing it; throws ContentTooLargeError past `maxBytes` (nothing kept). */
  receive(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<StagedContent>;
  receiveBytes(bytes: Uint8Array): Promise<StagedContent>;
  /** Moves a staged file to its content address; when that content is already stored, drops the copy. */
  commit(staged: StagedContent): Promise<void>;
  discard(staged: StagedContent): Promise<void>;
  pathOf(sha256: string): string;
  exists(sha256: string): Promise<boolean>;
  remove(sha256: string): Promise<void>;
  /** Deletes temp files left by an earlier process (a crash mid-upload); this process's own are kept. */
  sweepTemp(): Promise<number>;
  /** Every content address stored on disk. */
  list(): AsyncGenerator<string>;
}

const SHA_RE = /^[0-9a-f]{64}$/;

async function fsyncDir(path: string): Promise<void> {
  const fh = await open(path, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function createContentStore(root: string): ContentStore {
  const tmpDir = join(root, "tmp");
  const contentDir = join(root, "content");
  const dirOf = (sha: string) => join(contentDir, sha.slice(0, 2), sha.slice(2, 4));
  const pathOf = (sha: string) => {
    if (!SHA_RE.test(sha)) throw new Error(`not a content address: ${sha}`);
    return join(dirOf(sha), sha);
  };
  let tmpReady: Promise<unknown> | null = null;
  // Temp files of this process carry its boot ID, so the start-up sweep leaves running uploads alone.
  const boot = randomBytes(6).toString("hex");

  async function receiveChunks(chunks: AsyncIterable<Uint8Array>, maxBytes: number): Promise<StagedContent> {
    tmpReady ??= mkdir(tmpDir, { recursive: true, mode: 0o700 });
    await tmpReady;
    const tmpPath = join(tmpDir, `upload-${boot}-${randomBytes(12).toString("hex")}`);
    const fh = await open(tmpPath, "wx", 0o600);
    const hasher = new Bun.CryptoHasher("sha256");
    let size = 0;
    try {
      for await (const chunk of chunks) {
        size += chunk.byteLength;
        if (size > maxBytes) throw new ContentTooLargeError(maxBytes);
        hasher.update(chunk);
        let off = 0;
        while (off < chunk.byteLength) {
          const { bytesWritten } = await fh.write(chunk, off, chunk.byteLength - off);
          off += bytesWritten;
        }
      }
      await fh.sync();
    } catch (e) {
      await fh.close().catch(() => {});
      await rm(tmpPath, { force: true });
      throw e;
    }
    await fh.close();
    return { sha256: hasher.digest("hex"), size, tmpPath };
  }

  return {
    root,
    pathOf,
    async receive(body, maxBytes) {
      if (!body) return receiveChunks((async function* () {})(), maxBytes);
      const reader = body.getReader();
      const chunks = (async function* () {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          // Stop reading what is left of a refused body.
          await reader.cancel().catch(() => {});
        }
      })();
      return receiveChunks(chunks, maxBytes);
    },
    receiveBytes(bytes) {
      return receiveChunks(
        (async function* () {
          yield bytes;
        })(),
        Number.POSITIVE_INFINITY,
      );
    },
    async commit(staged) {
      const target = pathOf(staged.sha256);
      if (await Bun.file(target).exists()) {
        await rm(staged.tmpPath, { force: true });
        return;
      }
      const dir = dirOf(staged.sha256);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rename(staged.tmpPath, target);
      await fsyncDir(dir);
    },
    async discard(staged) {
      await rm(staged.tmpPath, { force: true });
    },
    exists: (sha) => Bun.file(pathOf(sha)).exists(),
    async remove(sha) {
      await rm(pathOf(sha), { force: true });
    },
    async sweepTemp() {
      let n = 0;
      try {
        for (const f of await readdir(tmpDir)) {
          if (f.startsWith(`upload-${boot}-`)) continue;
          await rm(join(tmpDir, f), { force: true });
          n++;
        }
      } catch (e) {
        if ((e as { code?: string }).code !== "ENOENT") throw e;
      }
      return n;
    },
    async *list() {
      const level = async (dir: string) => {
        try {
          return await readdir(dir);
        } catch (e) {
          if ((e as { code?: string }).code === "ENOENT") return [];
          throw e;
        }
      };
      for (const a of await level(contentDir)) {
        for (const b of await level(join(contentDir, a))) {
          for (const f of await level(join(contentDir, a, b))) {
            if (SHA_RE.test(f) && (await stat(join(contentDir, a, b, f))).isFile()) yield f;
          }
        }
      }
    },
  };
}
