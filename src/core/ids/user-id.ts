/**
 * User IDs (appendices, "User Identifiers"): `@localpart:server_name`, at most 255 bytes.
 * - Strict grammar (IDs we mint): localpart is 1* of a-z 0-9 - . = _ / +
 * - Historical grammar (IDs we receive): any non-surrogate code point except `:` and NUL, even empty.
 */
import type { Brand } from "./brand";
import { isServerName, type ServerName } from "./server-name";
import { isOpaqueLocalpart, MAX_ID_BYTES, utf8Length } from "./text";

export type UserId = Brand<string, "UserId">;

const STRICT_LOCALPART = /^[a-z0-9._=\-/+]+$/;

/** True when `localpart` is allowed in a user ID we create (registration, appservice namespaces we mint). */
export function isStrictUserLocalpart(localpart: string): boolean {
  return STRICT_LOCALPART.test(localpart);
}

function split(s: string): { localpart: string; server: string } | null {
  if (!s.startsWith("@")) return null;
  const colon = s.indexOf(":");
  if (colon < 0) return null;
  return { localpart: s.slice(1, colon), server: s.slice(colon + 1) };
}

/** Accepts any user ID a remote server may legitimately send (historical grammar). */
export function parseUserId(s: string): UserId | null {
  if (utf8Length(s) > MAX_ID_BYTES) return null;
  const p = split(s);
  if (p === null || !isOpaqueLocalpart(p.localpart) || !isServerName(p.server)) return null;
  return s as UserId;
}

/** Accepts only fully conforming user IDs: use it for IDs this server creates. */
export function parseUserIdStrict(s: string): UserId | null {
  if (utf8Length(s) > MAX_ID_BYTES) return null;
  const p = split(s);
  if (p === null || !STRICT_LOCALPART.test(p.localpart) || !isServerName(p.server)) return null;
  return s as UserId;
}

export function isUserId(s: string): s is UserId {
  return parseUserId(s) !== null;
}

/**
 * Builds a user ID from a localpart and our server name, enforcing the strict grammar.
 * Returns null if the localpart is not allowed or the result is too long.
 */
export function makeUserId(localpart: string, server: ServerName): UserId | null {
  return parseUserIdStrict(`@${localpart}:${server}`);
}

/** True for IDs that a compliant server would create (visible ASCII, non-empty localpart). */
export function isCompliantUserId(id: UserId): boolean {
  return STRICT_LOCALPART.test(userLocalpart(id));
}

export function userLocalpart(id: UserId): string {
  return id.slice(1, id.indexOf(":"));
}

export function userServerName(id: UserId): ServerName {
  return id.slice(id.indexOf(":") + 1) as ServerName;
}
