/**
 * Canonical JSON (appendices, "Canonical JSON"): the shortest UTF-8 encoding, object keys sorted by
 * Unicode code point, numbers only as integers in [-(2^53)+1, 2^53-1] without exponent or fraction.
 *
 * JSON.stringify already writes strings the canonical way (lowercase `\u00XX` for the controls without
 * a short escape, everything else raw), except for lone surrogates, which canonical JSON cannot carry
 * (they have no UTF-8 form): those are refused here.
 */
import { isWellFormedText } from "../ids/text";

export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CanonicalJsonError";
  }
}

/** Deeper nesting than this is refused (it also stops runaway recursion on cyclic objects). */
export const MAX_DEPTH = 256;

/** Orders by Unicode code point. JS's default sort compares UTF-16 code units, which differs for astral characters. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (D800-DFFF) stands for a code point above FFFF, so it sorts after E000-FFFF.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

function hasSurrogate(keys: string[]): boolean {
  for (const k of keys) for (let i = 0; i < k.length; i++) if (k.charCodeAt(i) >= 0xd800) return true;
  return false;
}

function sortKeys(keys: string[]): string[] {
  // Code-unit order equals code-point order unless a key holds a surrogate.
  return hasSurrogate(keys) ? keys.sort(compareCodePoints) : keys.sort();
}

function encodeString(s: string): string {
  if (!isWellFormedText(s)) throw new CanonicalJsonError("string holds a lone surrogate");
  return JSON.stringify(s);
}

function encode(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string":
      return encodeString(value);
    case "number":
      if (!Number.isSafeInteger(value)) throw new CanonicalJsonError(`not a canonical integer: ${value}`);
      return String(value); // String(-0) is "0", as the spec's example wants
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (depth >= MAX_DEPTH) throw new CanonicalJsonError(`nested deeper than ${MAX_DEPTH}`);
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          const item: unknown = value[i];
          if (item === undefined) throw new CanonicalJsonError("undefined in an array");
          out += encode(item, depth + 1);
        }
        return out + "]";
      }
      if (ArrayBuffer.isView(value)) throw new CanonicalJsonError("binary data must be base64-encoded first");
      const obj = value as Record<string, unknown>;
      const keys = sortKeys(Object.keys(obj));
      let out = "{";
      let first = true;
      for (const k of keys) {
        const v = obj[k];
        if (v === undefined) continue;
        if (!first) out += ",";
        first = false;
        out += encodeString(k);
        out += ":";
        out += encode(v, depth + 1);
      }
      return out + "}";
    }
    default:
      throw new CanonicalJsonError(`not representable in canonical JSON: ${typeof value}`);
  }
}

/** Encodes a value as canonical JSON text. Object keys whose value is `undefined` are left out. */
export function encodeCanonicalJson(value: unknown): string {
  if (value === undefined) throw new CanonicalJsonError("undefined is not JSON");
  return encode(value, 0);
}

const utf8 = new TextEncoder();

/** Canonical JSON as the UTF-8 bytes that get hashed and signed. */
export function canonicalJsonBytes(value: unknown): Uint8Array {
  return utf8.encode(encodeCanonicalJson(value));
}
