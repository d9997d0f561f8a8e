/** Downloads: headers that keep served files from running script, ranges, caching, the legacy freeze, bad IDs. */
import { afterEach, describe, expect, test } from "bun:test";
import { MEDIA_CSP } from "../../src/api/media/serve";
import { manualClock } from "../../src/util/clock";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer | null = null;
afterEach(async () => {
  await hs?.stop();
  hs = null;
});

async function upload(
  s: TestServer,
  u: TestUser,
  body: NonNullable<RequestInit["body"]>,
  type: string,
  filename?: string,
): Promise<string> {
  const q = filename === undefined ? "" : `?filename=${encodeURIComponent(filename)}`;
  const res = await fetch(`${s.baseUrl}/_matrix/media/v3/upload${q}`, {
    method: "POST",
    headers: { authorization: `Bearer ${u.accessToken}`, "content-type": type },
    body,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { content_uri: string }).content_uri.slice("mxc://".length);
}

const get = (s: TestServer, path: string, token?: string, headers: Record<string, string> = {}) =>
  s.request("GET", path, { ...(token ? { token } : {}), headers });

describe("served files cannot run script", () => {
  test("HTML and SVG are attachments under a sandboxing CSP, with nosniff and CORP", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    for (const [type, body] of [
      ["text/html", "<html><script>alert(document.cookie)</script></html>"],
      ["image/svg+xml", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'],
      ["application/javascript", "alert(1)"],
    ] as const) {
      const mxc = await upload(hs, alice, body, type, "evil");
      const res = await get(hs, `/_matrix/client/v1/media/download/${mxc}`, alice.accessToken);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-disposition")).toBe('attachment; filename="evil"');
      expect(res.headers.get("content-security-policy")).toBe(MEDIA_CSP);
      expect(MEDIA_CSP).toContain("sandbox");
      expect(MEDIA_CSP).toContain("script-src 'none'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
      expect(res.headers.get("access-control-allow-origin")).toBe("*");
      expect(res.headers.get("content-type")).toBe(type);
    }
  });

  test("safe types are inline: images (not SVG), video, audio, plain text", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    for (const type of [
      "image/png",
      "image/jpeg",
      "video/mp4",
      "audio/ogg",
      "text/plain",
      "text/plain; charset=utf-8",
    ]) {
      const mxc = await upload(hs, alice, "bytes", type);
      const res = await get(hs, `/_matrix/client/v1/media/download/${mxc}`, alice.accessToken);
      expect(res.headers.get("content-disposition")).toBe("inline");
    }
  });

  test("file names: the override in the path, and RFC 6266 encoding for non-ASCII and quotes", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const mxc = await upload(hs, alice, "x", "text/plain", 'résumé "final".txt');
    const res = await get(hs, `/_matrix/client/v1/media/download/${mxc}`, alice.accessToken);
    expect(res.headers.get("content-disposition")).toBe("inline; filename*=utf-8''r%C3%A9sum%C3%A9%20%22final%22.txt");
    const named = await get(hs, `/_matrix/client/v1/media/download/${mxc}/other.txt`, alice.accessToken);
    expect(named.status).toBe(200);
    expect(named.headers.get("content-disposition")).toBe('inline; filename="other.txt"');
    expect(await named.text()).toBe("x");
  });
});

describe("ranges and caching", () => {
  test("206 for a byte range, 416 beyond the end, the whole file when If-Range does not match", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const body = "0123456789abcdefghij";
    const mxc = await upload(hs, alice, body, "audio/ogg");
    const path = `/_matrix/client/v1/media/download/${mxc}`;
    const full = await get(hs, path, alice.accessToken);
    expect(full.headers.get("accept-ranges")).toBe("bytes");
    const etag = full.headers.get("etag")!;

    const part = await get(hs, path, alice.accessToken, { range: "bytes=2-5" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe("bytes 2-5/20");
    expect(await part.text()).toBe("2345");
    const tail = await get(hs, path, alice.accessToken, { range: "bytes=-3" });
    expect(await tail.text()).toBe("hij");
    const open = await get(hs, path, alice.accessToken, { range: "bytes=15-" });
    expect(await open.text()).toBe("fghij");
    const beyond = await get(hs, path, alice.accessToken, { range: "bytes=20-30" });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get("content-range")).toBe("bytes */20");
    const stale = await get(hs, path, alice.accessToken, { range: "bytes=0-1", "if-range": '"other"' });
    expect(stale.status).toBe(200);
    expect(await stale.text()).toBe(body);
    const fresh = await get(hs, path, alice.accessToken, { range: "bytes=0-1", "if-range": etag });
    expect(fresh.status).toBe(206);
  });

  test("immutable caching with an ETag; If-None-Match gives 304", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const mxc = await upload(hs, alice, "cache me", "text/plain");
    const res = await get(hs, `/_matrix/client/v1/media/download/${mxc}`, alice.accessToken);
    expect(res.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const again = await get(hs, `/_matrix/client/v1/media/download/${mxc}`, alice.accessToken, {
      "if-none-match": etag,
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
  });
});

describe("bad requests", () => {
  test("path traversal and malformed media IDs are refused; nothing outside the store is read", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    for (const path of [
      "/_matrix/client/v1/media/download/hs1.test/..%2F..%2F..%2Fetc%2Fpasswd",
      "/_matrix/client/v1/media/download/hs1.test/abc.def",
      "/_matrix/client/v1/media/download/..%2Fhs1.test/abc",
      "/_matrix/client/v1/media/thumbnail/hs1.test/..%2F..%2Fhomeserver.db?width=32&height=32",
      "/_matrix/media/v3/download/hs1.test/..%2Fhomeserver.db",
    ]) {
      const res = await get(hs, path, alice.accessToken);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errcode: string }).errcode).toBe("M_INVALID_PARAM");
    }
    // Dot segments are resolved by URL parsing before routing: they never reach a media ID.
    for (const path of [
      "/_matrix/client/v1/media/download/hs1.test/../../homeserver.db",
      "/_matrix/client/v1/media/download/hs1.test/%2E%2E",
    ]) {
      const res = await get(hs, path, alice.accessToken);
      expect([400, 404]).toContain(res.status);
      expect(res.headers.get("content-type")).toContain("application/json");
    }
  });

  test("unknown media and media of other servers: 404 M_NOT_FOUND (no federation yet)", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    for (const path of [
      "/_matrix/client/v1/media/download/hs1.test/nothingHere",
      "/_matrix/client/v1/media/download/other.test/abc",
    ]) {
      const res = await get(hs, path, alice.accessToken);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { errcode: string }).errcode).toBe("M_NOT_FOUND");
    }
  });

  test("the authenticated endpoints need a valid token", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const mxc = await upload(hs, alice, "secret-ish", "text/plain");
    const none = await get(hs, `/_matrix/client/v1/media/download/${mxc}`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { errcode: string }).errcode).toBe("M_MISSING_TOKEN");
    const wrong = await get(hs, `/_matrix/client/v1/media/download/${mxc}`, "wrong");
    expect(((await wrong.json()) as { errcode: string }).errcode).toBe("M_UNKNOWN_TOKEN");
  });
});

describe("legacy unauthenticated endpoints are frozen", () => {
  test("media from before the freeze is served there; newer media only with authentication", async () => {
    const freeze = Date.parse("2024-09-01T00:00:00Z");
    const clock = manualClock(freeze - 60_000);
    hs = await startTestServer({ clock, config: { media: { unauthenticated_frozen_after: "2024-09-01T00:00:00Z" } } });
    const alice = createUserDirect(hs, "alice");
    const old = await upload(hs, alice, "old media", "text/plain", "old.txt");
    clock.set(freeze + 60_000);
    const fresh = await upload(hs, alice, "new media", "text/plain");

    const legacyOld = await get(hs, `/_matrix/media/v3/download/${old}`);
    expect(legacyOld.status).toBe(200);
    expect(await legacyOld.text()).toBe("old media");
    expect(legacyOld.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(legacyOld.headers.get("content-security-policy")).toBe(MEDIA_CSP);
    expect((await get(hs, `/_matrix/media/v3/download/${old}/renamed.txt`)).headers.get("content-disposition")).toBe(
      'inline; filename="renamed.txt"',
    );

    for (const path of [`/_matrix/media/v3/download/${fresh}`, `/_matrix/media/v3/download/${fresh}/x.txt`]) {
      const res = await get(hs, path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { errcode: string }).errcode).toBe("M_NOT_FOUND");
    }
    const authed = await get(hs, `/_matrix/client/v1/media/download/${fresh}`, alice.accessToken);
    expect(await authed.text()).toBe("new media");
  });

  test("an empty freeze setting serves everything on the legacy endpoints", async () => {
    hs = await startTestServer({ config: { media: { unauthenticated_frozen_after: "" } } });
    const alice = createUserDirect(hs, "alice");
    const mxc = await upload(hs, alice, "open", "text/plain");
    expect(await (await get(hs, `/_matrix/media/v3/download/${mxc}`)).text()).toBe("open");
  });
});
