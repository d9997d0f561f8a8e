/**
 * "Is a valid event" (server-server API, "Checks performed on receipt of a PDU", step 1): the shape
 * of a PDU in the room version's event format, with the identifier grammars and size limits.
 * Only the envelope is checked; `content` is whatever object the sender put there (auth rules read it
 * leniently). Unknown top-level fields are kept.
 */
import { parseEventIdFor } from "../ids/event-id";
import { parseDomainRoomId, parseHashRoomId } from "../ids/room-id";
import { parseUserId } from "../ids/user-id";
import { isJsonObject } from "../json/types";
import type { RoomVersionRules } from "../rooms/versions";
import { checkPduSize, MAX_AUTH_EVENTS, MAX_DEPTH_VALUE, MAX_PREV_EVENTS } from "./limits";
import type { Pdu } from "./types";

export type PduCheck = { readonly ok: true; readonly pdu: Pdu } | { readonly ok: false; readonly reason: string };

function isStringMap(v: unknown): boolean {
  return isJsonObject(v) && Object.values(v).every((s) => typeof s === "string");
}

function checkEdges(v: unknown, name: string, max: number, rules: RoomVersionRules): string | null {
  if (!Array.isArray(v)) return `${name} must be an array`;
  if (v.length > max) return `${name} has more than ${max} entries`;
  const format = rules.eventFormat.eventIdFormat;
  for (const e of v) {
    if (rules.eventFormat.edgesAsPairs) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== "string" || !isJsonObject(e[1]))
        return `${name} entries must be [event_id, hashes] pairs`;
      if (parseEventIdFor(e[0], format) === null) return `${name} holds an invalid event ID`;
      if (!isStringMap(e[1])) return `${name} holds invalid hashes`;
    } else if (typeof e !== "string" || parseEventIdFor(e, format) === null) {
      return `${name} must hold event IDs of this room version`;
    }
  }
  return null;
}

function isSafeInt(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v);
}

/** Checks `value` against the event format of `rules`; on success it is returned typed (same object). */
export function validatePdu(value: unknown, rules: RoomVersionRules): PduCheck {
  const fail = (reason: string): PduCheck => ({ ok: false, reason });
  if (!isJsonObject(value)) return fail("a PDU must be a JSON object");
  const v = value;
  if (typeof v.type !== "string") return fail("type must be a string");
  if (typeof v.sender !== "string" || parseUserId(v.sender) === null) return fail("sender must be a user ID");
  if (!isSafeInt(v.origin_server_ts)) return fail("origin_server_ts must be an integer");
  if (!isJsonObject(v.content)) return fail("content must be an object");
  if (v.state_key !== undefined && typeof v.state_key !== "string") return fail("state_key must be a string");
  if (!isSafeInt(v.depth) || v.depth < 0 || v.depth > MAX_DEPTH_VALUE)
    return fail("depth must be a non-negative integer");
  if (!isStringMap(v.hashes) || typeof (v.hashes as Record<string, unknown>).sha256 !== "string")
    return fail("hashes must hold a sha256 string");
  if (!isJsonObject(v.signatures) || !Object.values(v.signatures).every(isStringMap))
    return fail("signatures must map server names to key IDs to strings");
  if (v.unsigned !== undefined && !isJsonObject(v.unsigned)) return fail("unsigned must be an object");

  const createWithoutRoom = rules.eventFormat.roomIdFromCreateEvent && v.type === "m.room.create";
  if (v.room_id === undefined) {
    if (!createWithoutRoom) return fail("room_id is required");
  } else {
    const parse = rules.eventFormat.roomIdFromCreateEvent ? parseHashRoomId : parseDomainRoomId;
    if (typeof v.room_id !== "string" || parse(v.room_id) === null)
      return fail("room_id is not a room ID of this room version");
  }
  if (rules.eventFormat.eventIdFormat === "domain") {
    if (typeof v.event_id !== "string" || parseEventIdFor(v.event_id, "domain") === null)
      return fail("event_id is required in this room version");
  }
  const prev = checkEdges(v.prev_events, "prev_events", MAX_PREV_EVENTS, rules);
  if (prev !== null) return fail(prev);
  const auth = checkEdges(v.auth_events, "auth_events", MAX_AUTH_EVENTS, rules);
  if (auth !== null) return fail(auth);
  if (v.type === "m.room.redaction") {
    const r = rules.eventFormat.redactsInContent ? v.content.redacts : v.redacts;
    if (r !== undefined && (typeof r !== "string" || parseEventIdFor(r, rules.eventFormat.eventIdFormat) === null))
      return fail("redacts must be an event ID");
  }
  const size = checkPduSize(v);
  if (size !== null) return fail(size);
  return { ok: true, pdu: v as unknown as Pdu };
}
