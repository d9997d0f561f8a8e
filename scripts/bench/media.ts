/**
 * Media figures: thumbnail time and peak memory for a 12-megapixel JPEG with each image library that
 * can be installed from npm (Bun's built-in Bun.Image, which we use; sharp; jimp), what each one
 * needs in the single binary, and upload/download throughput through the real HTTP server.
 *
 * sharp and jimp are not project dependencies: to include them, install them anywhere and point
 * HEARTH_BENCH_IMAGE_LIBS at that node_modules, e.g.
 *   (mkdir /tmp/imgbench && cd /tmp/imgbench && bun add sharp@0.35.5 jimp@1.6.1)
 *   HEARTH_BENCH_IMAGE_LIBS=/tmp/imgbench/node_modules bun run bench media
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import type { BenchResult } from "./types";

const GROUP = "Media";
const ITERATIONS = 7;

/** A 4000×3000 photo-like JPEG (gradients plus noise, so it compresses like a real photo: a few MB). */
async function twelveMegapixelJpeg(path: string): Promise<number> {
  const w = 4000;
  const h = 3000;
  const row = w * 3;
  const bmp = new Uint8Array(54 + row * h);
  const dv = new DataView(bmp.buffer);
  bmp.set([0x42, 0x4d]);
  dv.setUint32(2, bmp.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, -h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  let seed = 12345;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = (seed >> 16) & 31;
      const o = 54 + y * row + x * 3;
      bmp[o] = ((x * 255) / w + n) & 255;
      bmp[o + 1] = ((y * 255) / h + n) & 255;
      bmp[o + 2] = (((x + y) * 128) / (w + h) + n * 2) & 255;
    }
  }
  const jpg = await new Bun.Image(bmp).jpeg({ quality: 90 }).bytes();
  await Bun.write(path, jpg);
  return jpg.byteLength;
}

async function thumbnailFigures(file: string, sizeBytes: number): Promise<BenchResult[]> {
  const modules = process.env.HEARTH_BENCH_IMAGE_LIBS;
  const libs: { id: string; name: string; note: string }[] = [
    {
      id: "bun-image",
      name: "Bun.Image (built in; chosen)",
      note: "in the runtime: +0 MB to the binary; works in the compiled binary on x64 and arm64 (tests/e2e/media.test.ts)",
    },
  ];
  if (modules && existsSync(join(modules, "sharp"))) {
    libs.push({
      id: "sharp",
      name: "sharp 0.35 (libvips)",
      note: "under `bun` only: the compiled binary cannot load it (libvips-cpp.so not found); carrying it means embedding ~18 MB of libvips per architecture",
    });
  }
  if (modules && existsSync(join(modules, "jimp"))) {
    libs.push({ id: "jimp", name: "jimp 1.6 (pure JS)", note: "bundles into the binary, but decodes in JS" });
  }
  const out: BenchResult[] = [];
  for (const lib of libs) {
    const proc = Bun.spawn(
      [process.execPath, join(import.meta.dir, "_media-thumb.ts"), lib.id, file, String(ITERATIONS), modules ?? ""],
      { stdout: "pipe", stderr: "pipe" },
    );
    const [stdout, stderr, code] = await Promise.all([
      new Response(proc.stdout).text(),
      new Response(proc.stderr).text(),
      proc.exited,
    ]);
    if (code !== 0) {
      out.push({
        group: GROUP,
        name: `${lib.name}: failed`,
        value: 0,
        unit: "",
        note: stderr.trim().split("\n").pop() ?? "",
      });
      continue;
    }
    const r = JSON.parse(stdout.trim().split("\n").pop()!) as {
      scaleMs: number;
      cropMs: number;
      baseRssMb: number;
      peakRssMb: number;
    };
    const src = `12 MP JPEG (${(sizeBytes / 1e6).toFixed(1)} MB), median of ${ITERATIONS}`;
    out.push(
      { group: GROUP, name: `${lib.name}: thumbnail 320×240 scale`, value: r.scaleMs, unit: "ms", note: src },
      { group: GROUP, name: `${lib.name}: thumbnail 96×96 crop`, value: r.cropMs, unit: "ms", note: src },
      {
        group: GROUP,
        name: `${lib.name}: peak memory while thumbnailing`,
        value: r.peakRssMb - r.baseRssMb,
        unit: "MB",
        note: `peak RSS ${Math.round(r.peakRssMb)} MB over ${Math.round(r.baseRssMb)} MB before; ${lib.note}`,
      },
    );
  }
  return out;
}

async function throughput(): Promise<BenchResult[]> {
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-bench-media-"));
  const size = 64 * 1024 * 1024;
  const config = parseConfig({
    server_name: "bench.test",
    public_base_url: "http://127.0.0.1:1",
    data_dir: dataDir,
    rate_limits: { enabled: false },
    logging: { access_log: false, level: "error" },
    media: { max_upload_bytes: size },
  });
  const server = createServer(config, { dataDir, logger: silentLogger });
  const { url } = server.listen("127.0.0.1", 0);
  try {
    const db = server.db.sqlite;
    const now = Date.now();
    db.query("INSERT INTO users (user_id, localpart, created_at) VALUES ('@b:bench.test', 'b', ?)").run(now);
    db.query("INSERT INTO devices (user_id, device_id, created_at) VALUES ('@b:bench.test', 'D', ?)").run(now);
    const token = "bench-token";
    db.query(
      "INSERT INTO access_tokens (token_hash, user_id, device_id, created_at) VALUES (?, '@b:bench.test', 'D', ?)",
    ).run(new Bun.CryptoHasher("sha256").update(token).digest(), now);
    const headers = { authorization: `Bearer ${token}` };
    const up: number[] = [];
    const down: number[] = [];
    for (let i = 0; i < 3; i++) {
      const body = new Uint8Array(size);
      crypto.getRandomValues(body.subarray(0, 65536));
      body[size - 1] = i; // distinct content each time (no dedup shortcut)
      let t = performance.now();
      const res = await fetch(`${url}/_matrix/media/v3/upload`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/octet-stream" },
        body,
      });
      const mxc = ((await res.json()) as { content_uri: string }).content_uri.slice(6);
      up.push(size / 1e6 / ((performance.now() - t) / 1000));
      t = performance.now();
      const dl = await fetch(`${url}/_matrix/client/v1/media/download/${mxc}`, { headers });
      const n = (await dl.arrayBuffer()).byteLength;
      if (n !== size) throw new Error("short download");
      down.push(size / 1e6 / ((performance.now() - t) / 1000));
    }
    const best = (xs: number[]) => Math.max(...xs);
    const note = "64 MB file over loopback HTTP, best of 3 (upload: streamed to disk, hashed, fsynced)";
    return [
      { group: GROUP, name: "upload throughput", value: best(up), unit: "MB/s", note },
      { group: GROUP, name: "download throughput", value: best(down), unit: "MB/s", note },
    ];
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-img-"));
  try {
    const file = join(dir, "12mp.jpg");
    const size = await twelveMegapixelJpeg(file);
    return [...(await thumbnailFigures(file, size)), ...(await throughput())];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
