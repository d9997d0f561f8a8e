/** Matrix identifiers: branded types and their parsers (zod adapters are in ./zod). */
export type { Brand } from "./brand";
export * from "./device-id";
export * from "./event-id";
export * from "./key-id";
export * from "./mxc";
export * from "./room-alias";
export * from "./room-id";
export * from "./room-version-id";
export * from "./server-name";
export { isWellFormedText, MAX_ID_BYTES, utf8Length } from "./text";
export * from "./user-id";

import { type EventId, eventIdServerName } from "./event-id";
import { aliasServerName, type RoomAlias } from "./room-alias";
import { type RoomId, roomIdServerName } from "./room-id";
import type { ServerName } from "./server-name";
import { type UserId, userServerName } from "./user-id";

/** The server part of an identifier; null for room and event IDs that have none (hash forms). */
export function serverNameOf(id: UserId | RoomAlias): ServerName;
export function serverNameOf(id: RoomId | EventId): ServerName | null;
export function serverNameOf(id: UserId | RoomAlias | RoomId | EventId): ServerName | null {
  switch (id[0]) {
    case "@":
      return userServerName(id as UserId);
    case "#":
      return aliasServerName(id as RoomAlias);
    case "!":
      return roomIdServerName(id as RoomId);
    default:
      return eventIdServerName(id as EventId);
  }
}
