/**
 * The media repository (client-server API, "Content repository"): uploads (direct and asynchronous),
 * downloads, thumbnails, URL previews and the cleanup of what is no longer needed.
 */
import { MatrixError } from "../../core/errors";
import { randomAlnum } from "../../util/random";
import { createMediaAdmin, type MediaAdmin } from "./admin";
import { startCleanup } from "./cleanup";
import { ContentTooLargeError, type StagedContent } from "./content-store";
import { createMediaContext, type MediaContent, type MediaServiceDeps } from "./context";
import { createThumbnails, type ThumbnailRequest } from "./thumbnails";
import { createUploadLimiter } from "./upload-limiter";
import { createUrlPreviews } from "./url-preview";

export type { MediaContent, MediaServiceDeps } from "./context";

export interface UploadArgs {
  userId: string;
  /** The request's Content-Type (null: application/octet-stream). */
  contentType: string | null;
  filename: string | null;
  body: ReadableStream<Uint8Array> | null;
  /** The declared Content-Length, when given: refused at once when over the limit. */
  contentLength: number | null;
}

export interface DownloadArgs {
  serverName: string;
  mediaId: string;
  timeoutMs: number;
  allowRemote: boolean;
  legacy: boolean;
}

export interface CleanupReport {
  expiredPending: number;
  remoteDeleted: number;
  previewsDeleted: number;
  filesDeleted: number;
}

export interface MediaService {
  /** GET /media/config */
  config(): { "m.upload.size": number };
  upload(args: UploadArgs): Promise<{ contentUri: string }>;
  /** POST /_matrix/media/v1/create */
  createPending(userId: string): { contentUri: string; unusedExpiresAt: number };
  /** PUT /_matrix/media/v3/upload/{serverName}/{mediaId} */
  uploadToPending(args: UploadArgs & { serverName: string; mediaId: string }): Promise<void>;
  download(args: DownloadArgs): Promise<MediaContent>;
  thumbnail(args: DownloadArgs & ThumbnailRequest): Promise<MediaContent>;
  previewUrl(args: { userId: string; url: string; ts: number | null }): Promise<Record<string, unknown>>;
  /** Operator actions (the admin API). */
  admin: MediaAdmin;
  /** One cleanup pass (the background task runs it periodically). */
  runCleanup(): Promise<CleanupReport>;
  /**
   * Sweeps what a crash may have left and starts the periodic cleanup. Only the serving process may
   * call it: the sweep assumes no other process is writing to the media folder.
   */
  start(): void;
  stop(): Promise<void>;
}

const MEDIA_ID_LENGTH = 24;
/** type/subtype with optional parameters, printable ASCII only. */
const CONTENT_TYPE_RE = /^[A-Za-z0-9!#$&^_.+-]{1,127}\/[A-Za-z0-9!#$&^_.+-]{1,127}(\s*;[\x20-\x7e]{0,200})?$/;

export function normalizeContentType(raw: string | null): string {
  if (raw === null || raw.trim() === "") return "application/octet-stream";
  const t = raw.trim();
  if (!CONTENT_TYPE_RE.test(t)) throw MatrixError.invalidParam("Content-Type is not a valid media type");
  return t;
}

export function validateFilename(name: string | null): string | null {
  if (name === null || name === "") return null;
  if (Buffer.byteLength(name) > 255 || /[\u0000-\u001f\u007f]/.test(name)) {
    throw MatrixError.invalidParam("filename must be at most 255 bytes without control characters");
  }
  return name;
}

export function createMediaService(deps: MediaServiceDeps): MediaService {
  const ctx = createMediaContext(deps);
  const { repo, clock, config } = deps;
  const limiter = createUploadLimiter({ enabled: deps.rateLimitsEnabled, perMinute: config.uploads_per_minute }, clock);
  const thumbnails = createThumbnails(ctx);
  const previews = createUrlPreviews(ctx);
  let cleanup: { run(): Promise<CleanupReport>; stop(): Promise<void> } | null = null;
  let started = false;

  const checkQuota = (userId: string, extra: number) => {
    if (config.max_bytes_per_user > 0 && repo.sumUserBytes(userId) + extra > config.max_bytes_per_user) {
      throw MatrixError.forbidden("You have reached your media storage quota");
    }
  };

  /** Streams the body in with the size limit; maps the store's errors to the spec's. */
  async function receive(args: UploadArgs): Promise<StagedContent> {
    if (args.contentLength !== null && args.contentLength > config.max_upload_bytes) {
      throw MatrixError.tooLarge(`Cannot upload files larger than ${config.max_upload_bytes} bytes`);
    }
    checkQuota(args.userId, args.contentLength ?? 0);
    let staged: StagedContent;
    try {
      staged = await deps.store.receive(args.body, config.max_upload_bytes);
    } catch (e) {
      if (e instanceof ContentTooLargeError) {
        throw MatrixError.tooLarge(`Cannot upload files larger than ${config.max_upload_bytes} bytes`);
      }
      throw e;
    }
    try {
      checkQuota(args.userId, staged.size);
    } catch (e) {
      await deps.store.discard(staged);
      throw e;
    }
    return staged;
  }

  const mxc = (mediaId: string) => `mxc://${deps.serverName}/${mediaId}`;

  function runCleanup(): Promise<CleanupReport> {
    cleanup ??= startCleanup(ctx, { intervalMs: 0 });
    return cleanup.run();
  }

  return {
    config: () => ({ "m.upload.size": config.max_upload_bytes }),

    async upload(args) {
      const contentType = normalizeContentType(args.contentType);
      const uploadName = validateFilename(args.filename);
      limiter.take(args.userId);
      const staged = await receive(args);
      const now = clock.now();
      for (;;) {
        const mediaId = randomAlnum(MEDIA_ID_LENGTH);
        const inserted = await ctx.commitContent(staged, () =>
          repo.insertMedia({
            serverName: deps.serverName,
            mediaId,
            kind: "upload",
            userId: args.userId,
            contentType,
            uploadName,
            sha256: staged.sha256,
            size: staged.size,
            createdAt: now,
            uploadedAt: now,
            unusedExpiresAt: null,
          }),
        );
        if (inserted) return { contentUri: mxc(mediaId) };
        // A 24-character collision: try another ID (the file is already in place).
      }
    },

    createPending(userId) {
      limiter.take(userId);
      const now = clock.now();
      const pending = repo.selectPendingExpiries(userId, now);
      if (pending.length >= config.max_pending_uploads) {
        throw MatrixError.limitExceeded(Math.max(1, pending[0]! - now));
      }
      const unusedExpiresAt = now + config.pending_upload_expiry_ms;
      for (;;) {
        const mediaId = randomAlnum(MEDIA_ID_LENGTH);
        const inserted = repo.insertMedia({
          serverName: deps.serverName,
          mediaId,
          kind: "upload",
          userId,
          contentType: null,
          uploadName: null,
          sha256: null,
          size: null,
          createdAt: now,
          uploadedAt: null,
          unusedExpiresAt,
        });
        if (inserted) return { contentUri: mxc(mediaId), unusedExpiresAt };
      }
    },

    async uploadToPending(args) {
      const contentType = normalizeContentType(args.contentType);
      const uploadName = validateFilename(args.filename);
      const check = () => {
        const rec = ctx.isLocal(args.serverName) ? repo.selectMedia(args.serverName, args.mediaId) : null;
        if (rec?.kind !== "upload") throw MatrixError.notFound("Unknown media ID");
        if (rec.userId !== args.userId) throw MatrixError.forbidden("This media ID was created by another user");
        if (rec.sha256 !== null) {
          throw new MatrixError(409, "M_CANNOT_OVERWRITE_MEDIA", "Media already uploaded");
        }
        if ((rec.unusedExpiresAt ?? 0) <= clock.now()) throw MatrixError.notFound("Unknown media ID (expired)");
      };
      check();
      limiter.take(args.userId);
      const staged = await receive(args);
      const now = clock.now();
      try {
        await ctx.commitContent(staged, () => {
          check(); // again: another upload may have won while this one streamed in
          repo.completePending(args.serverName, args.mediaId, {
            sha256: staged.sha256,
            size: staged.size,
            contentType,
            uploadName,
            uploadedAt: now,
          });
        });
      } finally {
        ctx.notifyUploaded(args.serverName, args.mediaId);
      }
    },

    async download(args) {
      return (await ctx.resolveContent(args)).content;
    },

    thumbnail: (args) => thumbnails.get(args),
    admin: createMediaAdmin(ctx, () => runCleanup()),
    previewUrl: (args) => previews.preview(args),

    runCleanup,
    start() {
      if (started) return;
      started = true;
      const onDemand = cleanup;
      cleanup = startCleanup(ctx, { intervalMs: 15 * 60_000, sweepOnStart: true });
      void onDemand?.stop();
    },
    async stop() {
      await cleanup?.stop();
      cleanup = null;
      started = false;
    },
  };
}
