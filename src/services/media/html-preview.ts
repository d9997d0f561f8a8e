/**
 * A small, bounded HTML reader for URL previews: finds the OpenGraph/Twitter <meta> tags, the <title>,
 * the meta description and the page's image. It is a linear scan over at most the first MAX_SCAN
 * characters (no regular expression can backtrack over the page), skips comments, scripts and styles,
 * and keeps only short text values. It never builds a DOM and never runs anything.
 */

const MAX_SCAN = 1_000_000;
const MAX_VALUE = 1000;
const MAX_DESCRIPTION = 500;
const MAX_KEYS = 50;

export interface HtmlPreview {
  /** og:* keys with string (or, for sizes, number) values; og:image is the absolute image URL here. */
  og: Record<string, string | number>;
  imageUrl: string | null;
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  laquo: "«",
  raquo: "»",
  copy: "©",
  reg: "®",
  trade: "™",
  middot: "·",
  bull: "•",
  euro: "€",
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g, (m, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
      if (code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff)) return String.fromCodePoint(code);
      return "\ufffd";
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? m;
  });
}

/** Collapses whitespace, drops control characters and cuts to `max` characters. */
function clean(s: string, max = MAX_VALUE): string {
  const t = decodeEntities(s)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return t.length > max ? `${[...t].slice(0, max - 1).join("")}…` : t;
}

function parseAttributes(s: string): Map<string, string> {
  const out = new Map<string, string>();
  const re = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  for (const m of s.matchAll(re)) {
    const name = m[1]!.toLowerCase();
    if (!out.has(name)) out.set(name, m[2] ?? m[3] ?? m[4] ?? "");
  }
  return out;
}

interface Tag {
  name: string;
  attrs: Map<string, string>;
  /** For <title>: its text. */
  text?: string;
}

/** Yields the meta, link, title and img tags of the document, in order. */
function* scanTags(html: string): Generator<Tag> {
  const src = html.length > MAX_SCAN ? html.slice(0, MAX_SCAN) : html;
  const lower = src.toLowerCase();
  let i = 0;
  while (i < src.length) {
    const lt = src.indexOf("<", i);
    if (lt < 0) return;
    if (src.startsWith("<!--", lt)) {
      const end = src.indexOf("-->", lt + 4);
      if (end < 0) return;
      i = end + 3;
      continue;
    }
    const nameMatch = /^<([a-zA-Z][a-zA-Z0-9:-]*)/.exec(src.slice(lt, lt + 40));
    if (!nameMatch) {
      i = lt + 1;
      continue;
    }
    const name = nameMatch[1]!.toLowerCase();
    const gt = src.indexOf(">", lt);
    if (gt < 0) return;
    const attrText = src.slice(lt + 1 + name.length, gt);
    i = gt + 1;
    if (name === "script" || name === "style" || name === "noscript" || name === "template") {
      const close = lower.indexOf(`</${name}`, i);
      if (close < 0) return;
      i = close;
      continue;
    }
    if (name === "title") {
      const close = lower.indexOf("</title", i);
      if (close < 0) return;
      yield { name, attrs: new Map(), text: src.slice(i, Math.min(close, i + 10 * MAX_VALUE)) };
      i = close;
      continue;
    }
    if (name === "meta" || name === "link" || name === "img") yield { name, attrs: parseAttributes(attrText) };
  }
}

function absoluteHttpUrl(ref: string, base: string): string | null {
  try {
    const u = new URL(decodeEntities(ref.trim()), base);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

export function parseHtmlPreview(html: string, pageUrl: string): HtmlPreview {
  const og: Record<string, string | number> = {};
  let title: string | null = null;
  let description: string | null = null;
  let twitter: Record<string, string> = {};
  let linkImage: string | null = null;
  for (const tag of scanTags(html)) {
    if (tag.name === "title") {
      if (title === null) title = clean(tag.text ?? "");
      continue;
    }
    if (tag.name === "link") {
      const rel = (tag.attrs.get("rel") ?? "").toLowerCase();
      if (rel === "image_src" && linkImage === null) linkImage = tag.attrs.get("href") ?? null;
      continue;
    }
    if (tag.name !== "meta") continue;
    const key = (tag.attrs.get("property") ?? tag.attrs.get("name") ?? "").toLowerCase().trim();
    const content = tag.attrs.get("content");
    if (!key || content === undefined) continue;
    if (key.startsWith("og:")) {
      if (!(key in og) && Object.keys(og).length < MAX_KEYS && /^og:[a-z0-9:_.-]{1,60}$/.test(key)) {
        og[key] = clean(content, key === "og:description" ? MAX_DESCRIPTION : MAX_VALUE);
      }
    } else if (key.startsWith("twitter:")) {
      if (!(key in twitter)) twitter = { ...twitter, [key]: content };
    } else if (key === "description" && description === null) {
      description = clean(content, MAX_DESCRIPTION);
    }
  }
  if (!og["og:title"]) {
    const t = twitter["twitter:title"] ? clean(twitter["twitter:title"]) : title;
    if (t) og["og:title"] = t;
  }
  if (!og["og:description"]) {
    const d = twitter["twitter:description"] ? clean(twitter["twitter:description"], MAX_DESCRIPTION) : description;
    if (d) og["og:description"] = d;
  }
  const imageRef =
    (og["og:image"] as string | undefined) ||
    (og["og:image:url"] as string | undefined) ||
    (og["og:image:secure_url"] as string | undefined) ||
    twitter["twitter:image"] ||
    twitter["twitter:image:src"] ||
    linkImage;
  const imageUrl = imageRef ? absoluteHttpUrl(imageRef, pageUrl) : null;
  for (const k of ["og:image", "og:image:url", "og:image:secure_url"]) delete og[k];
  for (const k of ["og:image:width", "og:image:height"]) {
    if (k in og) {
      const n = Number(og[k]);
      if (Number.isSafeInteger(n) && n > 0) og[k] = n;
      else delete og[k];
    }
  }
  if (typeof og["og:url"] === "string" && !absoluteHttpUrl(og["og:url"], pageUrl)) delete og["og:url"];
  return { og, imageUrl };
}

/** Finds the page's character set: the Content-Type header, else a <meta> in the first 1 KiB; UTF-8 by default. */
export function sniffCharset(contentType: string | null, head: Uint8Array): string {
  const fromHeader = contentType ? /charset\s*=\s*"?([A-Za-z0-9_.:-]{1,40})/i.exec(contentType)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const text = Buffer.from(head.subarray(0, 1024)).toString("latin1");
  const m = /<meta[^>]{0,200}?charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})/i.exec(text);
  return m?.[1] ?? "utf-8";
}

export function decodeHtml(body: Uint8Array, contentType: string | null): string {
  const charset = sniffCharset(contentType, body);
  try {
    return new TextDecoder(charset as "utf-8", { fatal: false }).decode(body);
  } catch {
    return new TextDecoder("utf-8", { fatal: false }).decode(body);
  }
}
