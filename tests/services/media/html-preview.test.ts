import { describe, expect, test } from "bun:test";
import { decodeHtml, parseHtmlPreview } from "../../../src/services/media/html-preview";

const PAGE = "https://example.org/blog/post.html";

describe("parseHtmlPreview", () => {
  test("reads OpenGraph tags, resolving the image against the page", () => {
    const html = `<!doctype html><html><head>
      <meta property="og:title" content="Matrix &amp; friends">
      <meta property='og:description' content='A &quot;cool&quot; post'>
      <meta property=og:type content=article>
      <meta property="og:image" content="/img/cover.png">
      <meta property="og:image:width" content="1200"><meta property="og:image:height" content="abc">
      <title>Ignored when og:title exists</title></head><body></body></html>`;
    const { og, imageUrl } = parseHtmlPreview(html, PAGE);
    expect(og).toEqual({
      "og:title": "Matrix & friends",
      "og:description": 'A "cool" post',
      "og:type": "article",
      "og:image:width": 1200,
    });
    expect(imageUrl).toBe("https://example.org/img/cover.png");
  });

  test("falls back to <title>, meta description, Twitter cards and image_src", () => {
    const a = parseHtmlPreview(
      `<title>  Plain   title </title><meta name="description" content="Plain description"><link rel="image_src" href="pic.jpg">`,
      PAGE,
    );
    expect(a.og).toEqual({ "og:title": "Plain title", "og:description": "Plain description" });
    expect(a.imageUrl).toBe("https://example.org/blog/pic.jpg");
    const b = parseHtmlPreview(
      `<meta name="twitter:title" content="Tw"><meta name="twitter:image" content="https://cdn.example/x.webp">`,
      PAGE,
    );
    expect(b.og["og:title"]).toBe("Tw");
    expect(b.imageUrl).toBe("https://cdn.example/x.webp");
  });

  test("ignores tags inside comments, scripts and styles", () => {
    const html = `<!-- <meta property="og:title" content="comment"> -->
      <script>var s = '<meta property="og:title" content="script">';</script>
      <style>/* <meta property="og:title" content="style"> */</style>
      <meta property="og:title" content="real">`;
    expect(parseHtmlPreview(html, PAGE).og["og:title"]).toBe("real");
  });

  test("keeps only http(s) images and short, clean values", () => {
    const long = "x".repeat(5000);
    const { og, imageUrl } = parseHtmlPreview(
      `<meta property="og:image" content="javascript:alert(1)"><meta property="og:description" content="${long}"><meta property="og:title" content="a\u0001b">`,
      PAGE,
    );
    expect(imageUrl).toBeNull();
    expect((og["og:description"] as string).length).toBeLessThanOrEqual(500);
    expect(og["og:title"]).toBe("ab");
  });

  test("an unterminated script or a huge page ends the scan without hanging", () => {
    expect(parseHtmlPreview(`<meta property="og:title" content="t"><script>${"<".repeat(200_000)}`, PAGE).og).toEqual({
      "og:title": "t",
    });
    const big = `<meta property="og:title" content="t">${"<div a='b'>".repeat(300_000)}`;
    expect(parseHtmlPreview(big, PAGE).og["og:title"]).toBe("t");
  });
});

test("decodeHtml honours the charset from the header, then from <meta>", () => {
  const latin1 = new Uint8Array([
    ...new TextEncoder().encode('<meta charset="iso-8859-1"><title>caf'),
    0xe9,
    ...new TextEncoder().encode("</title>"),
  ]);
  expect(parseHtmlPreview(decodeHtml(latin1, "text/html"), PAGE).og["og:title"]).toBe("café");
  const utf8 = new TextEncoder().encode("<title>café</title>");
  expect(parseHtmlPreview(decodeHtml(utf8, "text/html; charset=utf-8"), PAGE).og["og:title"]).toBe("café");
});
