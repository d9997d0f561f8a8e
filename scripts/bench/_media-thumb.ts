/**
 * Child process for scripts/bench/media.ts: thumbnails one JPEG with one library and prints
 * {scaleMs, cropMs, baseRssMb, peakRssMb} as JSON. A process per library keeps peak memory separate.
 *   bun scripts/bench/_media-thumb.ts <bun-image|sharp|jimp> <file.jpg> <iterations> [node_modules dir]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planThumbnail } from "../../src/services/media/thumbnail-plan";
import { createBunImageThumbnailer } from "../../src/services/media/thumbnailer";

const [lib, file, itersArg, modules] = process.argv.slice(2) as [string, string, string, string | undefined];
const iterations = Number(itersArg);

function vm(field: "VmRSS" | "VmHWM"): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

type Thumb = (kind: "scale" | "crop") => Promise<Uint8Array>;
let thumb: Thumb;

if (lib === "bun-image") {
  const t = createBunImageThumbnailer();
  const meta = await t.metadata(file, 100_000_000);
  thumb = async (kind) => {
    const plan =
      kind === "scale"
        ? planThumbnail(meta, { width: 320, height: 240, method: "scale" })
        : planThumbnail(meta, { width: 96, height: 96, method: "crop" });
    if (plan.kind !== "render") throw new Error("unexpected plan");
    return (
      await t.render({ source: file, maxPixels: 100_000_000, resize: plan.resize, crop: plan.crop, output: "jpeg" })
    ).bytes;
  };
} else if (lib === "sharp") {
  const sharp = (await import(join(modules!, "sharp"))).default as (input: string) => {
    rotate(): ReturnType<typeof sharp>;
    resize(w: number, h: number, o: object): ReturnType<typeof sharp>;
    jpeg(o: object): ReturnType<typeof sharp>;
    toBuffer(): Promise<Uint8Array>;
  };
  thumb = (kind) =>
    sharp(file)
      .rotate()
      .resize(kind === "scale" ? 320 : 96, kind === "scale" ? 240 : 96, { fit: kind === "scale" ? "inside" : "cover" })
      .jpeg({ quality: 80 })
      .toBuffer();
} else if (lib === "jimp") {
  const { Jimp } = (await import(join(modules!, "jimp"))) as {
    Jimp: {
      read(p: string): Promise<{
        scaleToFit(o: { w: number; h: number }): unknown;
        cover(o: { w: number; h: number }): unknown;
        getBuffer(mime: string): Promise<Uint8Array>;
      }>;
    };
  };
  thumb = async (kind) => {
    const img = await Jimp.read(file);
    if (kind === "scale") img.scaleToFit({ w: 320, h: 240 });
    else img.cover({ w: 96, h: 96 });
    return img.getBuffer("image/jpeg");
  };
} else throw new Error(`unknown library ${lib}`);

const baseRssMb = vm("VmRSS");
await thumb("scale"); // warm-up (loads codecs)
const times: Record<"scale" | "crop", number[]> = { scale: [], crop: [] };
for (let i = 0; i < iterations; i++) {
  for (const kind of ["scale", "crop"] as const) {
    const t0 = performance.now();
    const out = await thumb(kind);
    times[kind].push(performance.now() - t0);
    if (out.byteLength < 100) throw new Error("empty thumbnail");
  }
}
console.log(
  JSON.stringify({ scaleMs: median(times.scale), cropMs: median(times.crop), baseRssMb, peakRssMb: vm("VmHWM") }),
);
