import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { parseStrictJson, StrictJsonError } from "../../../src/core/json/parse-strict";

function ok(text: string, lenient = false) {
  const r = parseStrictJson(text, lenient ? { numbers: "lenient" } : {});
  if (!r.ok) throw r.error;
  return r;
}

function refused(text: string | Uint8Array, lenient = false): string {
  const r = parseStrictJson(text, lenient ? { numbers: "lenient" } : {});
  expect(r.ok).toBe(false);
  if (r.ok) return "";
  expect(r.error).toBeInstanceOf(StrictJsonError);
  return r.error.message;
}

describe("parseStrictJson", () => {
  test("parses ordinary JSON like JSON.parse", () => {
    const text = ' { "a" : [1, -2, 0, true, false, null, "x\\n\\u00e9\\ud83d\\ude00\\/"], "b": {} } ';
    expect(ok(text).value).toEqual(JSON.parse(text));
  });

  test("numbers are judged on their raw text", () => {
    expect(refused('{"a":1.0}')).toContain("canonical");
    expect(refused('{"a":1e3}')).toContain("canonical");
    expect(refused('{"a":1E+3}')).toContain("canonical");
    expect(refused('{"a":-0}')).toContain("canonical");
    expect(refused("[9007199254740992]")).toContain("range");
    expect(refused("[-9007199254740992]")).toContain("range");
    expect(ok("[9007199254740991,-9007199254740991,0]").value).toEqual([2 ** 53 - 1, -(2 ** 53 - 1), 0]);
  });

  test("lenient numbers are accepted and the containers holding them are recorded", () => {
    const r = ok('{"pdus":[{"a":1},{"b":{"c":1.5}}],"n":2}', true);
    const v = r.value as { pdus: [object, { b: object }] };
    expect(r.hasNonCanonicalNumbers).toBe(true);
    expect(r.nonCanonical.has(v.pdus[0])).toBe(false);
    expect(r.nonCanonical.has(v.pdus[1])).toBe(true);
    expect(r.nonCanonical.has(v.pdus[1].b)).toBe(true);
    expect(r.nonCanonical.has(v.pdus)).toBe(true);
    expect(r.nonCanonical.has(v)).toBe(true);
    expect(ok('{"a":[1,2]}', true).hasNonCanonicalNumbers).toBe(false);
    expect(ok("-0", true).hasNonCanonicalNumbers).toBe(true);
  });

  test("duplicate keys are refused (JSON.parse would keep the last)", () => {
    expect(refused('{"a":1,"a":2}')).toContain("duplicate key");
    expect(refused('{"a":{"b":1,"\\u0062":2}}')).toContain("duplicate key");
    expect(ok('{"a":{"b":1},"b":{"b":2}}').value).toEqual({ a: { b: 1 }, b: { b: 2 } });
  });

  test("lone surrogates are refused, raw or escaped; pairs are fine", () => {
    expect(refused('["\\ud800"]')).toContain("surrogate");
    expect(refused('["\\udc00\\ud800"]')).toContain("surrogate");
    expect(refused('{"\\ud800":1}')).toContain("surrogate");
    expect(refused('["\ud800"]')).toContain("surrogate");
    expect(ok('["\\ud83d\\ude00"]').value).toEqual(["\u{1F600}"]);
  });

  test("__proto__ is an ordinary key", () => {
    const v = ok('{"__proto__":{"polluted":1}}').value as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  test.each([
    [""],
    [" "],
    ["{"],
    ["[1,]"],
    ['{"a":1,}'],
    ["{a:1}"],
    ["'a'"],
    ["01"],
    ["1."],
    [".5"],
    ["+1"],
    ["NaN"],
    ["tru"],
    ['"a'],
    ['"\t"'],
    ['"\\x"'],
    ['"\\u12"'],
    ["[1] 2"],
    ["\ufeff{}"],
    ["[1\u00a0]"],
  ])("refuses %p", (text) => {
    refused(text);
    refused(text, true);
  });

  test("bytes: valid UTF-8 parses, invalid UTF-8 is refused", () => {
    expect(ok(new TextDecoder().decode(new TextEncoder().encode('{"a":"é"}'))).value).toEqual({ a: "é" });
    const r = parseStrictJson(new TextEncoder().encode('{"a":"é"}'));
    expect(r.ok && r.value).toEqual({ a: "é" });
    expect(refused(new Uint8Array([0x22, 0xff, 0x22]))).toContain("UTF-8");
    expect(refused(new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]))).toContain("UTF-8"); // CESU surrogate
  });

  test("deep nesting is refused without a crash", () => {
    expect(refused("[".repeat(100_000) + "]".repeat(100_000))).toContain("nested deeper");
  });

  test("never throws, and agrees with JSON.parse on what is JSON, for random strings", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.json().map(mutate)), (text) => {
        const r = parseStrictJson(text, { numbers: "lenient" });
        let native: unknown;
        let nativeOk = true;
        try {
          native = JSON.parse(text);
        } catch {
          nativeOk = false;
        }
        if (r.ok) {
          expect(nativeOk).toBe(true);
          expect(r.value).toEqual(native as never);
        } else expect(r.error).toBeInstanceOf(StrictJsonError);
      }),
      { numRuns: 2000 },
    );
  });

  test("never throws on random bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const r = parseStrictJson(bytes);
        if (!r.ok) expect(r.error).toBeInstanceOf(StrictJsonError);
      }),
      { numRuns: 2000 },
    );
  });
});

/** Damages valid JSON text a little so that the parser sees near-misses. */
function mutate(text: string): string {
  if (text.length === 0) return text;
  const i = Math.floor(text.length / 2);
  const choices = [
    text.slice(0, i),
    text.slice(0, i) + text.slice(i + 1),
    `${text.slice(0, i)}"${text.slice(i)}`,
    text,
  ];
  return choices[text.length % choices.length]!;
}
