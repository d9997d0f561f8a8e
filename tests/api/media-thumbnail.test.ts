/** Thumbnails through the API: every format and size, orientation, metadata stripping, animation, bombs. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodePng } from "../../src/services/media/png-crop";
import { manualClock } from "../../src/util/clock";
import {
  animatedWebp,
  bmp,
  GPS_MARKER,
  gif,
  jpeg,
  jpegBomb,
  near,
  type PixelFn,
  pixelAt,
  png,
  pngBomb,
  webp,
  withExif,
} from "../helpers/media-images";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
const clock = manualClock(Date.parse("2024-01-01T00:00:00Z"));

beforeAll(async () => {
  hs = await startTestServer({ clock });
  alice = createUserDirect(hs, "alice");
});
afterAll(() => hs.stop());

async function upload(body: Uint8Array, type: string): Promise<string> {
  const res = await fetch(`${hs.baseUrl}/_matrix/media/v3/upload`, {
    method: "POST",
    headers: { authorization: `Bearer ${alice.accessToken}`, "content-type": type },
    body,
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { content_uri: string }).content_uri.slice("mxc://".length);
}

async function thumb(mxc: string, q: string, opts: { legacy?: boolean } = {}) {
  const prefix = opts.legacy ? "/_matrix/media/v3/thumbnail" : "/_matrix/client/v1/media/thumbnail";
  const res = await hs.request("GET", `${prefix}/${mxc}?${q}`, opts.legacy ? {} : { token: alice.accessToken });
  return { res, bytes: new Uint8Array(await res.arrayBuffer()) };
}

const size = async (bytes: Uint8Array) => {
  const m = await new Bun.Image(bytes).metadata();
  return [m.width, m.height];
};

/** Left quarter red, middle half green, right quarter blue (for a 1600-wide image). */
const stripes: PixelFn = (x) => (x < 400 ? [230, 20, 20] : x < 1200 ? [20, 200, 20] : [20, 20, 230]);
const W = 1600;
const H = 1200;

describe("each format at each of the spec's sizes", async () => {
  const palette: [number, number, number][] = [
    [230, 20, 20],
    [20, 200, 20],
    [20, 20, 230],
  ];
  const sources: [string, string, () => Promise<Uint8Array<ArrayBuffer>> | Uint8Array<ArrayBuffer>, string][] = [
    ["jpeg", "image/jpeg", () => jpeg(W, H, stripes), "image/jpeg"],
    ["png", "image/png", () => png(W, H, stripes), "image/png"],
    ["gif", "image/gif", () => gif(W, H, [(x) => (x < 400 ? 0 : x < 1200 ? 1 : 2)], palette), "image/png"],
    ["webp", "image/webp", () => webp(W, H, stripes), "image/webp"],
    ["bmp", "image/bmp", () => bmp(W, H, stripes), "image/png"],
  ];
  for (const [name, type, make, outType] of sources) {
    test(name, async () => {
      const mxc = await upload(await make(), type);
      for (const [q, want] of [
        ["width=32&height=32&method=crop", [32, 32]],
        ["width=96&height=96&method=crop", [96, 96]],
        ["width=320&height=240&method=scale", [320, 240]],
        ["width=640&height=480&method=scale", [640, 480]],
        ["width=800&height=600&method=scale", [800, 600]],
        ["width=150&height=150&method=crop", [240, 240]],
        ["width=50&height=40", [96, 72]], // method defaults to scale; never smaller than asked
      ] as const) {
        const { res, bytes } = await thumb(mxc, q);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-type")).toBe(outType);
        expect(res.headers.get("content-disposition")).toMatch(/^inline; filename="thumbnail\.(jpg|png|webp)"$/);
        expect(res.headers.get("content-security-policy")).toContain("sandbox");
        expect(await size(bytes)).toEqual([...want]);
      }
      // A 96×96 crop is cut from the centre of a 128×96 resize: red [0,16), green [16,80), blue [80,96).
      // (Squashing to 96×96 instead would put the boundaries at 24 and 72.)
      const { bytes } = await thumb(mxc, "width=96&height=96&method=crop");
      const decoded = decodePng(await new Bun.Image(bytes).png().bytes());
      for (const [x, colour] of [
        [4, [230, 20, 20]],
        [20, [20, 200, 20]],
        [76, [20, 200, 20]],
        [92, [20, 20, 230]],
      ] as const) {
        expect(near(pixelAt(decoded, x, 48), [...colour])).toBe(true);
      }
    });
  }
});

test("thumbnails are made once and cached", async () => {
  const mxc = await upload(await jpeg(640, 480, stripes), "image/jpeg");
  const [serverName, mediaId] = mxc.split("/");
  const rows = () =>
    (
      hs.server.db.sqlite
        .query("SELECT count(*) AS n FROM media_thumbnails WHERE server_name = ? AND media_id = ?")
        .get(serverName!, mediaId!) as { n: number }
    ).n;
  const a = await thumb(mxc, "width=32&height=32&method=crop");
  const b = await thumb(mxc, "width=30&height=30&method=crop");
  expect(rows()).toBe(1);
  expect(b.res.headers.get("etag")).toBe(a.res.headers.get("etag"));
  expect(b.bytes).toEqual(a.bytes);
});

test("EXIF orientation is applied and EXIF (with GPS) is not in the thumbnail", async () => {
  // 200×100: left half red, right half blue; orientation 6 shows it rotated 90° clockwise (red on top).
  const src = withExif(await jpeg(200, 100, (x) => (x < 100 ? [230, 20, 20] : [20, 20, 230])), 6);
  expect(Buffer.from(src).includes(GPS_MARKER)).toBe(true);
  const mxc = await upload(src, "image/jpeg");
  const { res, bytes } = await thumb(mxc, "width=96&height=96&method=scale");
  expect(res.status).toBe(200);
  expect(await size(bytes)).toEqual([48, 96]);
  const d = decodePng(await new Bun.Image(bytes).png().bytes());
  expect(near(pixelAt(d, 24, 5), [230, 20, 20])).toBe(true);
  expect(near(pixelAt(d, 24, 90), [20, 20, 230])).toBe(true);
  expect(Buffer.from(bytes).includes("Exif")).toBe(false);
  expect(Buffer.from(bytes).includes(GPS_MARKER)).toBe(false);
  // Even at its own size (smaller than asked) it is re-encoded, not served with its EXIF.
  const big = await thumb(mxc, "width=800&height=600&method=scale");
  expect(await size(big.bytes)).toEqual([100, 200]);
  expect(Buffer.from(big.bytes).includes(GPS_MARKER)).toBe(false);
});

test("content smaller than asked is served as it is, never upscaled", async () => {
  const small = png(40, 30, stripes);
  const mxc = await upload(small, "image/png");
  const { res, bytes } = await thumb(mxc, "width=320&height=240&method=scale");
  expect(res.headers.get("content-type")).toBe("image/png");
  expect(bytes).toEqual(small);
});

describe("animated images", () => {
  const cases: [string, () => Promise<Uint8Array<ArrayBuffer>> | Uint8Array<ArrayBuffer>, string, string][] = [
    [
      "GIF",
      () =>
        gif(
          300,
          200,
          [() => 0, () => 1],
          [
            [255, 0, 0],
            [0, 0, 255],
          ],
        ),
      "image/gif",
      "image/png",
    ],
    ["APNG", () => png(300, 200, () => [10, 200, 10], 3), "image/png", "image/png"],
    ["WebP", () => animatedWebp(300, 200, () => [200, 10, 200]), "image/webp", "image/webp"],
  ];
  for (const [name, make, type, stillType] of cases) {
    test(`${name}: animated=true gets the animation, otherwise a still thumbnail`, async () => {
      const original = await make();
      const mxc = await upload(original, "application/octet-stream");
      const anim = await thumb(mxc, "width=96&height=96&method=scale&animated=true");
      expect(anim.res.status).toBe(200);
      expect(anim.res.headers.get("content-type")).toBe(type);
      expect(anim.bytes).toEqual(original);
      for (const q of ["width=96&height=96&method=scale&animated=false", "width=96&height=96&method=scale"]) {
        const still = await thumb(mxc, q);
        expect(still.res.status).toBe(200);
        expect(still.res.headers.get("content-type")).toBe(stillType);
        expect(await size(still.bytes)).toEqual([96, 64]);
      }
    });
  }

  test("animated=true on a still image behaves as false", async () => {
    const mxc = await upload(await jpeg(400, 300, stripes), "image/jpeg");
    const { res, bytes } = await thumb(mxc, "width=96&height=96&method=crop&animated=true");
    expect(res.headers.get("content-type")).toBe("image/jpeg");
    expect(await size(bytes)).toEqual([96, 96]);
  });
});

test("decompression bombs are refused from their header, without a memory spike", async () => {
  const before = process.memoryUsage().rss;
  for (const bomb of [pngBomb(60_000, 60_000), jpegBomb(60_000, 60_000), pngBomb(7000, 7000)]) {
    const mxc = await upload(bomb, "image/png");
    const { res, bytes } = await thumb(mxc, "width=32&height=32&method=crop");
    expect(res.status).toBe(413);
    expect(JSON.parse(new TextDecoder().decode(bytes)).errcode).toBe("M_TOO_LARGE");
  }
  // 60000² 8-bit pixels would be 3.6 GB; nothing close was allocated.
  expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
});

test("what is not an image gets 400 M_UNKNOWN, whatever its claimed type", async () => {
  for (const [body, type] of [
    ["<html><script>alert(1)</script></html>", "image/png"],
    ['<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"],
    ["plain text", "text/plain"],
  ] as const) {
    const mxc = await upload(new TextEncoder().encode(body), type);
    const { res, bytes } = await thumb(mxc, "width=32&height=32&method=crop");
    expect(res.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(bytes)).errcode).toBe("M_UNKNOWN");
  }
});

test("bad thumbnail parameters: 400 M_INVALID_PARAM", async () => {
  const mxc = await upload(await jpeg(64, 64, stripes), "image/jpeg");
  for (const q of [
    "width=abc&height=32",
    "width=0&height=32",
    "width=-5&height=32",
    "height=32",
    "width=32&height=32&method=zoom",
    "width=32&height=32&animated=yes",
    "width=1.5&height=32",
  ]) {
    const { res, bytes } = await thumb(mxc, q);
    expect(res.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(bytes)).errcode).toBe("M_INVALID_PARAM");
  }
  const noToken = await hs.request("GET", `/_matrix/client/v1/media/thumbnail/${mxc}?width=32&height=32`);
  expect(noToken.status).toBe(401);
});

test("the legacy thumbnail endpoint follows the freeze", async () => {
  const mxc = await upload(await jpeg(400, 300, stripes), "image/jpeg");
  // The test clock is before the default freeze (2024-09-01): served without a token.
  const ok = await thumb(mxc, "width=32&height=32&method=crop", { legacy: true });
  expect(ok.res.status).toBe(200);
  expect(ok.res.headers.get("cache-control")).toContain("public");
  clock.set(Date.parse("2024-10-01T00:00:00Z"));
  const late = await upload(await jpeg(400, 300, stripes), "image/jpeg");
  const frozen = await thumb(late, "width=32&height=32&method=crop", { legacy: true });
  expect(frozen.res.status).toBe(404);
  expect(JSON.parse(new TextDecoder().decode(frozen.bytes)).errcode).toBe("M_NOT_FOUND");
  expect((await thumb(late, "width=32&height=32&method=crop")).res.status).toBe(200);
});
