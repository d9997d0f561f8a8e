import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { decodeBase64, decodeBase64Url, encodeBase64, encodeBase64Url } from "../../../src/core/json/base64";
import vectors from "../../vectors/unpadded-base64.json";

const utf8 = new TextEncoder();

describe("unpadded base64", () => {
  for (const v of vectors.cases) {
    test(v.spec_line, () => {
      expect(encodeBase64(utf8.encode(v.input_utf8))).toBe(v.expected);
      expect(decodeBase64(v.expected)).toEqual(utf8.encode(v.input_utf8));
    });
  }

  test("decoders also accept padded input", () => {
    expect(decodeBase64("Zg==")).toEqual(utf8.encode("f"));
    expect(decodeBase64("Zm8=")).toEqual(utf8.encode("fo"));
    expect(decodeBase64Url("Zm8=")).toEqual(utf8.encode("fo"));
  });

  test("URL-safe uses - and _ instead of + and /", () => {
    const bytes = new Uint8Array([0xfb, 0xff, 0xbf]);
    expect(encodeBase64(bytes)).toBe("+/+/");
    expect(encodeBase64Url(bytes)).toBe("-_-_");
    expect(decodeBase64Url("-_-_")).toEqual(bytes);
    expect(decodeBase64("-_-_")).toBeNull();
    expect(decodeBase64Url("+/+/")).toBeNull();
  });

  test.each([["Z"], ["Zg="], ["Zg==="], ["Z g"], ["Zg\n"], ["Zm9v!"], ["=Zg"], ["Zg=a"]])("%p is refused", (s) => {
    expect(decodeBase64(s)).toBeNull();
    expect(decodeBase64Url(s)).toBeNull();
  });

  test("decode(encode(bytes)) equals bytes, in both alphabets", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const std = encodeBase64(bytes);
        const url = encodeBase64Url(bytes);
        expect(std).not.toContain("=");
        expect(decodeBase64(std)).toEqual(bytes);
        expect(decodeBase64Url(url)).toEqual(bytes);
      }),
    );
  });
});
