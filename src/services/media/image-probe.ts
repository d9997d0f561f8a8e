/**
 * Reads what an image is from its first bytes, without decoding pixels: the format (by signature,
 * never by the uploader's claimed Content-Type), the dimensions from the header (so a decompression
 * bomb is refused before any pixel buffer exists), whether it is animated, and the JPEG EXIF
 * orientation. Dimensions are as displayed, i.e. after EXIF orientation.
 */

export type ImageFormat = "jpeg" | "png" | "gif" | "webp" | "bmp" | "avif" | "heic";

export interface ImageInfo {
  format: ImageFormat;
  /** 0 when the header did not say (within the bytes given). */
  width: number;
  height: number;
  animated: boolean;
  /** JPEG only: whether an EXIF block is present (it can carry GPS position and must not be served in thumbnails). */
  hasExif: boolean;
  /** EXIF orientation 1-8 (1 when absent). */
  orientation: number;
}

export const IMAGE_MIME: Record<ImageFormat, string> = {
  jpeg: "image/jpeg",
  png: "image/png",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  avif: "image/avif",
  heic: "image/heic",
};

const ascii = (b: Uint8Array, off: number, len: number) => String.fromCharCode(...b.subarray(off, off + len));

export function probeImage(b: Uint8Array): ImageInfo | null {
  if (b.length < 12) return null;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const base = { animated: false, hasExif: false, orientation: 1 };
  if (b[0] === 0x89 && ascii(b, 1, 3) === "PNG") return probePng(b, dv);
  if (ascii(b, 0, 6) === "GIF87a" || ascii(b, 0, 6) === "GIF89a") return probeGif(b, dv);
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return probeJpeg(b, dv);
  if (ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return probeWebp(b, dv);
  if (ascii(b, 0, 2) === "BM" && b.length >= 26) {
    return { format: "bmp", width: Math.abs(dv.getInt32(18, true)), height: Math.abs(dv.getInt32(22, true)), ...base };
  }
  if (ascii(b, 4, 4) === "ftyp") {
    const brand = ascii(b, 8, 4);
    if (brand === "avif" || brand === "avis") return { format: "avif", width: 0, height: 0, ...base };
    if (/^(heic|heix|hevc|heim|heis|mif1|msf1)$/.test(brand)) return { format: "heic", width: 0, height: 0, ...base };
  }
  return null;
}

function probePng(b: Uint8Array, dv: DataView): ImageInfo | null {
  if (b.length < 24 || ascii(b, 12, 4) !== "IHDR") return null;
  const info: ImageInfo = {
    format: "png",
    width: dv.getUint32(16),
    height: dv.getUint32(20),
    animated: false,
    hasExif: false,
    orientation: 1,
  };
  // APNG: an acTL chunk before the first IDAT.
  let off = 8;
  while (off + 8 <= b.length) {
    const len = dv.getUint32(off);
    const type = ascii(b, off + 4, 4);
    if (type === "acTL") {
      info.animated = off + 12 <= b.length && dv.getUint32(off + 8) > 1;
      break;
    }
    if (type === "IDAT" || type === "IEND") break;
    off += 12 + len;
  }
  return info;
}

function probeGif(b: Uint8Array, dv: DataView): ImageInfo {
  const info: ImageInfo = {
    format: "gif",
    width: dv.getUint16(6, true),
    height: dv.getUint16(8, true),
    animated: false,
    hasExif: false,
    orientation: 1,
  };
  // Walk the blocks: a looping extension or a second image means animation.
  let off = 13;
  if (b[10]! & 0x80) off += 3 * 2 ** ((b[10]! & 7) + 1);
  let images = 0;
  const skipSubBlocks = (o: number) => {
    while (o < b.length && b[o] !== 0) o += b[o]! + 1;
    return o + 1;
  };
  while (off < b.length) {
    const block = b[off];
    if (block === 0x2c) {
      images++;
      if (images > 1) {
        info.animated = true;
        break;
      }
      if (off + 10 > b.length) break;
      const flags = b[off + 9]!;
      off += 10;
      if (flags & 0x80) off += 3 * 2 ** ((flags & 7) + 1);
      off = skipSubBlocks(off + 1); // LZW minimum code size, then the data
    } else if (block === 0x21) {
      const label = b[off + 1];
      if (label === 0xff && off + 14 <= b.length) {
        const app = ascii(b, off + 3, 11);
        if (app === "NETSCAPE2.0" || app === "ANIMEXTS1.0") {
          info.animated = true;
          break;
        }
      }
      off = skipSubBlocks(off + 2);
    } else break; // trailer or garbage
  }
  return info;
}

const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

function probeJpeg(b: Uint8Array, dv: DataView): ImageInfo {
  const info: ImageInfo = { format: "jpeg", width: 0, height: 0, animated: false, hasExif: false, orientation: 1 };
  let off = 2;
  while (off + 4 <= b.length) {
    if (b[off] !== 0xff) break;
    const marker = b[off + 1]!;
    if (marker === 0xff) {
      off++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      off += 2;
      continue;
    }
    const len = dv.getUint16(off + 2);
    if (marker === 0xe1 && off + 10 <= b.length && ascii(b, off + 4, 6) === "Exif\0\0") {
      info.hasExif = true;
      info.orientation = exifOrientation(b, off + 10, Math.min(b.length, off + 2 + len));
    }
    if (SOF.has(marker) && off + 9 <= b.length) {
      info.height = dv.getUint16(off + 5);
      info.width = dv.getUint16(off + 7);
      break;
    }
    if (marker === 0xda || marker === 0xd9) break; // scan data or end: no frame header before it
    off += 2 + len;
  }
  if (info.orientation >= 5 && info.orientation <= 8) [info.width, info.height] = [info.height, info.width];
  return info;
}

/** Reads tag 0x0112 (Orientation) from IFD0 of a TIFF structure at [start, end). */
function exifOrientation(b: Uint8Array, start: number, end: number): number {
  if (end - start < 8) return 1;
  const little = b[start] === 0x49;
  const dv = new DataView(b.buffer, b.byteOffset + start, end - start);
  const u16 = (o: number) => dv.getUint16(o, little);
  const ifd = dv.getUint32(4, little);
  if (ifd + 2 > dv.byteLength) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > dv.byteLength) break;
    if (u16(e) === 0x0112) {
      const v = u16(e + 8);
      return v >= 1 && v <= 8 ? v : 1;
    }
  }
  return 1;
}

function probeWebp(b: Uint8Array, dv: DataView): ImageInfo | null {
  const info: ImageInfo = { format: "webp", width: 0, height: 0, animated: false, hasExif: false, orientation: 1 };
  const kind = ascii(b, 12, 4);
  if (kind === "VP8X" && b.length >= 30) {
    info.animated = (b[20]! & 0x02) !== 0;
    info.width = 1 + (b[24]! | (b[25]! << 8) | (b[26]! << 16));
    info.height = 1 + (b[27]! | (b[28]! << 8) | (b[29]! << 16));
  } else if (kind === "VP8 " && b.length >= 30) {
    info.width = dv.getUint16(26, true) & 0x3fff;
    info.height = dv.getUint16(28, true) & 0x3fff;
  } else if (kind === "VP8L" && b.length >= 25) {
    const bits = dv.getUint32(21, true);
    info.width = (bits & 0x3fff) + 1;
    info.height = ((bits >>> 14) & 0x3fff) + 1;
  } else return null;
  return info;
}

/**
 * Bun's decoder cannot read animated WebP. Its first frame is a complete still bitstream (VP8 or
 * VP8L, with an optional ALPH chunk), so it is rewrapped as a still WebP for the thumbnailer.
 */
export function firstWebpFrame(b: Uint8Array): Uint8Array | null {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = 12;
  while (off + 8 <= b.length) {
    const type = ascii(b, off, 4);
    const len = dv.getUint32(off + 4, true);
    if (type === "ANMF") {
      if (len < 16 || off + 8 + len > b.length) return null;
      const width = 1 + (b[off + 14]! | (b[off + 15]! << 8) | (b[off + 16]! << 16));
      const height = 1 + (b[off + 17]! | (b[off + 18]! << 8) | (b[off + 19]! << 16));
      const frame = b.subarray(off + 24, off + 8 + len);
      const hasAlpha = ascii(frame, 0, 4) === "ALPH";
      const parts: Uint8Array[] = [new TextEncoder().encode("WEBP")];
      if (hasAlpha) {
        const vp8x = new Uint8Array(18);
        vp8x.set(new TextEncoder().encode("VP8X"));
        new DataView(vp8x.buffer).setUint32(4, 10, true);
        vp8x[8] = 0x10; // alpha
        const w = width - 1;
        const h = height - 1;
        vp8x.set([w & 0xff, (w >> 8) & 0xff, (w >> 16) & 0xff, h & 0xff, (h >> 8) & 0xff, (h >> 16) & 0xff], 12);
        parts.push(vp8x);
      }
      parts.push(frame);
      const body = Buffer.concat(parts);
      const head = new Uint8Array(8);
      head.set(new TextEncoder().encode("RIFF"));
      new DataView(head.buffer).setUint32(4, body.length, true);
      return Buffer.concat([head, body]);
    }
    off += 8 + len + (len & 1);
  }
  return null;
}
