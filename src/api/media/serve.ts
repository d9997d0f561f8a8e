/**
 * Turns stored media into an HTTP response: Content-Type and Content-Disposition (inline only for the
 * types the spec lists as safe, attachment otherwise; RFC 6266 file names), a sandboxing
 * Content-Security-Policy, nosniff, Cross-Origin-Resource-Policy, caching (immutable content, ETag,
 * 304) and byte ranges (206/416). CORS headers are added for every response by the app.
 */
import type { MediaContent } from "../../services/media/media-service";

/** Client-server API, "Serving inline content". */
const INLINE_TYPES = new Set([
  "text/css",
  "text/plain",
  "text/csv",
  "application/json",
  "application/ld+json",
  "image/jpeg",
  "image/gif",
  "image/png",
  "image/apng",
  "image/webp",
  "image/avif",
  "video/mp4",
  "video/webm",
  "video/ogg",
  "video/quicktime",
  "audio/mp4",
  "audio/webm",
  "audio/aac",
  "audio/mpeg",
  "audio/ogg",
  "audio/wave",
  "audio/wav",
  "audio/x-wav",
  "audio/x-pn-wav",
  "audio/flac",
  "audio/x-flac",
]);

export const MEDIA_CSP =
  "sandbox; default-src 'none'; script-src 'none'; plugin-types application/pdf; style-src 'unsafe-inline'; media-src 'self'; object-src 'self';";

export function isInlineType(contentType: string): boolean {
  return INLINE_TYPES.has(contentType.split(";")[0]!.trim().toLowerCase());
}

/** RFC 5987 attr-char: everything else is percent-encoded. */
function encodeExtValue(s: string): string {
  return encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `inline` or `attachment`, with the file name as a quoted string when plain ASCII, else as filename* (RFC 6266). */
export function contentDisposition(type: "inline" | "attachment", filename: string | null): string {
  if (!filename) return type;
  if (/^[\x20-\x7e]+$/.test(filename) && !/["\\]/.test(filename)) return `${type}; filename="${filename}"`;
  return `${type}; filename*=utf-8''${encodeExtValue(filename)}`;
}

function securityHeaders(h: Headers): void {
  h.set("Content-Security-Policy", MEDIA_CSP);
  h.set("X-Content-Type-Options", "nosniff");
  h.set("Cross-Origin-Resource-Policy", "cross-origin");
}

type Range = { start: number; end: number } | "unsatisfiable" | null;

/** A single `bytes=` range (multiple ranges are answered with the whole content, as RFC 9110 allows). */
export function parseRange(header: string | null, size: number): Range {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || (m[2] !== "" && Number(m[2]) < start)) return "unsatisfiable";
  return { start, end };
}

function etagMatches(header: string, etag: string): boolean {
  if (header.trim() === "*") return true;
  return header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

export interface ServeOptions {
  /** "auto": inline for safe types, attachment otherwise. Thumbnails are always inline. */
  disposition: "auto" | "inline";
  filename: string | null;
  /** Authenticated endpoints: private caches only. */
  authenticated: boolean;
}

export function serveMedia(content: MediaContent, req: Request, opts: ServeOptions): Response {
  const headers = new Headers();
  securityHeaders(headers);
  const etag = `"${content.etag}"`;
  headers.set("ETag", etag);
  headers.set("Cache-Control", `${opts.authenticated ? "private" : "public"}, max-age=31536000, immutable`);
  headers.set("Last-Modified", new Date(content.lastModified).toUTCString());
  headers.set("Accept-Ranges", "bytes");

  const inm = req.headers.get("if-none-match");
  if (inm !== null && etagMatches(inm, etag)) return new Response(null, { status: 304, headers });

  headers.set("Content-Type", content.contentType);
  const type = opts.disposition === "inline" || isInlineType(content.contentType) ? "inline" : "attachment";
  headers.set("Content-Disposition", contentDisposition(type, opts.filename));

  const ifRange = req.headers.get("if-range");
  const range = ifRange === null || ifRange.trim() === etag ? parseRange(req.headers.get("range"), content.size) : null;
  if (range === "unsatisfiable") {
    headers.set("Content-Range", `bytes */${content.size}`);
    headers.delete("Content-Type");
    headers.delete("Content-Disposition");
    return new Response(null, { status: 416, headers });
  }
  if (range) {
    headers.set("Content-Range", `bytes ${range.start}-${range.end}/${content.size}`);
    headers.set("Content-Length", String(range.end - range.start + 1));
    return new Response(content.blob.slice(range.start, range.end + 1), { status: 206, headers });
  }
  headers.set("Content-Length", String(content.size));
  return new Response(content.blob, { status: 200, headers });
}
