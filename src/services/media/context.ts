/**
 * What the parts of the media service share: dependencies, the per-content lock, and the two steps
 * everything goes through (store a received file under a media ID; find a media ID's content).
 */
import type { Config } from "../../config/schema";
import { MatrixError } from "../../core/errors";
import type { SafeHttpClient } from "../../net/http-fetch";
import type { MediaRecord, MediaRepo } from "../../storage/repos/media";
import type { UrlPreviewRepo } from "../../storage/repos/media-previews";
import type { Clock } from "../../util/clock";
import { KeyedMutex } from "../../util/keyed-mutex";
import type { Logger } from "../../util/log";
import type { ContentStore, StagedContent } from "./content-store";
import type { RemoteMediaFetcher } from "./remote";
import type { Thumbnailer } from "./thumbnailer";

export type MediaConfig = Config["media"];

export interface MediaServiceDeps {
  serverName: string;
  config: MediaConfig;
  /** rate_limits.enabled: the upload rate limit applies only when true. */
  rateLimitsEnabled: boolean;
  db: { tx<T>(fn: () => T): T };
  repo: MediaRepo;
  previews: UrlPreviewRepo;
  store: ContentStore;
  thumbnailer: Thumbnailer;
  remote: RemoteMediaFetcher;
  /** Outbound HTTP for URL previews (with the address checks); null when previews are off. */
  http: SafeHttpClient | null;
  clock: Clock;
  logger: Logger;
  /** Timers, injectable for tests; default the global ones. */
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (handle: unknown) => void;
}

/** A file ready to be served. */
export interface MediaContent {
  blob: Blob;
  size: number;
  contentType: string;
  /** The uploader's file name (null: none). */
  uploadName: string | null;
  /** Strong validator: the SHA-256 of the bytes. */
  etag: string;
  /** When the content arrived (ms). */
  lastModified: number;
}

/** Longest wait for a pending upload, whatever timeout_ms the client asks for. */
export const MAX_DOWNLOAD_WAIT_MS = 20_000;

export interface MediaContext extends MediaServiceDeps {
  /** Held from a file's rename into place until its database row exists, and by the cleanup while deleting. */
  contentLocks: KeyedMutex<string>;
  /** Resolves waiters for a pending media ID when its content arrives. */
  notifyUploaded(serverName: string, mediaId: string): void;
  waitForUpload(serverName: string, mediaId: string, ms: number): Promise<void>;
  /**
   * Commits a staged file, records its content row, then runs `link` in a transaction (it inserts or
   * updates the media row pointing at the content). If `link` throws, the content stays unreferenced
   * and the cleanup removes it.
   */
  commitContent<T>(staged: StagedContent, link: () => T): Promise<T>;
  /** The media row for an mxc, fetching and caching remote media when allowed; null when unknown. */
  findMedia(serverName: string, mediaId: string, allowRemote: boolean, timeoutMs: number): Promise<MediaRecord | null>;
  /** The servable content of a media ID, waiting for a pending upload; throws the spec's errors. */
  resolveContent(args: ResolveArgs): Promise<{ record: MediaRecord; content: MediaContent }>;
  isLocal(serverName: string): boolean;
}

export interface ResolveArgs {
  serverName: string;
  mediaId: string;
  timeoutMs: number;
  allowRemote: boolean;
  /** Through the deprecated unauthenticated endpoints: newer media is frozen out. */
  legacy: boolean;
}

export function createMediaContext(deps: MediaServiceDeps): MediaContext {
  const contentLocks = new KeyedMutex<string>();
  const waiters = new Map<string, Set<() => void>>();
  const setTimer = deps.setTimeout ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = deps.clearTimeout ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const frozenAfter = deps.config.unauthenticated_frozen_after
    ? Date.parse(deps.config.unauthenticated_frozen_after)
    : Number.POSITIVE_INFINITY;
  const remoteFetches = new Map<string, Promise<MediaRecord | null>>();

  const ctx: MediaContext = {
    ...deps,
    contentLocks,
    isLocal: (serverName) => serverName === deps.serverName,
    notifyUploaded(serverName, mediaId) {
      const key = `${serverName}/${mediaId}`;
      const set = waiters.get(key);
      if (!set) return;
      waiters.delete(key);
      for (const w of set) w();
    },
    waitForUpload(serverName, mediaId, ms) {
      const key = `${serverName}/${mediaId}`;
      return new Promise<void>((resolve) => {
        let set = waiters.get(key);
        if (!set) {
          set = new Set();
          waiters.set(key, set);
        }
        const done = () => {
          clearTimer(timer);
          set.delete(done);
          if (set.size === 0 && waiters.get(key) === set) waiters.delete(key);
          resolve();
        };
        const timer = setTimer(done, ms);
        set.add(done);
      });
    },
    async commitContent(staged, link) {
      return contentLocks.with(staged.sha256, async () => {
        try {
          await deps.store.commit(staged);
        } catch (e) {
          await deps.store.discard(staged);
          throw e;
        }
        // The content row first, on its own: if `link` fails, the row stays, unreferenced, and the
        // cleanup deletes the file (a file without a row would only be found by the start-up sweep).
        deps.repo.insertContent(staged.sha256, staged.size, deps.clock.now());
        return deps.db.tx(link);
      });
    },
    async findMedia(serverName, mediaId, allowRemote, timeoutMs) {
      const found = deps.repo.selectMedia(serverName, mediaId);
      if (found || ctx.isLocal(serverName) || !allowRemote) return found;
      // Remote media not cached yet: one fetch per mxc at a time.
      const key = `${serverName}/${mediaId}`;
      let p = remoteFetches.get(key);
      if (!p) {
        p = fetchRemote(serverName, mediaId, timeoutMs).finally(() => remoteFetches.delete(key));
        remoteFetches.set(key, p);
      }
      return p;
    },
    async resolveContent({ serverName, mediaId, timeoutMs, allowRemote, legacy }) {
      let record = await ctx.findMedia(serverName, mediaId, allowRemote, timeoutMs);
      if (!record || record.quarantined) throw MatrixError.notFound("Media not found");
      if (legacy && (record.uploadedAt ?? deps.clock.now()) > frozenAfter) {
        // Client-server API: the deprecated endpoints are frozen for media newer than the freeze.
        throw MatrixError.notFound("Media not found (newer media is only served by the authenticated endpoints)");
      }
      if (record.sha256 === null) {
        if ((record.unusedExpiresAt ?? 0) <= deps.clock.now()) throw MatrixError.notFound("Media not found");
        const wait = Math.max(0, Math.min(timeoutMs, MAX_DOWNLOAD_WAIT_MS));
        if (wait > 0) await ctx.waitForUpload(serverName, mediaId, wait);
        record = deps.repo.selectMedia(serverName, mediaId);
        if (!record || record.quarantined) throw MatrixError.notFound("Media not found");
        if (record.sha256 === null) {
          throw new MatrixError(504, "M_NOT_YET_UPLOADED", "Content has not yet been uploaded");
        }
        if (legacy && (record.uploadedAt ?? 0) > frozenAfter) throw MatrixError.notFound("Media not found");
      }
      const sha = record.sha256 as string;
      if (!(await deps.store.exists(sha))) {
        deps.logger.error("media content missing on disk", { server_name: serverName, media_id: mediaId, sha256: sha });
        throw MatrixError.notFound("Media not found");
      }
      deps.repo.touchAccess(serverName, mediaId, deps.clock.now());
      return {
        record,
        content: {
          blob: Bun.file(deps.store.pathOf(sha)),
          size: record.size ?? 0,
          contentType: record.contentType ?? "application/octet-stream",
          uploadName: record.uploadName,
          etag: sha,
          lastModified: record.uploadedAt ?? record.createdAt,
        },
      };
    },
  };

  async function fetchRemote(serverName: string, mediaId: string, timeoutMs: number): Promise<MediaRecord | null> {
    let remote: Awaited<ReturnType<RemoteMediaFetcher["fetchContent"]>>;
    try {
      remote = await deps.remote.fetchContent(serverName, mediaId, {
        timeoutMs: Math.min(Math.max(timeoutMs, 1000), MAX_DOWNLOAD_WAIT_MS),
      });
    } catch (e) {
      deps.logger.warn("remote media fetch failed", { server_name: serverName, media_id: mediaId, error: String(e) });
      return null;
    }
    if (!remote) return null;
    let staged: StagedContent;
    try {
      staged = await deps.store.receive(remote.body, deps.config.max_upload_bytes);
    } catch (e) {
      if ((e as Error).name === "ContentTooLargeError") {
        throw new MatrixError(502, "M_TOO_LARGE", "Remote content is too large");
      }
      deps.logger.warn("remote media download failed", {
        server_name: serverName,
        media_id: mediaId,
        error: String(e),
      });
      return null;
    }
    const now = deps.clock.now();
    await ctx.commitContent(staged, () =>
      deps.repo.insertMedia({
        serverName,
        mediaId,
        kind: "remote",
        userId: null,
        contentType: remote.contentType,
        uploadName: remote.filename,
        sha256: staged.sha256,
        size: staged.size,
        createdAt: now,
        uploadedAt: now,
        unusedExpiresAt: null,
      }),
    );
    return deps.repo.selectMedia(serverName, mediaId);
  }

  return ctx;
}
