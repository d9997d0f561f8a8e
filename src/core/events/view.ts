/** Version-neutral accessors over PDUs, and the `RoomEvent` view built from them. */
import type { EventId } from "../ids/event-id";
import { type RoomId, roomIdFromCreateEventId } from "../ids/room-id";
import type { RoomVersionRules } from "../rooms/versions";
import { eventIdOf } from "./event-id";
import type { EventReference, Pdu, RoomEvent } from "./types";

type Edges = readonly (EventId | EventReference)[];

function edgeIds(edges: Edges): EventId[] {
  return edges.map((e) => (typeof e === "string" ? e : e[0]));
}

/** `prev_events` as event IDs, whatever the format. */
export function prevEventIds(pdu: Pdu): EventId[] {
  return edgeIds(pdu.prev_events as Edges);
}

/** `auth_events` as event IDs, whatever the format. */
export function authEventIds(pdu: Pdu): EventId[] {
  return edgeIds(pdu.auth_events as Edges);
}

/** The event an m.room.redaction redacts: top-level `redacts` before v11, `content.redacts` from v11. */
export function redactsOf(pdu: Pdu, rules: Pick<RoomVersionRules, "eventFormat">): EventId | undefined {
  if (pdu.type !== "m.room.redaction") return undefined;
  const v = rules.eventFormat.redactsInContent ? pdu.content.redacts : (pdu as { redacts?: unknown }).redacts;
  return typeof v === "string" ? (v as EventId) : undefined;
}

/** The PDU's room: its `room_id`, or for a v12 create event the ID derived from its own event ID. */
export function roomIdOf(pdu: Pdu, eventId: EventId, rules: Pick<RoomVersionRules, "eventFormat">): RoomId {
  if (pdu.room_id !== undefined) return pdu.room_id;
  if (rules.eventFormat.roomIdFromCreateEvent && pdu.type === "m.room.create") return roomIdFromCreateEventId(eventId);
  throw new TypeError("PDU has no room_id");
}

/**
 * The version-neutral view of a PDU that has passed `validatePdu`. `eventId` may be given when it is
 * already known (saves hashing); otherwise it is computed.
 */
export function roomEventOf(pdu: Pdu, rules: RoomVersionRules, eventId?: EventId): RoomEvent {
  const id = eventId ?? eventIdOf(pdu, rules);
  if (id === null) throw new TypeError("v1/v2 PDU has no event_id");
  return {
    eventId: id,
    roomId: roomIdOf(pdu, id, rules),
    type: pdu.type,
    stateKey: pdu.state_key,
    sender: pdu.sender,
    content: pdu.content,
    originServerTs: pdu.origin_server_ts,
    depth: pdu.depth,
    prevEvents: prevEventIds(pdu),
    authEvents: authEventIds(pdu),
    redacts: redactsOf(pdu, rules),
    pdu,
  };
}
