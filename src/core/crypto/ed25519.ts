/**
 * Ed25519 with native node:crypto. A Matrix signing key is a 32-byte seed; node:crypto takes it
 * wrapped in PKCS#8 DER, and a public key wrapped in SPKI DER. KeyObjects are built once per key
 * (in SigningKey and VerifyKey) and reused for every signature, which is what makes signing fast.
 */
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { type KeyId, makeKeyId } from "../ids/key-id";
import { decodeBase64, encodeBase64 } from "../json/base64";

/** RFC 8410 PKCS#8 header for an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
/** RFC 8410 SubjectPublicKeyInfo header for an Ed25519 public key; the 32-byte key follows. */
const SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

export const ED25519 = "ed25519";
export const SEED_BYTES = 32;
export const SIGNATURE_BYTES = 64;

/** A public key ready to verify signatures. */
export interface VerifyKey {
  readonly publicKey: Uint8Array;
  /** Unpadded base64, as published in `verify_keys`. */
  readonly publicKeyBase64: string;
  readonly keyObject: KeyObject;
}

/** A private signing key with its identity (`ed25519:<version>`) and public half. */
export interface SigningKey {
  readonly keyId: KeyId;
  readonly version: string;
  readonly seed: Uint8Array;
  readonly verifyKey: VerifyKey;
  readonly privateKeyObject: KeyObject;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Builds a signing key from its 32-byte seed and key version (the part after `ed25519:`).
 * Throws TypeError for a seed of the wrong length or an invalid version.
 */
export function signingKeyFromSeed(seed: Uint8Array, version: string): SigningKey {
  if (seed.length !== SEED_BYTES) throw new TypeError(`an Ed25519 seed is ${SEED_BYTES} bytes, got ${seed.length}`);
  const keyId = makeKeyId(ED25519, version);
  if (keyId === null) throw new TypeError(`invalid key version ${JSON.stringify(version)}`);
  const privateKeyObject = createPrivateKey({ key: concat(PKCS8_PREFIX, seed), format: "der", type: "pkcs8" });
  const spki = createPublicKey(privateKeyObject).export({ format: "der", type: "spki" });
  const publicKey = new Uint8Array(spki.subarray(spki.length - 32));
  const keyObject = createPublicKey(privateKeyObject);
  return {
    keyId,
    version,
    seed: new Uint8Array(seed),
    verifyKey: { publicKey, publicKeyBase64: encodeBase64(publicKey), keyObject },
    privateKeyObject,
  };
}

/** A verify key from the 32 raw public key bytes, or null if they are not a usable Ed25519 key. */
export function verifyKeyFromBytes(publicKey: Uint8Array): VerifyKey | null {
  if (publicKey.length !== 32) return null;
  try {
    const keyObject = createPublicKey({ key: concat(SPKI_PREFIX, publicKey), format: "der", type: "spki" });
    return { publicKey: new Uint8Array(publicKey), publicKeyBase64: encodeBase64(publicKey), keyObject };
  } catch {
    return null;
  }
}

/** A verify key from unpadded (or padded) base64, as found in `verify_keys`; null if malformed. */
export function verifyKeyFromBase64(b64: string): VerifyKey | null {
  const bytes = decodeBase64(b64);
  return bytes === null ? null : verifyKeyFromBytes(bytes);
}

/** The 64-byte Ed25519 signature of `data`. */
export function signBytes(key: SigningKey, data: Uint8Array): Uint8Array {
  const sig = sign(null, data, key.privateKeyObject);
  return new Uint8Array(sig.buffer, sig.byteOffset, sig.byteLength);
}

/** True when `signature` is a valid Ed25519 signature of `data` by `key`. Never throws. */
export function verifyBytes(key: VerifyKey, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return verify(null, data, key.keyObject, signature);
  } catch {
    return false;
  }
}
