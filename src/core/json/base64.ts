/**
 * Unpadded base64 (appendices, "Unpadded Base64"), standard and URL-safe alphabets.
 * Encoders never pad. Decoders accept input with or without padding (as the spec asks) and return
 * null for anything else: other characters, whitespace, a mixed alphabet or an impossible length.
 */

const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SAFE = /^[A-Za-z0-9_-]*={0,2}$/;

export function encodeBase64(bytes: Uint8Array): string {
  return bytes.toBase64({ omitPadding: true });
}

export function encodeBase64Url(bytes: Uint8Array): string {
  return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
}

function decode(s: string, re: RegExp, alphabet: "base64" | "base64url"): Uint8Array | null {
  if (!re.test(s)) return null;
  const eq = s.indexOf("=");
  const body = eq < 0 ? s : s.slice(0, eq);
  if (body.length % 4 === 1) return null;
  if (eq >= 0 && s.length % 4 !== 0) return null; // padding, when present, must be complete
  try {
    return Uint8Array.fromBase64(body, { alphabet, lastChunkHandling: "loose" });
  } catch {
    return null;
  }
}

export function decodeBase64(s: string): Uint8Array | null {
  return decode(s, STANDARD, "base64");
}

export function decodeBase64Url(s: string): Uint8Array | null {
  return decode(s, URL_SAFE, "base64url");
}
