import { afterEach, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect } from "../helpers/users";

let hs: TestServer | null = null;
afterEach(async () => {
  await hs?.stop();
  hs = null;
});

/** Every file under <data_dir>/media/content and /tmp. */
function storedFiles(dataDir: string): { content: string[]; tmp: string[] } {
  const walk = (d: string): string[] => {
    try {
      return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)],
      );
    } catch {
      return [];
    }
  };
  return { content: walk(join(dataDir, "media/content")), tmp: walk(join(dataDir, "media/tmp")) };
}

const mediaRows = (s: TestServer) =>
  (s.server.db.sqlite.query("SELECT count(*) AS n FROM media").get() as { n: number }).n;

async function upload(
  s: TestServer,
  token: string,
  body: NonNullable<RequestInit["body"]>,
  headers: Record<string, string> = {},
  q = "",
) {
  return fetch(`${s.baseUrl}/_matrix/media/v3/upload${q}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, ...headers },
    body,
  });
}

describe("POST /_matrix/media/v3/upload", () => {
  test("small and large files come back byte-identical, with their type and name", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const small = new TextEncoder().encode("hello, media");
    const large = crypto.getRandomValues(new Uint8Array(3 * 1024 * 1024 + 17).fill(0).map((_, i) => i * 31));
    for (const [bytes, type, name] of [
      [small, "text/plain", "note.txt"],
      [large, "application/x-test", "big.bin"],
    ] as const) {
      const res = await upload(hs, alice.accessToken, bytes, { "content-type": type }, `?filename=${name}`);
      expect(res.status).toBe(200);
      const { content_uri } = (await res.json()) as { content_uri: string };
      expect(content_uri).toMatch(/^mxc:\/\/hs1\.test\/[A-Za-z0-9_-]+$/);
      const id = content_uri.split("/").pop();
      const dl = await hs.request("GET", `/_matrix/client/v1/media/download/hs1.test/${id}`, {
        token: alice.accessToken,
      });
      expect(dl.status).toBe(200);
      expect(dl.headers.get("content-type")).toBe(type);
      expect(dl.headers.get("content-disposition")).toContain(`filename="${name}"`);
      expect(new Uint8Array(await dl.arrayBuffer())).toEqual(new Uint8Array(bytes));
    }
  });

  test("a streamed body without Content-Length is stored whole", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const parts = ["one ", "two ", "three"];
    const stream = new ReadableStream({
      pull(c) {
        const p = parts.shift();
        if (p === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(p));
      },
    });
    const res = await upload(hs, alice.accessToken, stream, { "content-type": "text/plain" });
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { content_uri: string }).content_uri.split("/").pop();
    const dl = await hs.request("GET", `/_matrix/client/v1/media/download/hs1.test/${id}`, {
      token: alice.accessToken,
    });
    expect(await dl.text()).toBe("one two three");
  });

  test("identical uploads are stored once, and each ID keeps its own name and type", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const bob = createUserDirect(hs, "bob");
    const a = await upload(hs, alice.accessToken, "same bytes", { "content-type": "text/plain" }, "?filename=a.txt");
    const b = await upload(
      hs,
      bob.accessToken,
      "same bytes",
      { "content-type": "application/octet-stream" },
      "?filename=b.bin",
    );
    const ida = ((await a.json()) as { content_uri: string }).content_uri;
    const idb = ((await b.json()) as { content_uri: string }).content_uri;
    expect(ida).not.toBe(idb);
    expect(storedFiles(hs.dataDir).content).toHaveLength(1);
    const db = await hs.request("GET", `/_matrix/client/v1/media/download/hs1.test/${idb.split("/").pop()}`, {
      token: alice.accessToken,
    });
    expect(db.headers.get("content-type")).toBe("application/octet-stream");
    expect(db.headers.get("content-disposition")).toBe('attachment; filename="b.bin"');
  });

  test("no Content-Type is stored as application/octet-stream; no filename means none in the header", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const res = await fetch(`${hs.baseUrl}/_matrix/media/v3/upload`, {
      method: "POST",
      headers: { authorization: `Bearer ${alice.accessToken}` },
      body: new Uint8Array([1, 2, 3]),
    });
    const id = ((await res.json()) as { content_uri: string }).content_uri.split("/").pop();
    const dl = await hs.request("GET", `/_matrix/client/v1/media/download/hs1.test/${id}`, {
      token: alice.accessToken,
    });
    expect(dl.headers.get("content-type")).toBe("application/octet-stream");
    expect(dl.headers.get("content-disposition")).toBe("attachment");
  });

  test("over max_upload_bytes: 413 M_TOO_LARGE, declared or streamed, and nothing is kept", async () => {
    hs = await startTestServer({ config: { media: { max_upload_bytes: 1000 } } });
    const alice = createUserDirect(hs, "alice");
    const declared = await upload(hs, alice.accessToken, new Uint8Array(1001));
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { errcode: string }).errcode).toBe("M_TOO_LARGE");
    let sent = 0;
    const endless = new ReadableStream({
      pull(c) {
        sent += 256;
        c.enqueue(new Uint8Array(256));
        if (sent > 4096) c.close();
      },
    });
    const streamed = await upload(hs, alice.accessToken, endless);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { errcode: string }).errcode).toBe("M_TOO_LARGE");
    expect(mediaRows(hs)).toBe(0);
    expect(storedFiles(hs.dataDir)).toEqual({ content: [], tmp: [] });
    const ok = await upload(hs, alice.accessToken, new Uint8Array(1000));
    expect(ok.status).toBe(200);
  });

  test("missing or wrong token: 401, and nothing is stored", async () => {
    hs = await startTestServer();
    const none = await fetch(`${hs.baseUrl}/_matrix/media/v3/upload`, { method: "POST", body: "x" });
    expect(none.status).toBe(401);
    expect(((await none.json()) as { errcode: string }).errcode).toBe("M_MISSING_TOKEN");
    const wrong = await upload(hs, "not-a-token", "x");
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { errcode: string }).errcode).toBe("M_UNKNOWN_TOKEN");
    expect(mediaRows(hs)).toBe(0);
    expect(storedFiles(hs.dataDir).content).toEqual([]);
  });

  test("a malformed Content-Type or file name is refused with 400 M_INVALID_PARAM", async () => {
    hs = await startTestServer();
    const alice = createUserDirect(hs, "alice");
    const badType = await upload(hs, alice.accessToken, "x", { "content-type": "not a type" });
    expect(badType.status).toBe(400);
    expect(((await badType.json()) as { errcode: string }).errcode).toBe("M_INVALID_PARAM");
    const badName = await upload(hs, alice.accessToken, "x", {}, `?filename=${encodeURIComponent("a\nb")}`);
    expect(badName.status).toBe(400);
    expect(mediaRows(hs)).toBe(0);
  });

  test("uploads are rate limited per user (429 M_LIMIT_EXCEEDED with retry_after_ms)", async () => {
    hs = await startTestServer({ config: { rate_limits: { enabled: true }, media: { uploads_per_minute: 2 } } });
    const alice = createUserDirect(hs, "alice");
    const bob = createUserDirect(hs, "bob");
    expect((await upload(hs, alice.accessToken, "1")).status).toBe(200);
    expect((await upload(hs, alice.accessToken, "2")).status).toBe(200);
    const third = await upload(hs, alice.accessToken, "3");
    expect(third.status).toBe(429);
    const body = (await third.json()) as { errcode: string; retry_after_ms: number };
    expect(body.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(body.retry_after_ms).toBeGreaterThan(0);
    expect((await upload(hs, bob.accessToken, "4")).status).toBe(200);
    expect(mediaRows(hs)).toBe(3);
  });

  test("the per-user quota answers 403 M_FORBIDDEN", async () => {
    hs = await startTestServer({ config: { media: { max_bytes_per_user: 10 } } });
    const alice = createUserDirect(hs, "alice");
    expect((await upload(hs, alice.accessToken, "123456")).status).toBe(200);
    const over = await upload(hs, alice.accessToken, "123456");
    expect(over.status).toBe(403);
    expect(((await over.json()) as { errcode: string }).errcode).toBe("M_FORBIDDEN");
    expect(mediaRows(hs)).toBe(1);
  });
});

test("GET /media/config gives m.upload.size (authenticated and legacy paths)", async () => {
  hs = await startTestServer({ config: { media: { max_upload_bytes: 12345 } } });
  const alice = createUserDirect(hs, "alice");
  for (const path of ["/_matrix/client/v1/media/config", "/_matrix/media/v3/config"]) {
    const res = await hs.request("GET", path, { token: alice.accessToken });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ "m.upload.size": 12345 });
    expect((await hs.request("GET", path)).status).toBe(401);
  }
});
