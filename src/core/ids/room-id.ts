/**
 * Room IDs (appendices, "Room IDs"):
 * - room versions 1-11: `!opaque_id:server_name` (opaque_id: any non-surrogate code point but `:` and NUL);
 * - room version 12: `!` + the create event's reference hash in URL-safe unpadded base64 (43 characters),
 *   i.e. the create event's ID with `!` instead of `$`.
 * At most 255 bytes either way.
 */
import type { Brand } from "./brand";
import type { EventId } from "./event-id";
import { isServerName, type ServerName } from "./server-name";
import { isOpaqueLocalpart, MAX_ID_BYTES, utf8Length } from "./text";

export type RoomId = Brand<string, "RoomId">;

/** `!` + 43 URL-safe base64 characters (a 32-byte SHA-256 hash without padding). */
const HASH_ROOM_ID = /^![A-Za-z0-9_-]{43}$/;

/** A room ID with a server part (room versions 1 to 11). */
export function parseDomainRoomId(s: string): RoomId | null {
  if (!s.startsWith("!") || utf8Length(s) > MAX_ID_BYTES) return null;
  const colon = s.indexOf(":");
  if (colon < 2) return null;
  if (!isOpaqueLocalpart(s.slice(1, colon)) || !isServerName(s.slice(colon + 1))) return null;
  return s as RoomId;
}

/** A room ID that is a create event's hash (room version 12). */
export function parseHashRoomId(s: string): RoomId | null {
  return HASH_ROOM_ID.test(s) ? (s as RoomId) : null;
}

/** Either form. Use the version-specific parsers when the room version is known. */
export function parseRoomId(s: string): RoomId | null {
  return s.includes(":") ? parseDomainRoomId(s) : parseHashRoomId(s);
}

export function isRoomId(s: string): s is RoomId {
  return parseRoomId(s) !== null;
}

/** The server part of a v1-v11 room ID, or null for a v12 (hash) room ID. */
export function roomIdServerName(id: RoomId): ServerName | null {
  const colon = id.indexOf(":");
  return colon < 0 ? null : (id.slice(colon + 1) as ServerName);
}

/** The v12 room ID of a room whose create event has this (URL-safe base64) event ID. */
export function roomIdFromCreateEventId(createEventId: EventId): RoomId {
  return `!${createEventId.slice(1)}` as RoomId;
}

/** The create event ID a v12 room ID stands for (`$` instead of `!`), or null for a domain room ID. */
export function createEventIdFromRoomId(id: RoomId): EventId | null {
  return id.includes(":") ? null : (`$${id.slice(1)}` as EventId);
}
