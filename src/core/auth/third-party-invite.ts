/**
 * Verification of `content.third_party_invite.signed` of an m.room.member invite against the public
 * keys of the m.room.third_party_invite event it names (auth rule "If any signature in signed matches
 * any public key in the m.room.third_party_invite event, allow"; server-server API "Verifying the
 * invite"). The signed object is checked as signed JSON (appendices, "Signing JSON"): canonical JSON
 * without `signatures` and `unsigned`, Ed25519, any `ed25519:*` signature of any server.
 */
import { type VerifyKey, verifyBytes, verifyKeyFromBytes } from "../crypto/ed25519";
import { signedBytes } from "../crypto/sign-json";
import { decodeBase64, decodeBase64Url } from "../json/base64";
import { CanonicalJsonError } from "../json/canonical";

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Unpadded (or padded) base64 in either alphabet, as identity servers publish keys. */
function decodeAnyBase64(s: string): Uint8Array | null {
  return decodeBase64(s) ?? decodeBase64Url(s);
}

/** The public keys of an m.room.third_party_invite event: `public_key` and each `public_keys[].public_key`. */
export function thirdPartyInvitePublicKeys(content: Readonly<Record<string, unknown>>): string[] {
  const keys: string[] = [];
  if (typeof content.public_key === "string") keys.push(content.public_key);
  if (Array.isArray(content.public_keys)) {
    for (const k of content.public_keys) if (isObject(k) && typeof k.public_key === "string") keys.push(k.public_key);
  }
  return keys;
}

/** True when some `ed25519:*` signature in `signed.signatures` verifies with one of `publicKeys`. */
export function verifyThirdPartyInviteSigned(signed: Record<string, unknown>, publicKeys: readonly string[]): boolean {
  const signatures = signed.signatures;
  if (!isObject(signatures)) return false;
  let message: Uint8Array;
  try {
    message = signedBytes(signed);
  } catch (e) {
    if (e instanceof CanonicalJsonError) return false;
    throw e;
  }
  const sigs: Uint8Array[] = [];
  for (const server of Object.keys(signatures)) {
    const block = signatures[server];
    if (!isObject(block)) continue;
    for (const keyId of Object.keys(block)) {
      const sig = block[keyId];
      if (!keyId.startsWith("ed25519:") || typeof sig !== "string") continue;
      const bytes = decodeAnyBase64(sig);
      if (bytes !== null && bytes.length === 64) sigs.push(bytes);
    }
  }
  for (const encoded of publicKeys) {
    const raw = decodeAnyBase64(encoded);
    const key: VerifyKey | null = raw === null ? null : verifyKeyFromBytes(raw);
    if (key === null) continue;
    for (const sig of sigs) if (verifyBytes(key, message, sig)) return true;
  }
  return false;
}
