/**
 * Event IDs (appendices, "Event IDs"; rooms/v1, v3, v4):
 * - room versions 1-2: `$opaque_id:server_name`, carried in the PDU;
 * - room version 3:    `$` + reference hash in standard unpadded base64 (43 characters);
 * - room versions 4+:  `$` + reference hash in URL-safe unpadded base64 (43 characters).
 * At most 255 bytes.
 */
import type { Brand } from "./brand";
import { isServerName, type ServerName } from "./server-name";
import { isOpaqueLocalpart, MAX_ID_BYTES, utf8Length } from "./text";

export type EventId = Brand<string, "EventId">;

/** Mirrors `EventFormatRules.eventIdFormat` in core/rooms/versions.ts. */
export type EventIdFormat = "domain" | "base64" | "base64url";

const BASE64_ID = /^\$[A-Za-z0-9+/]{43}$/;
const BASE64URL_ID = /^\$[A-Za-z0-9_-]{43}$/;

function isDomainEventId(s: string): boolean {
  if (!s.startsWith("$") || utf8Length(s) > MAX_ID_BYTES) return false;
  const colon = s.indexOf(":");
  return colon >= 2 && isOpaqueLocalpart(s.slice(1, colon)) && isServerName(s.slice(colon + 1));
}

/** An event ID in the given room version's format. */
export function parseEventIdFor(s: string, format: EventIdFormat): EventId | null {
  switch (format) {
    case "domain":
      return isDomainEventId(s) ? (s as EventId) : null;
    case "base64":
      return BASE64_ID.test(s) ? (s as EventId) : null;
    case "base64url":
      return BASE64URL_ID.test(s) ? (s as EventId) : null;
  }
}

/** An event ID in any room version's format (for paths and bodies where the room is not yet known). */
export function parseEventId(s: string): EventId | null {
  if (s.includes(":")) return isDomainEventId(s) ? (s as EventId) : null;
  return BASE64_ID.test(s) || BASE64URL_ID.test(s) ? (s as EventId) : null;
}

export function isEventId(s: string): s is EventId {
  return parseEventId(s) !== null;
}

/** The server part of a v1/v2 event ID, or null for a hash event ID. */
export function eventIdServerName(id: EventId): ServerName | null {
  const colon = id.indexOf(":");
  return colon < 0 ? null : (id.slice(colon + 1) as ServerName);
}
