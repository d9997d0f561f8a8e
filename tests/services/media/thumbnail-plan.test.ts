import { describe, expect, test } from "bun:test";
import { planThumbnail } from "../../../src/services/media/thumbnail-plan";

const photo = { width: 4000, height: 3000 };

describe("planThumbnail", () => {
  test("the spec's sizes come out exactly for a 4:3 photo", () => {
    expect(planThumbnail(photo, { width: 32, height: 32, method: "crop" })).toMatchObject({
      kind: "render",
      output: { width: 32, height: 32 },
    });
    expect(planThumbnail(photo, { width: 96, height: 96, method: "crop" })).toMatchObject({
      output: { width: 96, height: 96 },
    });
    for (const [w, h] of [
      [320, 240],
      [640, 480],
      [800, 600],
    ]) {
      expect(planThumbnail(photo, { width: w!, height: h!, method: "scale" })).toMatchObject({
        kind: "render",
        key: { width: w, height: h, method: "scale" },
        output: { width: w, height: h },
      });
    }
  });

  test("picks the smallest size at least as large as asked, never smaller", () => {
    const p = planThumbnail(photo, { width: 100, height: 50, method: "scale" });
    expect(p).toMatchObject({ key: { width: 320, height: 240 }, output: { width: 320, height: 240 } });
    const q = planThumbnail(photo, { width: 33, height: 33, method: "scale" });
    expect(q).toMatchObject({ key: { width: 96, height: 96 }, output: { width: 96, height: 72 } });
  });

  test("scale keeps the aspect ratio of a portrait image inside the box", () => {
    expect(planThumbnail({ width: 1000, height: 4000 }, { width: 320, height: 240, method: "scale" })).toMatchObject({
      output: { width: 60, height: 240 },
    });
  });

  test("crop gives the request's aspect ratio at the chosen size", () => {
    expect(planThumbnail(photo, { width: 150, height: 150, method: "crop" })).toMatchObject({
      output: { width: 240, height: 240 },
      resize: { width: 320, height: 240 },
    });
    expect(planThumbnail(photo, { width: 200, height: 100, method: "crop" })).toMatchObject({
      output: { width: 320, height: 160 },
    });
  });

  test("never upscales: content smaller than asked is used as it is", () => {
    expect(planThumbnail({ width: 20, height: 10 }, { width: 32, height: 32, method: "crop" })).toEqual({
      kind: "original",
    });
    expect(planThumbnail({ width: 300, height: 200 }, { width: 320, height: 240, method: "scale" })).toEqual({
      kind: "original",
    });
    // A crop window larger than the image in one direction: cut what there is, keeping the aspect ratio.
    expect(planThumbnail({ width: 50, height: 40 }, { width: 32, height: 32, method: "crop" })).toMatchObject({
      output: { width: 32, height: 32 },
      resize: { width: 40, height: 32 },
    });
    expect(planThumbnail({ width: 120, height: 40 }, { width: 96, height: 96, method: "crop" })).toMatchObject({
      resize: null,
      output: { width: 40, height: 40 },
    });
  });

  test("a request larger than every size gets the original", () => {
    expect(planThumbnail(photo, { width: 1600, height: 1200, method: "scale" })).toEqual({ kind: "original" });
  });
});
