/**
 * Test keys for the e2ee suites: device keys, one-time keys and cross-signing keys made and signed
 * the way clients make them (ed25519 through src/core/crypto, random seeds).
 */
import { randomBytes } from "node:crypto";
import { type SigningKey, signingKeyFromSeed } from "../../../src/core/crypto/ed25519";
import { signJson } from "../../../src/core/crypto/sign-json";
import { encodeBase64 } from "../../../src/core/json/base64";

export type Json = Record<string, unknown>;

export const ALGORITHMS = ["m.olm.v1.curve25519-aes-sha2", "m.megolm.v1.aes-sha2"];

export function newKey(version?: string): SigningKey {
  const seed = new Uint8Array(randomBytes(32));
  if (version !== undefined) return signingKeyFromSeed(seed, version);
  // Cross-signing keys are named by their own public key.
  const pub = signingKeyFromSeed(seed, "x").verifyKey.publicKeyBase64;
  return signingKeyFromSeed(seed, pub);
}

/** A random 32-byte "curve25519" key in unpadded base64 (the server never uses it). */
export function curveKey(): string {
  return encodeBase64(new Uint8Array(randomBytes(32)));
}

export interface TestDevice {
  userId: string;
  deviceId: string;
  key: SigningKey;
  deviceKeys: Json;
}

/** Device keys for (user, device), self-signed with a new ed25519 key. */
export function makeDevice(userId: string, deviceId: string): TestDevice {
  const key = newKey(deviceId);
  const unsigned = {
    user_id: userId,
    device_id: deviceId,
    algorithms: ALGORITHMS,
    keys: { [`curve25519:${deviceId}`]: curveKey(), [`ed25519:${deviceId}`]: key.verifyKey.publicKeyBase64 },
  };
  return { userId, deviceId, key, deviceKeys: signJson(unsigned, userId, key) };
}

/** `n` signed_curve25519 one-time keys signed by the device, named `signed_curve25519:<prefix><i>`. */
export function oneTimeKeys(d: TestDevice, n: number, prefix = "AAAA", fallback = false): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (let i = 0; i < n; i++) {
    const obj = fallback ? { key: curveKey(), fallback: true } : { key: curveKey() };
    out[`signed_curve25519:${prefix}${i}`] = signJson(obj, d.userId, d.key);
  }
  return out;
}

export interface CrossSigning {
  master: SigningKey;
  selfSigning: SigningKey;
  userSigning: SigningKey;
  masterKey: Json;
  selfSigningKey: Json;
  userSigningKey: Json;
}

export function crossSigningKey(userId: string, usage: string, key: SigningKey): Json {
  return { user_id: userId, usage: [usage], keys: { [`ed25519:${key.version}`]: key.version } };
}

/** A full set of cross-signing keys for the user, the self- and user-signing keys signed by the master. */
export function makeCrossSigning(userId: string): CrossSigning {
  const master = newKey();
  const selfSigning = newKey();
  const userSigning = newKey();
  return {
    master,
    selfSigning,
    userSigning,
    masterKey: crossSigningKey(userId, "master", master),
    selfSigningKey: signJson(crossSigningKey(userId, "self_signing", selfSigning), userId, master),
    userSigningKey: signJson(crossSigningKey(userId, "user_signing", userSigning), userId, master),
  };
}

/** The request body of /keys/device_signing/upload for a full set. */
export function crossSigningUpload(cs: CrossSigning, auth?: Json): Json {
  return {
    master_key: cs.masterKey,
    self_signing_key: cs.selfSigningKey,
    user_signing_key: cs.userSigningKey,
    ...(auth ? { auth } : {}),
  };
}
