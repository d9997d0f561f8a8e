/**
 * Thumbnails: chosen by thumbnail-plan.ts, made once per media and size by the Thumbnailer, stored
 * content-addressed like any file and recorded in media_thumbnails. The format is read from the
 * bytes (never from the claimed Content-Type); what is served is always image/jpeg, png, gif or webp.
 */
import { MatrixError } from "../../core/errors";
import type { MediaRecord } from "../../storage/repos/media";
import type { MediaContent, MediaContext, ResolveArgs } from "./context";
import { firstWebpFrame, IMAGE_MIME, type ImageInfo, probeImage } from "./image-probe";
import { planThumbnail, type Size, type ThumbnailMethod } from "./thumbnail-plan";
import { type OutputFormat, ThumbnailError } from "./thumbnailer";

export interface ThumbnailRequest {
  width: number;
  height: number;
  method: ThumbnailMethod;
  animated: boolean;
}

/** Thumbnails cached per media at most (request shapes beyond this are made but not kept). */
const MAX_CACHED_PER_MEDIA = 24;
/** How much of a file is read to find its format and size. */
const PROBE_BYTES = 1 << 20;
/** Thumbnails made at the same time (each decodes a full image: memory is the limit). */
const MAX_CONCURRENT = 2;

const OUTPUT_FOR: Record<string, OutputFormat> = { jpeg: "jpeg", webp: "webp", png: "png", gif: "png", bmp: "png" };
const OUTPUT_MIME: Record<OutputFormat, string> = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp" };

const cannotThumbnail = () => new MatrixError(400, "M_UNKNOWN", "Cannot generate thumbnails for the requested content");
const tooLarge = () => new MatrixError(413, "M_TOO_LARGE", "Content is too large to thumbnail");

export function createThumbnails(ctx: MediaContext) {
  const inFlight = new Map<string, Promise<MediaContent>>();
  let running = 0;
  const queue: (() => void)[] = [];
  const slot = async <T>(fn: () => Promise<T>): Promise<T> => {
    if (running >= MAX_CONCURRENT) await new Promise<void>((r) => queue.push(r));
    running++;
    try {
      return await fn();
    } finally {
      running--;
      queue.shift()?.();
    }
  };

  async function probe(content: MediaContent): Promise<ImageInfo> {
    const head = new Uint8Array(await content.blob.slice(0, PROBE_BYTES).arrayBuffer());
    const info = probeImage(head);
    if (!info || !(info.format in OUTPUT_FOR)) throw cannotThumbnail();
    if (info.width === 0 || info.height === 0) {
      // The header was past what was read (a JPEG with large metadata blocks): ask the decoder,
      // which also reads only the header and enforces the pixel limit.
      try {
        const size = await ctx.thumbnailer.metadata(ctx.store.pathOf(content.etag), ctx.config.thumbnail_max_pixels);
        info.width = size.width;
        info.height = size.height;
      } catch (e) {
        if (e instanceof ThumbnailError && e.reason === "too_many_pixels") throw tooLarge();
        throw cannotThumbnail();
      }
    }
    if (info.width * info.height > ctx.config.thumbnail_max_pixels) throw tooLarge();
    return info;
  }

  /** The original bytes may be served as the thumbnail only when they are safe and static (or animation was asked for). */
  function originalIsServable(info: ImageInfo, animatedOk: boolean): boolean {
    if (info.animated && !animatedOk) return false;
    if (info.format === "jpeg") return !info.hasExif; // EXIF can hold the GPS position
    return info.format === "png" || info.format === "gif" || info.format === "webp";
  }

  function asThumbnail(content: MediaContent, info: ImageInfo): MediaContent {
    return { ...content, contentType: IMAGE_MIME[info.format], uploadName: null };
  }

  async function render(
    record: MediaRecord,
    content: MediaContent,
    info: ImageInfo,
    key: Size & { method: ThumbnailMethod },
    resize: Size | null,
    crop: Size | null,
  ): Promise<MediaContent> {
    const { serverName, mediaId } = record;
    const cached = ctx.repo.selectThumbnail(serverName, mediaId, key.width, key.height, key.method);
    if (cached && (await ctx.store.exists(cached.sha256))) {
      return {
        blob: Bun.file(ctx.store.pathOf(cached.sha256)),
        size: cached.size,
        contentType: cached.contentType,
        uploadName: null,
        etag: cached.sha256,
        lastModified: content.lastModified,
      };
    }
    const flightKey = `${serverName}/${mediaId}/${key.width}x${key.height}/${key.method}`;
    let p = inFlight.get(flightKey);
    if (!p) {
      p = slot(async () => {
        const output = OUTPUT_FOR[info.format]!;
        let source: string | Uint8Array = ctx.store.pathOf(content.etag);
        if (info.format === "webp" && info.animated) {
          // Bun's decoder reads still WebP only: take the first frame.
          const frame = firstWebpFrame(new Uint8Array(await content.blob.arrayBuffer()));
          if (!frame) throw cannotThumbnail();
          source = frame;
        }
        let out: Awaited<ReturnType<typeof ctx.thumbnailer.render>>;
        try {
          out = await ctx.thumbnailer.render({
            source,
            maxPixels: ctx.config.thumbnail_max_pixels,
            resize,
            crop,
            output,
          });
        } catch (e) {
          if (e instanceof ThumbnailError) throw e.reason === "too_many_pixels" ? tooLarge() : cannotThumbnail();
          throw e;
        }
        const contentType = OUTPUT_MIME[output];
        const staged = await ctx.store.receiveBytes(out.bytes);
        const keep = ctx.repo.countThumbnails(serverName, mediaId) < MAX_CACHED_PER_MEDIA;
        if (keep) {
          await ctx.commitContent(staged, () => {
            // The media may have been deleted meanwhile; then the thumbnail is simply not recorded.
            if (ctx.repo.selectMedia(serverName, mediaId)) {
              ctx.repo.insertThumbnail(
                serverName,
                mediaId,
                {
                  width: key.width,
                  height: key.height,
                  method: key.method,
                  contentType,
                  sha256: staged.sha256,
                  size: staged.size,
                },
                ctx.clock.now(),
              );
            }
          });
        } else {
          await ctx.store.discard(staged);
        }
        return {
          blob: new Blob([out.bytes]),
          size: out.bytes.byteLength,
          contentType,
          uploadName: null,
          etag: staged.sha256,
          lastModified: content.lastModified,
        };
      }).finally(() => inFlight.delete(flightKey));
      inFlight.set(flightKey, p);
    }
    return p;
  }

  return {
    async get(args: ResolveArgs & ThumbnailRequest): Promise<MediaContent> {
      const { record, content } = await ctx.resolveContent(args);
      const info = await probe(content);
      if (args.animated && info.animated && content.size <= ctx.config.animated_original_max_bytes) {
        // We cannot make animated thumbnails; a small animated original is the best answer (never smaller than asked).
        return asThumbnail(content, info);
      }
      const plan = planThumbnail(info, args);
      if (plan.kind === "render") return render(record, content, info, plan.key, plan.resize, plan.crop);
      // Smaller than asked: the original, unless it must be re-encoded (EXIF, animation, BMP).
      if (originalIsServable(info, false)) return asThumbnail(content, info);
      return render(record, content, info, { width: info.width, height: info.height, method: "scale" }, null, null);
    },
  };
}
