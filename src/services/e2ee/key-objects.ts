/**
 * Checks on the signed key objects clients upload: device keys, one-time and fallback keys, and
 * cross-signing keys (client-server API, "End-to-End Encryption"). Each check either returns the
 * parts the caller needs or throws the MatrixError the client gets; nothing here writes.
 */
import { ED25519, type VerifyKey, verifyKeyFromBase64 } from "../../core/crypto/ed25519";
import { verifyJson } from "../../core/crypto/sign-json";
import { type ErrCode, MatrixError } from "../../core/errors";
import { keyIdParts, parseKeyId } from "../../core/ids/key-id";
import { CanonicalJsonError, encodeCanonicalJson } from "../../core/json/canonical";

export type JsonObject = Record<string, unknown>;

/**
 * M_INVALID_SIGNATURE is the spec's errcode for a bad signature in the cross-signing API (400).
 * core/errors.ts does not list it yet, hence the cast (the lead is asked to add it to ErrCode).
 */
export const M_INVALID_SIGNATURE: ErrCode = "M_INVALID_SIGNATURE";

export function invalidSignature(message: string): MatrixError {
  return new MatrixError(400, M_INVALID_SIGNATURE, message);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Canonical JSON, or a 400 M_BAD_JSON for values it cannot carry (floats, huge integers, lone surrogates). */
export function canonical(value: unknown, what: string): string {
  try {
    return encodeCanonicalJson(value);
  } catch (e) {
    if (e instanceof CanonicalJsonError) throw MatrixError.badJson(`${what}: ${e.message}`);
    throw e;
  }
}

/** The object without `signatures` and `unsigned`, as canonical JSON: what "the same key" means. */
export function canonicalUnsigned(obj: JsonObject, what: string): string {
  const { signatures: _s, unsigned: _u, ...rest } = obj;
  return canonical(rest, what);
}

/** The object without `unsigned`, as it is stored. */
export function withoutUnsigned(obj: JsonObject): JsonObject {
  const { unsigned: _u, ...rest } = obj;
  return rest;
}

export interface CheckedDeviceKeys {
  /** The object to store (without `unsigned`). */
  keys: JsonObject;
  ed25519Key: string;
  verifyKey: VerifyKey;
}

/**
 * Device keys must name the caller's user and device, carry `ed25519:<device>` (a valid Ed25519
 * key), name every key `<algorithm>:<device ID>`, list the algorithms, and be signed by their own
 * ed25519 key.
 */
export function checkDeviceKeys(obj: JsonObject, userId: string, deviceId: string): CheckedDeviceKeys {
  if (obj.user_id !== userId) throw MatrixError.invalidParam("device_keys.user_id must be your user ID");
  if (obj.device_id !== deviceId) throw MatrixError.invalidParam("device_keys.device_id must be this device's ID");
  const algorithms = obj.algorithms;
  if (!Array.isArray(algorithms) || algorithms.some((a) => typeof a !== "string" || a === "")) {
    throw MatrixError.badJson("device_keys.algorithms must be a list of algorithm names");
  }
  const keys = obj.keys;
  if (!isObject(keys)) throw MatrixError.badJson("device_keys.keys must be an object");
  for (const [name, value] of Object.entries(keys)) {
    const id = parseKeyId(name);
    if (id === null || keyIdParts(id).version !== deviceId) {
      throw MatrixError.invalidParam(`device_keys.keys: ${JSON.stringify(name)} is not <algorithm>:${deviceId}`);
    }
    if (typeof value !== "string" || value === "") throw MatrixError.badJson(`device_keys.keys.${name} must be a key`);
  }
  const ed25519Key = keys[`${ED25519}:${deviceId}`];
  if (typeof ed25519Key !== "string") throw MatrixError.invalidParam(`device_keys.keys lacks ${ED25519}:${deviceId}`);
  const verifyKey = verifyKeyFromBase64(ed25519Key);
  if (verifyKey === null)
    throw MatrixError.invalidParam(`device_keys.keys.${ED25519}:${deviceId} is not an Ed25519 key`);
  if (!isObject(obj.signatures)) throw MatrixError.badJson("device_keys.signatures must be an object");
  // Only the owner's own signatures are kept: other users' signatures never belong on device keys.
  const stored = { ...withoutUnsigned(obj), signatures: { [userId]: obj.signatures[userId] ?? {} } };
  canonical(stored, "device_keys");
  if (!verifyJson(stored, userId, `${ED25519}:${deviceId}`, verifyKey)) {
    throw invalidSignature("device_keys is not signed by its own ed25519 key");
  }
  return { keys: stored, ed25519Key, verifyKey };
}

export interface CheckedOneTimeKey {
  algorithm: string;
  keyId: string;
  /** Canonical JSON of the key (a string or a key object). */
  json: string;
}

/**
 * A one-time or fallback key named `<algorithm>:<key id>`. A key object (signed_curve25519 and
 * the like) needs a `key`; when the device's ed25519 key is known, it must carry a valid signature
 * by it. `signed_*` algorithms must be key objects.
 */
export function checkOneTimeKey(
  name: string,
  value: unknown,
  owner: { userId: string; deviceId: string; verifyKey: VerifyKey | null },
  what: string,
): CheckedOneTimeKey {
  const id = parseKeyId(name);
  if (id === null) throw MatrixError.invalidParam(`${what}: ${JSON.stringify(name)} is not <algorithm>:<key id>`);
  const { algorithm, version: keyId } = keyIdParts(id);
  if (typeof value === "string") {
    if (algorithm.startsWith("signed_")) throw MatrixError.badJson(`${what}.${name} must be a signed key object`);
    if (value === "") throw MatrixError.badJson(`${what}.${name} is empty`);
    return { algorithm, keyId, json: canonical(value, `${what}.${name}`) };
  }
  if (!isObject(value) || typeof value.key !== "string" || value.key === "") {
    throw MatrixError.badJson(`${what}.${name} must be a key string or an object with a key`);
  }
  if (value.signatures !== undefined && !isObject(value.signatures)) {
    throw MatrixError.badJson(`${what}.${name}.signatures must be an object`);
  }
  const json = canonical(value, `${what}.${name}`);
  if (owner.verifyKey !== null && algorithm.startsWith("signed_")) {
    if (!verifyJson(value, owner.userId, `${ED25519}:${owner.deviceId}`, owner.verifyKey)) {
      throw invalidSignature(`${what}.${name} is not signed by this device's ed25519 key`);
    }
  }
  return { algorithm, keyId, json };
}

export type CrossSigningUsage = "master" | "self_signing" | "user_signing";

export interface CheckedCrossSigningKey {
  usage: CrossSigningUsage;
  publicKey: string;
  verifyKey: VerifyKey;
  /** The object as uploaded. */
  key: JsonObject;
  /** Canonical JSON of the whole object (to compare with the stored one). */
  json: string;
}

/**
 * A cross-signing key: the caller's user ID, the usage, and exactly one key named
 * `ed25519:<public key>` whose value is that public key.
 */
export function checkCrossSigningKey(obj: unknown, usage: CrossSigningUsage, userId: string): CheckedCrossSigningKey {
  const what = `${usage}_key`;
  if (!isObject(obj)) throw MatrixError.badJson(`${what} must be an object`);
  if (obj.user_id !== userId) throw MatrixError.invalidParam(`${what}.user_id must be your user ID`);
  const usages = obj.usage;
  if (!Array.isArray(usages) || usages.some((u) => typeof u !== "string")) {
    throw MatrixError.badJson(`${what}.usage must be a list`);
  }
  if (!usages.includes(usage)) throw MatrixError.invalidParam(`${what}.usage must include ${usage}`);
  const keys = obj.keys;
  if (!isObject(keys)) throw MatrixError.badJson(`${what}.keys must be an object`);
  const entries = Object.entries(keys);
  if (entries.length !== 1) throw MatrixError.invalidParam(`${what}.keys must hold exactly one key`);
  const [name, value] = entries[0]!;
  if (!name.startsWith(`${ED25519}:`) || typeof value !== "string" || name !== `${ED25519}:${value}`) {
    throw MatrixError.invalidParam(`${what}.keys must be {"ed25519:<public key>": "<public key>"}`);
  }
  const verifyKey = verifyKeyFromBase64(value);
  if (verifyKey === null) throw MatrixError.invalidParam(`${what} is not an Ed25519 public key`);
  if (obj.signatures !== undefined && !isObject(obj.signatures)) {
    throw MatrixError.badJson(`${what}.signatures must be an object`);
  }
  return { usage, publicKey: value, verifyKey, key: obj, json: canonical(obj, what) };
}

/** True when `obj` carries a valid signature by the user's master key `master`. */
export function isSignedByMaster(obj: JsonObject, userId: string, master: { publicKey: string; verifyKey: VerifyKey }) {
  return verifyJson(obj, userId, `${ED25519}:${master.publicKey}`, master.verifyKey);
}
