/**
 * URL previews (GET /preview_url): the page is fetched through the SSRF-safe client in net/ (address
 * checks after DNS and on every redirect, size and time limits), its OpenGraph data read by
 * html-preview.ts, and its image fetched the same way and stored as media (kind 'preview'). Answers
 * are cached per URL and fetch time, and reused until they expire.
 */
import { MatrixError } from "../../core/errors";
import { BlockedAddressError, type FetchedResource, ResponseTooLargeError } from "../../net/http-fetch";
import { randomAlnum } from "../../util/random";
import type { MediaContext } from "./context";
import { decodeHtml, parseHtmlPreview } from "./html-preview";
import { IMAGE_MIME, probeImage } from "./image-probe";

const MAX_URL_LENGTH = 2048;
const SERVABLE_IMAGES = new Set(["jpeg", "png", "gif", "webp"]);

function mediaType(contentType: string | null): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}

export function createUrlPreviews(ctx: MediaContext) {
  const inFlight = new Map<string, Promise<Record<string, unknown>>>();
  const cfg = ctx.config.url_preview;

  async function get(url: string, accept: string): Promise<FetchedResource> {
    if (!ctx.http) throw MatrixError.unrecognized("URL previews are disabled");
    try {
      const res = await ctx.http.get(url, { maxBytes: cfg.max_page_bytes, timeoutMs: cfg.timeout_ms, accept });
      if (res.status < 200 || res.status >= 300) {
        throw new MatrixError(502, "M_UNKNOWN", `The page answered with status ${res.status}`);
      }
      return res;
    } catch (e) {
      if (e instanceof MatrixError) throw e;
      if (e instanceof BlockedAddressError) {
        throw MatrixError.forbidden("URL previews of non-public addresses are not allowed");
      }
      if (e instanceof ResponseTooLargeError) {
        throw new MatrixError(502, "M_TOO_LARGE", "The page is too large to preview");
      }
      throw new MatrixError(502, "M_UNKNOWN", `Could not fetch the page: ${(e as Error).message}`);
    }
  }

  /** Stores image bytes as preview media; returns the og:image fields, or null when it is not an image we serve. */
  async function storeImage(res: FetchedResource): Promise<{ mediaId: string; og: Record<string, unknown> } | null> {
    const info = probeImage(res.body.subarray(0, 1 << 20));
    if (!info || !SERVABLE_IMAGES.has(info.format)) return null;
    const staged = await ctx.store.receiveBytes(res.body);
    const now = ctx.clock.now();
    const mediaId = randomAlnum(24);
    const name = decodeURIComponent(new URL(res.url).pathname.split("/").pop() ?? "").slice(0, 200) || null;
    await ctx.commitContent(staged, () =>
      ctx.repo.insertMedia({
        serverName: ctx.serverName,
        mediaId,
        kind: "preview",
        userId: null,
        contentType: IMAGE_MIME[info.format],
        uploadName: name?.replace(/[\u0000-\u001f\u007f]/g, "") || null,
        sha256: staged.sha256,
        size: staged.size,
        createdAt: now,
        uploadedAt: now,
        unusedExpiresAt: null,
      }),
    );
    const og: Record<string, unknown> = {
      "og:image": `mxc://${ctx.serverName}/${mediaId}`,
      "og:image:type": IMAGE_MIME[info.format],
      "matrix:image:size": staged.size,
    };
    if (info.width > 0 && info.height > 0) {
      og["og:image:width"] = info.width;
      og["og:image:height"] = info.height;
    }
    return { mediaId, og };
  }

  async function build(url: string): Promise<{ og: Record<string, unknown>; imageMediaId: string | null }> {
    const page = await get(url, "text/html,application/xhtml+xml;q=0.9,image/*;q=0.8,*/*;q=0.5");
    const type = mediaType(page.contentType);
    if (type.startsWith("image/")) {
      const img = await storeImage(page);
      return img ? { og: img.og, imageMediaId: img.mediaId } : { og: {}, imageMediaId: null };
    }
    if (type !== "text/html" && type !== "application/xhtml+xml") return { og: {}, imageMediaId: null };
    const parsed = parseHtmlPreview(decodeHtml(page.body, page.contentType), page.url);
    const og: Record<string, unknown> = { ...parsed.og };
    let imageMediaId: string | null = null;
    if (parsed.imageUrl) {
      try {
        const img = await storeImage(await get(parsed.imageUrl, "image/*"));
        if (img) {
          // The page's own width/height describe the image too, but the file's header is authoritative.
          Object.assign(og, img.og);
          imageMediaId = img.mediaId;
        }
      } catch (e) {
        // A preview without its image is still a preview.
        ctx.logger.debug("preview image not fetched", { error: (e as Error).message });
      }
    }
    return { og, imageMediaId };
  }

  return {
    async preview(args: { userId: string; url: string; ts: number | null }): Promise<Record<string, unknown>> {
      let parsed: URL;
      try {
        parsed = new URL(args.url);
      } catch {
        throw MatrixError.invalidParam("url is not a valid URL");
      }
      if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || args.url.length > MAX_URL_LENGTH) {
        throw MatrixError.invalidParam("url must be an http or https URL of at most 2048 characters");
      }
      const url = parsed.href;
      const now = ctx.clock.now();
      const cached = ctx.previews.selectFresh(url, args.ts ?? now, now);
      if (cached && cached.fetchedAt > now - cfg.retention_ms) return cached.og;
      let p = inFlight.get(url);
      if (!p) {
        p = (async () => {
          const { og, imageMediaId } = await build(url);
          const fetchedAt = ctx.clock.now();
          ctx.previews.insert({ url, fetchedAt, expiresAt: fetchedAt + cfg.cache_ms, og, imageMediaId });
          return og;
        })().finally(() => inFlight.delete(url));
        inFlight.set(url, p);
      }
      return p;
    },
  };
}
