/**
 * Test images made in code (no fixtures on disk): BMP, PNG/APNG and GIF written byte by byte, JPEG and
 * WebP encoded from those by Bun.Image, EXIF blocks with an orientation and a GPS position, an animated
 * WebP, and decompression bombs (tiny files whose headers claim huge canvases).
 */
import { deflateSync } from "node:zlib";

export type Rgb = [number, number, number];
export type PixelFn = (x: number, y: number) => Rgb;

export function bmp(w: number, h: number, px: PixelFn): Uint8Array<ArrayBuffer> {
  const row = Math.ceil((w * 3) / 4) * 4;
  const size = 54 + row * h;
  const b = new Uint8Array(size);
  const dv = new DataView(b.buffer);
  b[0] = 0x42;
  b[1] = 0x4d;
  dv.setUint32(2, size, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, -h, true); // top-down
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  dv.setUint32(34, row * h, true);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const [r, g, bl] = px(x, y);
      const o = 54 + y * row + x * 3;
      b[o] = bl;
      b[o + 1] = g;
      b[o + 2] = r;
    }
  }
  return b;
}

function crc32(b: Uint8Array): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function pngChunk(type: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const o = new Uint8Array(12 + data.length);
  const dv = new DataView(o.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) o[4 + i] = type.charCodeAt(i);
  o.set(data, 8);
  dv.setUint32(8 + data.length, crc32(o.subarray(4, 8 + data.length)));
  return o;
}

const PNG_SIG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** RGBA PNG; with `frames` > 1 an APNG whose frames all repeat the image. */
export function png(w: number, h: number, px: PixelFn, frames = 1): Uint8Array<ArrayBuffer> {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr[8] = 8;
  ihdr[9] = 6;
  const raw = new Uint8Array((w * 4 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw.set([...px(x, y), 255], y * (w * 4 + 1) + 1 + x * 4);
  }
  const idat = deflateSync(raw);
  const parts: Uint8Array[] = [PNG_SIG, pngChunk("IHDR", ihdr)];
  if (frames > 1) {
    const ac = new Uint8Array(8);
    new DataView(ac.buffer).setUint32(0, frames);
    parts.push(pngChunk("acTL", ac));
    let seq = 0;
    const fctl = () => {
      const f = new Uint8Array(26);
      const d = new DataView(f.buffer);
      d.setUint32(0, seq++);
      d.setUint32(4, w);
      d.setUint32(8, h);
      d.setUint16(20, 1);
      d.setUint16(22, 10);
      return pngChunk("fcTL", f);
    };
    parts.push(fctl(), pngChunk("IDAT", idat));
    for (let i = 1; i < frames; i++) {
      const fd = new Uint8Array(4 + idat.length);
      new DataView(fd.buffer).setUint32(0, seq + 1);
      fd.set(idat, 4);
      parts.push(fctl(), pngChunk("fdAT", fd));
      seq++;
    }
  } else parts.push(pngChunk("IDAT", idat));
  parts.push(pngChunk("IEND", new Uint8Array(0)));
  return new Uint8Array(Buffer.concat(parts));
}

/** A PNG whose header claims w×h but whose data is tiny: a decompression bomb. */
export function pngBomb(w: number, h: number): Uint8Array<ArrayBuffer> {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, w);
  dv.setUint32(4, h);
  ihdr[8] = 8;
  ihdr[9] = 0;
  const rows = deflateSync(new Uint8Array((w + 1) * 64), { level: 9 });
  return new Uint8Array(
    Buffer.concat([PNG_SIG, pngChunk("IHDR", ihdr), pngChunk("IDAT", rows), pngChunk("IEND", new Uint8Array(0))]),
  );
}

/** A GIF with a 256-colour palette; one frame per function (two or more: animated, looping). */
export function gif(
  w: number,
  h: number,
  frames: ((x: number, y: number) => number)[],
  palette: Rgb[],
): Uint8Array<ArrayBuffer> {
  const out: number[] = [];
  const u16 = (v: number) => out.push(v & 255, v >> 8);
  for (const c of "GIF89a") out.push(c.charCodeAt(0));
  u16(w);
  u16(h);
  out.push(0xf7, 0, 0);
  for (let i = 0; i < 256; i++) out.push(...(palette[i] ?? [0, 0, 0]));
  if (frames.length > 1) {
    out.push(0x21, 0xff, 11);
    for (const c of "NETSCAPE2.0") out.push(c.charCodeAt(0));
    out.push(3, 1, 0, 0, 0);
  }
  for (const f of frames) {
    out.push(0x21, 0xf9, 4, 0, 10, 0, 0, 0);
    out.push(0x2c);
    u16(0);
    u16(0);
    u16(w);
    u16(h);
    out.push(0, 8);
    // 9-bit LZW codes with a clear code every 250 literals, so the code size never grows.
    const codes: number[] = [256];
    let n = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        codes.push(f(x, y));
        if (++n === 250) {
          codes.push(256);
          n = 0;
        }
      }
    }
    codes.push(257);
    const bytes: number[] = [];
    let acc = 0;
    let bits = 0;
    for (const c of codes) {
      acc |= c << bits;
      bits += 9;
      while (bits >= 8) {
        bytes.push(acc & 255);
        acc >>>= 8;
        bits -= 8;
      }
    }
    if (bits > 0) bytes.push(acc & 255);
    for (let i = 0; i < bytes.length; i += 255) {
      const s = bytes.slice(i, i + 255);
      out.push(s.length, ...s);
    }
    out.push(0);
  }
  out.push(0x3b);
  return new Uint8Array(out);
}

export async function jpeg(w: number, h: number, px: PixelFn, quality = 90): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Bun.Image(bmp(w, h, px)).jpeg({ quality }).bytes());
}

export async function webp(w: number, h: number, px: PixelFn): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await new Bun.Image(bmp(w, h, px)).webp({ quality: 90 }).bytes());
}

/** An animated WebP: the still image's VP8 bitstream repeated as `frames` ANMF frames. */
export async function animatedWebp(w: number, h: number, px: PixelFn, frames = 2): Promise<Uint8Array<ArrayBuffer>> {
  const still = await webp(w, h, px);
  const vp8 = still.subarray(12); // the "VP8 " chunk with its header
  const u24 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255];
  const riffChunk = (fourcc: string, data: Uint8Array) => {
    const pad = data.length & 1;
    const o = new Uint8Array(8 + data.length + pad);
    for (let i = 0; i < 4; i++) o[i] = fourcc.charCodeAt(i);
    new DataView(o.buffer).setUint32(4, data.length, true);
    o.set(data, 8);
    return o;
  };
  const vp8x = new Uint8Array([0x02, 0, 0, 0, ...u24(w - 1), ...u24(h - 1)]);
  const frame = new Uint8Array([...u24(0), ...u24(0), ...u24(w - 1), ...u24(h - 1), ...u24(100), 0, ...vp8]);
  const body = Buffer.concat([
    Buffer.from("WEBP"),
    riffChunk("VP8X", vp8x),
    riffChunk("ANIM", new Uint8Array(6)),
    ...Array.from({ length: frames }, () => riffChunk("ANMF", frame)),
  ]);
  const head = Buffer.alloc(8);
  head.write("RIFF");
  head.writeUInt32LE(body.length, 4);
  return new Uint8Array(Buffer.concat([head, body]));
}

export const GPS_MARKER = "GPSMARK-51.5N";

/** Inserts an EXIF APP1 block (Orientation, and a GPS IFD holding GPS_MARKER) right after the JPEG's SOI. */
export function withExif(jpg: Uint8Array, orientation: number): Uint8Array<ArrayBuffer> {
  const t: number[] = [];
  const u16 = (v: number) => t.push(v & 255, v >> 8);
  const u32 = (v: number) => t.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  t.push(0x49, 0x49);
  u16(42);
  u32(8);
  u16(2); // IFD0 at 8: Orientation, GPS IFD pointer
  u16(0x0112);
  u16(3);
  u32(1);
  u16(orientation);
  u16(0);
  u16(0x8825);
  u16(4);
  u32(1);
  u32(38);
  u32(0);
  const marker = [...GPS_MARKER].map((c) => c.charCodeAt(0));
  u16(1); // GPS IFD at 38: one ASCII entry (GPSAreaInformation-like) pointing at the marker text
  u16(0x001b);
  u16(2);
  u32(marker.length + 1);
  u32(38 + 2 + 12 + 4);
  u32(0);
  t.push(...marker, 0);
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...t];
  const len = payload.length + 2;
  const seg = new Uint8Array([0xff, 0xe1, len >> 8, len & 255, ...payload]);
  return new Uint8Array(Buffer.concat([jpg.subarray(0, 2), seg, jpg.subarray(2)]));
}

/** A JPEG header claiming w×h (SOF0) followed by garbage: a bomb for decoders that allocate first. */
export function jpegBomb(w: number, h: number): Uint8Array<ArrayBuffer> {
  const sof = [0xff, 0xc0, 0, 17, 8, h >> 8, h & 255, w >> 8, w & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return new Uint8Array([0xff, 0xd8, ...sof, ...new Array(64).fill(0), 0xff, 0xd9]);
}

/** Reads a pixel of a decoded PNG (RGB or RGBA). */
export function pixelAt(img: { width: number; bytesPerPixel: number; pixels: Uint8Array }, x: number, y: number): Rgb {
  const o = (y * img.width + x) * img.bytesPerPixel;
  return [img.pixels[o]!, img.pixels[o + 1]!, img.pixels[o + 2]!];
}

/** True when two colours are within `tol` per channel (lossy codecs shift colours a little). */
export function near(a: Rgb, b: Rgb, tol = 40): boolean {
  return a.every((v, i) => Math.abs(v - b[i]!) <= tol);
}
