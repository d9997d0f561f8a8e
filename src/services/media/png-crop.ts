/**
 * Crops a PNG without a full image library: Bun's image API resizes and encodes but cannot crop, so
 * a crop thumbnail is made by resizing to cover the box, encoding that as PNG, and cutting the centre
 * out here (inflate, unfilter the rows, copy the window, deflate). Only small images (thumbnail sizes)
 * pass through this, so doing it in JavaScript costs little.
 */
import type * as Zlib from "node:zlib";

// node:zlib is loaded on the first crop, not at start-up (it adds to the resident memory of every server).
let zlibModule: typeof Zlib | null = null;
const zlib = (): typeof Zlib => {
  zlibModule ??= require("node:zlib") as typeof Zlib;
  return zlibModule;
};

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Ancillary chunks copied to the cropped image (colour management, palette transparency). */
const KEEP = new Set(["PLTE", "tRNS", "iCCP", "sRGB", "gAMA", "cHRM"]);

export class PngCropError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PngCropError";
  }
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

interface Parsed {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  idat: Uint8Array;
  kept: { type: string; data: Uint8Array }[];
}

function parse(png: Uint8Array): Parsed {
  if (png.length < 8 || SIGNATURE.some((b, i) => png[i] !== b)) throw new PngCropError("not a PNG");
  const dv = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let off = 8;
  let header: Omit<Parsed, "idat" | "kept"> | null = null;
  const idat: Uint8Array[] = [];
  const kept: { type: string; data: Uint8Array }[] = [];
  while (off + 12 <= png.length) {
    const len = dv.getUint32(off);
    const type = String.fromCharCode(png[off + 4]!, png[off + 5]!, png[off + 6]!, png[off + 7]!);
    if (off + 12 + len > png.length) throw new PngCropError("truncated PNG");
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === "IHDR") {
      const h = new DataView(data.buffer, data.byteOffset, data.byteLength);
      header = { width: h.getUint32(0), height: h.getUint32(4), bitDepth: data[8]!, colorType: data[9]! };
      if (data[12] !== 0) throw new PngCropError("interlaced PNG");
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    else if (KEEP.has(type)) kept.push({ type, data });
    off += 12 + len;
  }
  if (!header) throw new PngCropError("PNG without IHDR");
  return { ...header, idat: Buffer.concat(idat), kept };
}

function bytesPerPixel(colorType: number, bitDepth: number): number {
  const channels = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType];
  if (channels === undefined || (bitDepth !== 8 && bitDepth !== 16) || (colorType === 3 && bitDepth !== 8)) {
    throw new PngCropError(`unsupported PNG layout (colour type ${colorType}, depth ${bitDepth})`);
  }
  return (channels * bitDepth) / 8;
}

/** Inflates the image data, never to more than the header's dimensions need (no zip bombs). */
function inflate(p: Parsed, bpp: number): Uint8Array {
  const expected = (p.width * bpp + 1) * p.height;
  if (expected > 64 * 1024 * 1024) throw new PngCropError("PNG too large to crop");
  try {
    return zlib().inflateSync(p.idat, { maxOutputLength: expected });
  } catch {
    throw new PngCropError("PNG data does not inflate to its dimensions");
  }
}

/** Reverses the per-row filters (PNG spec section 9) into tightly packed rows. */
function unfilter(raw: Uint8Array, width: number, height: number, bpp: number): Uint8Array {
  const stride = width * bpp;
  if (raw.length < (stride + 1) * height) throw new PngCropError("PNG data too short");
  const out = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = y * (stride + 1) + 1;
    const row = y * stride;
    const prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[row + x - bpp]! : 0;
      const b = y > 0 ? out[prev + x]! : 0;
      const c = x >= bpp && y > 0 ? out[prev + x - bpp]! : 0;
      const v = raw[src + x]!;
      let p: number;
      switch (filter) {
        case 0:
          p = 0;
          break;
        case 1:
          p = a;
          break;
        case 2:
          p = b;
          break;
        case 3:
          p = (a + b) >> 1;
          break;
        case 4: {
          const pa = Math.abs(b - c);
          const pb = Math.abs(a - c);
          const pc = Math.abs(a + b - 2 * c);
          p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default:
          throw new PngCropError(`bad PNG filter ${filter}`);
      }
      out[row + x] = (v + p) & 0xff;
    }
  }
  return out;
}

/** Cuts the `width`×`height` window at (`left`, `top`) out of a PNG and returns it as a new PNG. */
export function cropPng(png: Uint8Array, left: number, top: number, width: number, height: number): Uint8Array {
  const p = parse(png);
  if (left < 0 || top < 0 || width < 1 || height < 1 || left + width > p.width || top + height > p.height) {
    throw new PngCropError("crop window outside the image");
  }
  const bpp = bytesPerPixel(p.colorType, p.bitDepth);
  const pixels = unfilter(inflate(p, bpp), p.width, p.height, bpp);
  const stride = width * bpp;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const from = (top + y) * p.width * bpp + left * bpp;
    raw.set(pixels.subarray(from, from + stride), y * (stride + 1) + 1); // filter byte 0 (none)
  }
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr[8] = p.bitDepth;
  ihdr[9] = p.colorType;
  return Buffer.concat([
    new Uint8Array(SIGNATURE),
    chunk("IHDR", ihdr),
    ...p.kept.map((k) => chunk(k.type, k.data)),
    chunk("IDAT", zlib().deflateSync(raw, { level: 6 })),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Decodes a PNG's pixels (for tests and checks): rows of `bytesPerPixel` bytes each. */
export function decodePng(png: Uint8Array): {
  width: number;
  height: number;
  colorType: number;
  bytesPerPixel: number;
  pixels: Uint8Array;
} {
  const p = parse(png);
  const bpp = bytesPerPixel(p.colorType, p.bitDepth);
  return {
    width: p.width,
    height: p.height,
    colorType: p.colorType,
    bytesPerPixel: bpp,
    pixels: unfilter(inflate(p, bpp), p.width, p.height, bpp),
  };
}
