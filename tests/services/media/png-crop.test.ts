import { expect, test } from "bun:test";
import { cropPng, decodePng, PngCropError } from "../../../src/services/media/png-crop";
import { pixelAt, png } from "../../helpers/media-images";

test("cuts the asked window out, pixel for pixel", () => {
  const src = png(10, 6, (x, y) => [x * 20, y * 40, 7]);
  const out = decodePng(cropPng(src, 3, 2, 4, 3));
  expect([out.width, out.height]).toEqual([4, 3]);
  for (let y = 0; y < 3; y++)
    for (let x = 0; x < 4; x++) expect(pixelAt(out, x, y)).toEqual([(x + 3) * 20, (y + 2) * 40, 7]);
});

test("undoes every PNG row filter (Bun's encoder output)", async () => {
  const src = png(64, 40, (x, y) => [(x * 7) & 255, (y * 13) & 255, (x * y) & 255]);
  const filtered = await new Bun.Image(src).png({ compressionLevel: 9 }).bytes();
  const out = decodePng(cropPng(filtered, 10, 5, 20, 30));
  expect(pixelAt(out, 0, 0)).toEqual([70, 65, 50]);
  expect(pixelAt(out, 19, 29)).toEqual([(29 * 7) & 255, (34 * 13) & 255, (29 * 34) & 255]);
});

test("refuses windows outside the image and non-PNG input", () => {
  const src = png(4, 4, () => [0, 0, 0]);
  expect(() => cropPng(src, 2, 2, 3, 1)).toThrow(PngCropError);
  expect(() => cropPng(new Uint8Array(20), 0, 0, 1, 1)).toThrow(PngCropError);
});
