/**
 * What clients see (client-server API, "Room Event Format" / ClientEvent, and StrippedStateEvent).
 * Only the fields of the client format are copied: no hashes, signatures, depth or edges.
 */
import type { EventId } from "../ids/event-id";
import type { RoomId } from "../ids/room-id";
import type { UserId } from "../ids/user-id";
import type { JsonObject } from "../json/types";
import type { RoomEvent } from "./types";

export interface ClientEvent {
  event_id: EventId;
  type: string;
  content: JsonObject;
  sender: UserId;
  origin_server_ts: number;
  room_id?: RoomId;
  state_key?: string;
  unsigned?: JsonObject;
  /** m.room.redaction only: the redacted event, at the top level in every room version (for older clients). */
  redacts?: EventId;
}

export interface StrippedStateEvent {
  type: string;
  state_key: string;
  sender: UserId;
  content: JsonObject;
}

export interface ClientEventOptions {
  /** Leave out `room_id` (for /sync, where the room is implied). Default false. */
  readonly withoutRoomId?: boolean;
  /** Server-computed `unsigned` (age, prev_content, redacted_because, transaction_id, membership …). */
  readonly unsigned?: JsonObject | undefined;
}

/**
 * The client format of an event. For m.room.redaction, `redacts` appears both at the top level and
 * in `content`, whatever the room version (rooms/v11.md, "Moving the redacts property").
 */
export function toClientEvent(ev: RoomEvent, options: ClientEventOptions = {}): ClientEvent {
  const out: ClientEvent = {
    event_id: ev.eventId,
    type: ev.type,
    content: ev.content,
    sender: ev.sender,
    origin_server_ts: ev.originServerTs,
  };
  if (!options.withoutRoomId) out.room_id = ev.roomId;
  if (ev.stateKey !== undefined) out.state_key = ev.stateKey;
  if (ev.type === "m.room.redaction" && ev.redacts !== undefined) {
    out.redacts = ev.redacts;
    if (ev.content.redacts === undefined) out.content = { ...ev.content, redacts: ev.redacts };
  }
  if (options.unsigned !== undefined && Object.keys(options.unsigned).length > 0) out.unsigned = options.unsigned;
  return out;
}

/** The stripped form of a state event (invite and knock room state); null for a non-state event. */
export function toStrippedState(
  ev: Pick<RoomEvent, "type" | "stateKey" | "sender" | "content">,
): StrippedStateEvent | null {
  if (ev.stateKey === undefined) return null;
  return { type: ev.type, state_key: ev.stateKey, sender: ev.sender, content: ev.content };
}
