/**
 * Room aliases (appendices, "Room Aliases"): `#room_alias:server_name`; the localpart may hold any
 * non-surrogate code point except `:` and NUL; at most 255 bytes.
 */
import type { Brand } from "./brand";
import { isServerName, type ServerName } from "./server-name";
import { isOpaqueLocalpart, MAX_ID_BYTES, utf8Length } from "./text";

export type RoomAlias = Brand<string, "RoomAlias">;

export function parseRoomAlias(s: string): RoomAlias | null {
  if (!s.startsWith("#") || utf8Length(s) > MAX_ID_BYTES) return null;
  const colon = s.indexOf(":");
  if (colon < 2) return null;
  if (!isOpaqueLocalpart(s.slice(1, colon)) || !isServerName(s.slice(colon + 1))) return null;
  return s as RoomAlias;
}

export function isRoomAlias(s: string): s is RoomAlias {
  return parseRoomAlias(s) !== null;
}

export function aliasLocalpart(alias: RoomAlias): string {
  return alias.slice(1, alias.indexOf(":"));
}

export function aliasServerName(alias: RoomAlias): ServerName {
  return alias.slice(alias.indexOf(":") + 1) as ServerName;
}
