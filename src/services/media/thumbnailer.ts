/**
 * Makes thumbnails with Bun's built-in image pipeline (Bun.Image: libjpeg-turbo, libspng, libwebp,
 * statically linked), which works inside the single compiled binary on x64 and arm64; sharp does not
 * (see bench/RESULTS.md, group "Media"). Bun.Image applies the EXIF orientation, writes no EXIF (so no
 * GPS position) into its output, refuses images over `maxPixels` after reading only the header, and
 * runs on a worker thread. It has no crop, so crops go through png-crop.ts.
 */
import { cropPng, PngCropError } from "./png-crop";
import type { Size } from "./thumbnail-plan";

export type OutputFormat = "jpeg" | "png" | "webp";

export interface RenderRequest {
  /** A file path, or the bytes of an image. */
  source: string | Uint8Array;
  maxPixels: number;
  /** Resize the oriented image to exactly this size first (null: keep its size). */
  resize: Size | null;
  /** Then cut this centred window out (null: no crop). */
  crop: Size | null;
  output: OutputFormat;
}

export interface RenderedImage {
  bytes: Uint8Array;
  width: number;
  height: number;
}

export class ThumbnailError extends Error {
  constructor(
    readonly reason: "too_many_pixels" | "cannot_decode",
    message: string,
  ) {
    super(message);
    this.name = "ThumbnailError";
  }
}

export interface Thumbnailer {
  render(req: RenderRequest): Promise<RenderedImage>;
  /** Width and height as displayed (after EXIF orientation), read from the header only. */
  metadata(source: string | Uint8Array, maxPixels: number): Promise<Size>;
}

function encode(img: Bun.Image, format: OutputFormat): Bun.Image {
  if (format === "jpeg") return img.jpeg({ quality: 80 });
  if (format === "webp") return img.webp({ quality: 80 });
  return img.png({ compressionLevel: 6 });
}

function mapError(e: unknown): never {
  if (e instanceof ThumbnailError) throw e;
  const code = (e as { code?: string }).code;
  if (code === "ERR_IMAGE_TOO_MANY_PIXELS") throw new ThumbnailError("too_many_pixels", "Image has too many pixels");
  if (e instanceof PngCropError) throw new ThumbnailError("cannot_decode", e.message);
  throw new ThumbnailError("cannot_decode", (e as Error)?.message ?? "cannot decode image");
}

export function createBunImageThumbnailer(): Thumbnailer {
  return {
    async metadata(source, maxPixels) {
      try {
        const m = await new Bun.Image(source, { maxPixels }).metadata();
        return { width: m.width, height: m.height };
      } catch (e) {
        mapError(e);
      }
    },
    async render(req) {
      try {
        const opts = { maxPixels: req.maxPixels, autoOrient: true };
        const first = new Bun.Image(req.source, opts);
        if (req.resize) first.resize(req.resize.width, req.resize.height, { fit: "fill", filter: "lanczos3" });
        if (!req.crop) {
          const bytes = await encode(first, req.output).bytes();
          return { bytes, width: first.width, height: first.height };
        }
        // Uncompressed PNG in, window cut out, then encoded in the output format.
        const staged = await first.png({ compressionLevel: 0 }).bytes();
        const w = first.width;
        const h = first.height;
        const cw = Math.min(req.crop.width, w);
        const ch = Math.min(req.crop.height, h);
        const cropped = cropPng(staged, Math.floor((w - cw) / 2), Math.floor((h - ch) / 2), cw, ch);
        if (req.output === "png") return { bytes: cropped, width: cw, height: ch };
        const out = await encode(new Bun.Image(cropped, { autoOrient: false }), req.output).bytes();
        return { bytes: out, width: cw, height: ch };
      } catch (e) {
        mapError(e);
      }
    },
  };
}
