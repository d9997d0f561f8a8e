import { describe, expect, test } from "bun:test";
import { firstWebpFrame, probeImage } from "../../../src/services/media/image-probe";
import { animatedWebp, bmp, gif, jpeg, jpegBomb, png, pngBomb, webp, withExif } from "../../helpers/media-images";

const grey = () => [128, 128, 128] as [number, number, number];

describe("probeImage", () => {
  test("reads format and size of each still format from the header", async () => {
    expect(probeImage(await jpeg(120, 80, grey))).toMatchObject({
      format: "jpeg",
      width: 120,
      height: 80,
      animated: false,
    });
    expect(probeImage(png(33, 17, grey))).toMatchObject({ format: "png", width: 33, height: 17, animated: false });
    expect(probeImage(gif(21, 9, [() => 0], []))).toMatchObject({
      format: "gif",
      width: 21,
      height: 9,
      animated: false,
    });
    expect(probeImage(await webp(64, 48, grey))).toMatchObject({
      format: "webp",
      width: 64,
      height: 48,
      animated: false,
    });
    expect(probeImage(bmp(10, 7, grey))).toMatchObject({ format: "bmp", width: 10, height: 7 });
  });

  test("detects animation in GIF, APNG and WebP", async () => {
    expect(probeImage(gif(8, 8, [() => 0, () => 1], []))?.animated).toBe(true);
    expect(probeImage(png(8, 8, grey, 3))?.animated).toBe(true);
    expect(probeImage(await animatedWebp(16, 16, grey))).toMatchObject({
      format: "webp",
      animated: true,
      width: 16,
      height: 16,
    });
  });

  test("EXIF orientation 5-8 swaps the displayed width and height", async () => {
    const j = await jpeg(200, 100, grey);
    expect(probeImage(withExif(j, 1))).toMatchObject({ width: 200, height: 100, hasExif: true, orientation: 1 });
    expect(probeImage(withExif(j, 6))).toMatchObject({ width: 100, height: 200, orientation: 6 });
    expect(probeImage(j)?.hasExif).toBe(false);
  });

  test("reads a bomb's claimed size without decoding it", () => {
    expect(probeImage(pngBomb(100_000, 100_000))).toMatchObject({ width: 100_000, height: 100_000 });
    expect(probeImage(jpegBomb(65_000, 65_000))).toMatchObject({ width: 65_000, height: 65_000 });
  });

  test("is not fooled by claimed types: text, HTML and SVG are not images", () => {
    for (const s of [
      "hello world, plain text",
      "<html><script>alert(1)</script></html>",
      '<svg xmlns="http://www.w3.org/2000/svg"/>',
    ]) {
      expect(probeImage(new TextEncoder().encode(s))).toBeNull();
    }
    expect(probeImage(new Uint8Array(4))).toBeNull();
  });
});

test("firstWebpFrame turns an animated WebP into a still one Bun can decode", async () => {
  const anim = await animatedWebp(40, 30, () => [200, 10, 10]);
  await expect(new Bun.Image(anim).png().bytes()).rejects.toThrow();
  const still = firstWebpFrame(anim);
  expect(still).not.toBeNull();
  expect(await new Bun.Image(still!).metadata()).toEqual({ width: 40, height: 30, format: "webp" });
});
