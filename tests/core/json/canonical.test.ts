import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { CanonicalJsonError, compareCodePoints, encodeCanonicalJson } from "../../../src/core/json/canonical";
import { parseStrictJson } from "../../../src/core/json/parse-strict";
import vectors from "../../vectors/canonical-json.json";

describe("encodeCanonicalJson", () => {
  for (const [i, v] of vectors.cases.entries()) {
    test(`spec example ${i + 1}: ${v.expected}`, () => {
      // The last example holds -0 and 1e10, which only a lenient parser accepts.
      const parsed = parseStrictJson(v.input_text, { numbers: "lenient" });
      if (!parsed.ok) throw parsed.error;
      expect(encodeCanonicalJson(parsed.value)).toBe(v.expected);
      expect(encodeCanonicalJson(JSON.parse(v.input_text))).toBe(v.expected);
    });
  }

  test("orders keys by code point, not by UTF-16 unit", () => {
    // U+FFFD < U+1F600 by code point, but "\uD83D…" < "\uFFFD" by UTF-16 unit (the default sort gets this wrong).
    expect(encodeCanonicalJson({ "\u{1F600}": 1, "\uFFFD": 2 })).toBe('{"\uFFFD":2,"\u{1F600}":1}');
    expect(encodeCanonicalJson({ b: 1, a: { d: 1, c: 2 }, "": 0 })).toBe('{"":0,"a":{"c":2,"d":1},"b":1}');
  });

  test("escapes only what the grammar requires", () => {
    expect(encodeCanonicalJson('\u0000\u0008\t\n\u000b\f\r\u001f"\\/\u007f\u2028é\u{1F600}')).toBe(
      '"\\u0000\\b\\t\\n\\u000b\\f\\r\\u001f\\"\\\\/\u007f\u2028é\u{1F600}"',
    );
  });

  test("integers at the edge of the safe range are kept, -0 becomes 0", () => {
    expect(encodeCanonicalJson([2 ** 53 - 1, -(2 ** 53 - 1), -0])).toBe("[9007199254740991,-9007199254740991,0]");
  });

  test.each([
    ["a float", { a: 1.5 }],
    ["2^53", 2 ** 53],
    ["-(2^53)", -(2 ** 53)],
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["a lone surrogate in a value", { a: "\ud800" }],
    ["a lone surrogate in a key", { "\udc00": 1 }],
    ["a bigint", 1n],
    ["a function", () => 1],
    ["undefined", undefined],
    ["undefined in an array", [undefined]],
    ["bytes", new Uint8Array(2)],
  ])("refuses %s", (_name, v) => expect(() => encodeCanonicalJson(v)).toThrow(CanonicalJsonError));

  test("refuses runaway nesting", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 300; i++) deep = [deep];
    expect(() => encodeCanonicalJson(deep)).toThrow(CanonicalJsonError);
  });

  test("leaves out keys whose value is undefined", () => {
    expect(encodeCanonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
  });

  test("compareCodePoints agrees with sorting by code point arrays", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" }), (a, b) => {
        const ca = [...a].map((c) => c.codePointAt(0)!);
        const cb = [...b].map((c) => c.codePointAt(0)!);
        let expected = 0;
        for (let i = 0; i < Math.min(ca.length, cb.length) && expected === 0; i++) expected = ca[i]! - cb[i]!;
        if (expected === 0) expected = ca.length - cb.length;
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(expected));
      }),
    );
  });
});

/** JSON values canonical JSON can carry: safe integers, well-formed strings (any code point). */
export const canonicalValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.maxSafeInteger(),
    fc.string({ unit: "grapheme" }),
    fc.string({ unit: "binary" }),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(fc.string({ unit: "grapheme" }), tie("value"), { maxKeys: 5 }),
  ),
})).value;

describe("canonical JSON properties", () => {
  test("parse(encode(x)) equals x", () => {
    fc.assert(
      fc.property(canonicalValue, (x) => {
        const r = parseStrictJson(encodeCanonicalJson(x));
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.value).toEqual(x as never);
      }),
      { numRuns: 500 },
    );
  });

  test("encoding is deterministic: independent of key insertion order and idempotent", () => {
    fc.assert(
      fc.property(canonicalValue, (x) => {
        const once = encodeCanonicalJson(x);
        const shuffled = JSON.parse(JSON.stringify(x), (_k, v) =>
          v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
        );
        expect(encodeCanonicalJson(shuffled)).toBe(once);
        const again = parseStrictJson(once);
        expect(again.ok && encodeCanonicalJson(again.value)).toBe(once);
      }),
      { numRuns: 500 },
    );
  });

  test("for ASCII-keyed values it matches a naive sort-and-stringify encoder", () => {
    fc.assert(
      fc.property(
        fc.jsonValue({ noUnicodeString: true }).filter((v) => !hasFloat(v)),
        (x) => {
          expect(encodeCanonicalJson(x)).toBe(reference(x));
        },
      ),
      { numRuns: 300 },
    );
  });
});

function hasFloat(v: unknown): boolean {
  if (typeof v === "number") return !Number.isSafeInteger(v);
  if (v && typeof v === "object") return Object.values(v).some(hasFloat);
  return false;
}

/** Naive reference: default sort (equal to code-point order for ASCII) and JSON.stringify for scalars. */
function reference(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(reference).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}
