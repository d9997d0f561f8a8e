/**
 * Which thumbnail to make for a request (client-server API, "Thumbnails"). Thumbnails are made only
 * at the spec's five sizes, so each media has a bounded set of them: the request picks the smallest
 * size at least as large as asked ("servers must never return thumbnails smaller than the client's
 * requested dimensions"), and nothing is ever scaled up.
 *  - scale: the image keeps its aspect ratio and fits inside the chosen size;
 *  - crop: the image gets the aspect ratio of the request, as large as fits in the chosen size,
 *    scaled to cover it and cut from the centre.
 */

export interface Size {
  width: number;
  height: number;
}

export type ThumbnailMethod = "crop" | "scale";

export const THUMBNAIL_SIZES: readonly Size[] = [
  { width: 32, height: 32 },
  { width: 96, height: 96 },
  { width: 320, height: 240 },
  { width: 640, height: 480 },
  { width: 800, height: 600 },
];

export type ThumbnailPlan =
  /** The content is no larger than asked (or larger than any size we make): use it at its own size. */
  | { kind: "original" }
  /** Resize the (oriented) source to `resize`, then cut the centred `crop` window out of it. */
  | { kind: "render"; key: Size & { method: ThumbnailMethod }; resize: Size | null; crop: Size | null; output: Size };

export function planThumbnail(source: Size, request: Size & { method: ThumbnailMethod }): ThumbnailPlan {
  const { width: W, height: H } = source;
  if (W <= request.width && H <= request.height) return { kind: "original" };
  const box = THUMBNAIL_SIZES.find((s) => s.width >= request.width && s.height >= request.height);
  if (!box) return { kind: "original" };

  if (request.method === "scale") {
    const s = Math.min(box.width / W, box.height / H);
    if (s >= 1) return { kind: "original" };
    const output = { width: Math.max(1, Math.round(W * s)), height: Math.max(1, Math.round(H * s)) };
    return { kind: "render", key: { ...box, method: "scale" }, resize: output, crop: null, output };
  }

  // crop: the request's aspect ratio, fitted into the box.
  const aspect = request.width / request.height;
  let cw: number;
  let ch: number;
  if (box.width / box.height > aspect) {
    ch = box.height;
    cw = Math.max(1, Math.round(box.height * aspect));
  } else {
    cw = box.width;
    ch = Math.max(1, Math.round(box.width / aspect));
  }
  const s = Math.min(1, Math.max(cw / W, ch / H));
  const rw = Math.max(1, Math.round(W * s));
  const rh = Math.max(1, Math.round(H * s));
  let outW = Math.min(cw, rw);
  let outH = Math.min(ch, rh);
  // Never upscale: when the source is smaller than the window in one direction, keep the aspect
  // ratio inside what there is.
  if (outW / outH > aspect + 1e-9) outW = Math.max(1, Math.round(outH * aspect));
  else if (outW / outH < aspect - 1e-9) outH = Math.max(1, Math.round(outW / aspect));
  if (s >= 1 && outW === W && outH === H) return { kind: "original" };
  return {
    kind: "render",
    key: { width: outW, height: outH, method: "crop" },
    resize: s < 1 ? { width: rw, height: rh } : null,
    crop: { width: outW, height: outH },
    output: { width: outW, height: outH },
  };
}
