/**
 * Key identifiers: `<algorithm>:<key version>`, e.g. `ed25519:abc123` (appendices, "Signing Details").
 * Server signing key versions use [a-zA-Z0-9_] (server-server API, "Publishing Keys"); device keys use
 * the device ID as the version, so the general parser only requires both parts to be non-empty.
 */
import type { Brand } from "./brand";
import { isWellFormedText, MAX_ID_BYTES, utf8Length } from "./text";

export type KeyId = Brand<string, "KeyId">;

const ALGORITHM = /^[a-z0-9_.-]+$/;
const SERVER_KEY_VERSION = /^[a-zA-Z0-9_]+$/;

export interface KeyIdParts {
  readonly algorithm: string;
  readonly version: string;
}

/** Any key ID: a lower-case algorithm name, `:`, and a non-empty version. */
export function parseKeyId(s: string): KeyId | null {
  const colon = s.indexOf(":");
  if (colon <= 0 || colon === s.length - 1) return null;
  if (!ALGORITHM.test(s.slice(0, colon)) || utf8Length(s) > MAX_ID_BYTES || !isWellFormedText(s)) return null;
  return s as KeyId;
}

/** A server signing key ID: the version is limited to [a-zA-Z0-9_]. */
export function parseServerKeyId(s: string): KeyId | null {
  const id = parseKeyId(s);
  return id !== null && SERVER_KEY_VERSION.test(keyIdParts(id).version) ? id : null;
}

export function isServerKeyVersion(version: string): boolean {
  return SERVER_KEY_VERSION.test(version) && version.length <= 250;
}

export function keyIdParts(id: KeyId): KeyIdParts {
  const colon = id.indexOf(":");
  return { algorithm: id.slice(0, colon), version: id.slice(colon + 1) };
}

export function makeKeyId(algorithm: string, version: string): KeyId | null {
  return parseKeyId(`${algorithm}:${version}`);
}
