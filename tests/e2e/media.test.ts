/**
 * Media from the homeserver program itself (in CI the compiled binary, copied nowhere near the source
 * tree): upload and download, thumbnails made by the image code embedded in the binary, and a crash in
 * the middle of an upload.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import { jpeg, png, withExif } from "../helpers/media-images";

let hs: BinaryServer;
let token: string;

beforeAll(async () => {
  hs = await startBinaryServer({ admin: { user: "root", password: "root password" } });
  const login = await fetch(`${hs.baseUrl}/_matrix/client/v3/login`, {
    method: "POST",
    body: JSON.stringify({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: "root" },
      password: "root password",
    }),
  });
  token = ((await login.json()) as { access_token: string }).access_token;
});
afterAll(() => hs.cleanup());

const auth = () => ({ authorization: `Bearer ${token}` });

async function upload(body: NonNullable<RequestInit["body"]>, type: string): Promise<string> {
  const res = await fetch(`${hs.baseUrl}/_matrix/media/v3/upload?filename=photo.jpg`, {
    method: "POST",
    headers: { ...auth(), "content-type": type },
    body,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { content_uri: string }).content_uri.slice("mxc://".length);
}

test("thumbnails of each size are made by the program", async () => {
  const photo = withExif(await jpeg(1600, 1200, (x, y) => [x & 255, y & 255, (x ^ y) & 255]), 1);
  const mxc = await upload(photo, "image/jpeg");
  const dl = await fetch(`${hs.baseUrl}/_matrix/client/v1/media/download/${mxc}`, { headers: auth() });
  expect(new Uint8Array(await dl.arrayBuffer())).toEqual(photo);
  for (const [q, w, h] of [
    ["width=32&height=32&method=crop", 32, 32],
    ["width=96&height=96&method=crop", 96, 96],
    ["width=320&height=240&method=scale", 320, 240],
    ["width=640&height=480&method=scale", 640, 480],
    ["width=800&height=600&method=scale", 800, 600],
  ] as const) {
    const res = await fetch(`${hs.baseUrl}/_matrix/client/v1/media/thumbnail/${mxc}?${q}`, { headers: auth() });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    const meta = await new Bun.Image(new Uint8Array(await res.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([w, h]);
  }
  const pngMxc = await upload(
    png(400, 300, (x) => [x & 255, 0, 0]),
    "image/png",
  );
  const t = await fetch(`${hs.baseUrl}/_matrix/client/v1/media/thumbnail/${pngMxc}?width=96&height=96&method=crop`, {
    headers: auth(),
  });
  expect(t.headers.get("content-type")).toBe("image/png");
  expect(await new Bun.Image(new Uint8Array(await t.arrayBuffer())).metadata()).toEqual({
    width: 96,
    height: 96,
    format: "png",
  });
});

test("a crash during an upload leaves no file behind an ID, and no stray temp file after restart", async () => {
  const dataDir = join(hs.dir, "data");
  // An upload that stalls half-way, then the process is killed.
  let sent = 0;
  const stalled = fetch(`${hs.baseUrl}/_matrix/media/v3/upload`, {
    method: "POST",
    headers: { ...auth(), "content-type": "application/octet-stream" },
    body: new ReadableStream({
      async pull(c) {
        if (sent >= 256 * 1024) return new Promise(() => {}); // never finishes
        sent += 64 * 1024;
        c.enqueue(new Uint8Array(64 * 1024).fill(7));
      },
    }),
    duplex: "half",
  } as RequestInit).catch(() => null);
  const tmp = join(dataDir, "media/tmp");
  for (let i = 0; i < 200 && !(existsSync(tmp) && readdirSync(tmp).length > 0); i++) await Bun.sleep(10);
  expect(readdirSync(tmp).length).toBeGreaterThan(0);
  await hs.kill();
  await stalled;
  await hs.restart();
  // The restarted server swept the half-written temp file...
  for (let i = 0; i < 200 && readdirSync(tmp).length > 0; i++) await Bun.sleep(10);
  expect(readdirSync(tmp)).toEqual([]);
  // ...and every media row points at a complete file with the right hash.
  const db = new Database(join(dataDir, "homeserver.db"), { readonly: true });
  const rows = db.query("SELECT sha256, size FROM media WHERE sha256 IS NOT NULL").all() as {
    sha256: string;
    size: number;
  }[];
  db.close();
  expect(rows.length).toBeGreaterThan(0);
  for (const r of rows) {
    const file = Bun.file(join(dataDir, "media/content", r.sha256.slice(0, 2), r.sha256.slice(2, 4), r.sha256));
    const bytes = await file.bytes();
    expect(bytes.byteLength).toBe(r.size);
    expect(new Bun.CryptoHasher("sha256").update(bytes).digest("hex")).toBe(r.sha256);
  }
  // And the server works.
  const again = await upload("after the crash", "text/plain");
  expect(again).toMatch(/^hs\.e2e\.test\//);
});
