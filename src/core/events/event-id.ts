/**
 * Event IDs per room version: v1/v2 carry theirs in the PDU (`event_id`), later versions derive it
 * from the reference hash ('$' + standard base64 in v3, URL-safe base64 from v4).
 */
import type { EventId } from "../ids/event-id";
import { type RoomId, roomIdFromCreateEventId } from "../ids/room-id";
import { encodeBase64, encodeBase64Url } from "../json/base64";
import type { RoomVersionRules } from "../rooms/versions";
import { referenceHash } from "./hashes";

/** '$' + the reference hash, encoded for this room version. Not meaningful for v1/v2 (see `eventIdOf`). */
export function referenceHashEventId(
  event: object,
  rules: Pick<RoomVersionRules, "redaction" | "eventFormat">,
): EventId {
  return eventIdFromReferenceHash(referenceHash(event, rules), rules);
}

/** '$' + a reference hash already computed, encoded for this room version (v3 and later). */
export function eventIdFromReferenceHash(hash: Uint8Array, rules: Pick<RoomVersionRules, "eventFormat">): EventId {
  const encoded = rules.eventFormat.eventIdFormat === "base64" ? encodeBase64(hash) : encodeBase64Url(hash);
  return `$${encoded}` as EventId;
}

/**
 * The event's ID: `event_id` from the PDU in v1/v2 (null if it has none), the reference hash otherwise.
 * Throws CanonicalJsonError for events that canonical JSON cannot encode.
 */
export function eventIdOf(event: object, rules: Pick<RoomVersionRules, "redaction" | "eventFormat">): EventId | null {
  if (rules.eventFormat.eventIdFormat === "domain") {
    const id = (event as { event_id?: unknown }).event_id;
    return typeof id === "string" ? (id as EventId) : null;
  }
  return referenceHashEventId(event, rules);
}

/** v12: the room ID a create event defines ('!' + its event ID without '$'). */
export function roomIdOfCreateEvent(
  createEvent: object,
  rules: Pick<RoomVersionRules, "redaction" | "eventFormat">,
): RoomId {
  return roomIdFromCreateEventId(referenceHashEventId(createEvent, rules));
}
