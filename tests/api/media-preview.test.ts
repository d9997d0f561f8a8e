/** GET /preview_url: OpenGraph previews fetched safely, cached, with the image stored as media. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { staticResolver } from "../../src/net/dns";
import { createServer, type Server } from "../../src/server";
import { manualClock } from "../../src/util/clock";
import { silentLogger } from "../../src/util/log";
import { png } from "../helpers/media-images";
import { startTestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const IMAGE = png(48, 32, () => [10, 120, 240]);
let site: ReturnType<typeof Bun.serve>;
let siteUrl: string;
const hits: string[] = [];

beforeAll(() => {
  site = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const u = new URL(req.url);
      hits.push(u.pathname);
      if (u.pathname === "/article") {
        return new Response(
          `<html><head><title>Fallback</title>
           <meta property="og:title" content="Hearth &amp; home">
           <meta property="og:description" content="A post about homeservers">
           <meta property="og:image" content="/cover.png"></head><body>hello</body></html>`,
          { headers: { "content-type": "text/html; charset=utf-8" } },
        );
      }
      if (u.pathname === "/cover.png") return new Response(IMAGE, { headers: { "content-type": "image/png" } });
      if (u.pathname === "/photo.png") return new Response(IMAGE, { headers: { "content-type": "image/png" } });
      if (u.pathname === "/bounce") return Response.redirect("http://internal.test/admin", 302);
      if (u.pathname === "/huge") return new Response("x".repeat(50_000), { headers: { "content-type": "text/html" } });
      if (u.pathname === "/data.json") return new Response("{}", { headers: { "content-type": "application/json" } });
      return new Response("no", { status: 404 });
    },
  });
  siteUrl = `http://127.0.0.1:${site.port}`;
});
afterAll(() => site.stop(true));

/** A server with previews on, 127.0.0.1 allowed (the local test site), and names resolved by a fixed map. */
async function previewServer(allow: string[] = ["127.0.0.1/32"]) {
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-preview-"));
  const clock = manualClock();
  const config = parseConfig({
    server_name: "hs1.test",
    public_base_url: "http://127.0.0.1:1",
    data_dir: dataDir,
    rate_limits: { enabled: false },
    logging: { access_log: false, level: "error" },
    media: { url_preview: { enabled: true, ip_allowlist: allow, max_page_bytes: 20_000 } },
  });
  const server: Server = createServer(config, {
    dataDir,
    dbPath: ":memory:",
    logger: silentLogger,
    clock,
    media: { resolver: staticResolver({ "site.test": ["127.0.0.1"], "internal.test": ["192.168.1.10"] }) },
  });
  const { url } = server.listen("127.0.0.1", 0);
  const hs = {
    baseUrl: url,
    server,
    dataDir,
    request: () => Promise.reject(new Error("unused")),
    stop: async () => {},
  };
  const user: TestUser = createUserDirect(hs as never, "alice");
  const preview = (target: string, token = user.accessToken, path = "/_matrix/client/v1/media/preview_url") =>
    fetch(`${url}${path}?url=${encodeURIComponent(target)}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    server,
    clock,
    user,
    preview,
    baseUrl: url,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe("previews of pages", () => {
  test("OpenGraph data, with the image stored as media and downloadable", async () => {
    const s = await previewServer();
    try {
      const res = await s.preview(`${siteUrl}/article`);
      expect(res.status).toBe(200);
      const og = (await res.json()) as Record<string, unknown>;
      expect(og["og:title"]).toBe("Hearth & home");
      expect(og["og:description"]).toBe("A post about homeservers");
      expect(og["og:image"]).toMatch(/^mxc:\/\/hs1\.test\/[A-Za-z0-9_-]+$/);
      expect(og["og:image:type"]).toBe("image/png");
      expect(og["og:image:width"]).toBe(48);
      expect(og["og:image:height"]).toBe(32);
      expect(og["matrix:image:size"]).toBe(IMAGE.byteLength);
      const img = await fetch(`${s.baseUrl}/_matrix/client/v1/media/download/${(og["og:image"] as string).slice(6)}`, {
        headers: { authorization: `Bearer ${s.user.accessToken}` },
      });
      expect(new Uint8Array(await img.arrayBuffer())).toEqual(IMAGE);

      // Cached: asking again does not fetch the page again (the legacy path shares the cache).
      const before = hits.length;
      const again = await s.preview(`${siteUrl}/article`, s.user.accessToken, "/_matrix/media/v3/preview_url");
      expect(await again.json()).toEqual(og);
      expect(hits.length).toBe(before);
      // After the cache time, it is fetched anew.
      s.clock.advance(3_600_001);
      await s.preview(`${siteUrl}/article`);
      expect(hits.length).toBeGreaterThan(before);
    } finally {
      await s.stop();
    }
  });

  test("a URL that is an image is previewed as that image; other types give an empty preview", async () => {
    const s = await previewServer();
    try {
      const og = (await (await s.preview(`${siteUrl}/photo.png`)).json()) as Record<string, unknown>;
      expect(og["og:image"]).toMatch(/^mxc:\/\//);
      expect(og["matrix:image:size"]).toBe(IMAGE.byteLength);
      expect(await (await s.preview(`${siteUrl}/data.json`)).json()).toEqual({});
    } finally {
      await s.stop();
    }
  });
});

describe("requests to non-public addresses are refused", () => {
  test("loopback (not allowlisted), a name resolving to a private address, and a redirect to one", async () => {
    const s = await previewServer([]);
    const t = await previewServer();
    try {
      const before = hits.length;
      for (const target of [`${siteUrl}/article`, "http://[::1]/", "http://169.254.169.254/latest/meta-data/"]) {
        const res = await s.preview(target);
        expect(res.status).toBe(403);
        expect(((await res.json()) as { errcode: string }).errcode).toBe("M_FORBIDDEN");
      }
      expect(hits.length).toBe(before);
      const named = await t.preview("http://internal.test/admin");
      expect(named.status).toBe(403);
      const bounced = await t.preview(`${siteUrl}/bounce`);
      expect(bounced.status).toBe(403);
      expect(((await bounced.json()) as { errcode: string }).errcode).toBe("M_FORBIDDEN");
      // The allowlisted name works.
      expect((await t.preview(`http://site.test:${site.port}/article`)).status).toBe(200);
    } finally {
      await s.stop();
      await t.stop();
    }
  });

  test("pages over max_page_bytes are refused", async () => {
    const s = await previewServer();
    try {
      const res = await s.preview(`${siteUrl}/huge`);
      expect(res.status).toBe(502);
      expect(((await res.json()) as { errcode: string }).errcode).toBe("M_TOO_LARGE");
    } finally {
      await s.stop();
    }
  });
});

test("bad input: no token, no URL, non-HTTP URL", async () => {
  const s = await previewServer();
  try {
    expect((await s.preview(`${siteUrl}/article`, "wrong")).status).toBe(401);
    const none = await fetch(`${s.baseUrl}/_matrix/client/v1/media/preview_url`, {
      headers: { authorization: `Bearer ${s.user.accessToken}` },
    });
    expect(none.status).toBe(400);
    for (const target of ["file:///etc/passwd", "not a url", "gopher://x/"]) {
      const res = await s.preview(target);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { errcode: string }).errcode).toBe("M_INVALID_PARAM");
    }
    const rows = s.server.db.sqlite.query("SELECT count(*) AS n FROM url_previews").get() as { n: number };
    expect(rows.n).toBe(0);
  } finally {
    await s.stop();
  }
});

test("previews are off by default: 404 M_UNRECOGNIZED", async () => {
  const hs = await startTestServer();
  try {
    const alice = createUserDirect(hs, "alice");
    const res = await hs.request("GET", `/_matrix/client/v1/media/preview_url?url=${encodeURIComponent(siteUrl)}`, {
      token: alice.accessToken,
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_UNRECOGNIZED");
  } finally {
    await hs.stop();
  }
});
