/**
 * PDU shapes per event format (server-server API definitions pdu_v1 … pdu_v12) and a version-neutral
 * view of an event for the code that does not care about the wire format (auth rules, state res).
 *
 * Wire objects keep the spec's field names. Received PDUs may carry fields we do not know; they are
 * kept as they are (they are covered by the content hash), so these types describe only the known ones.
 */

import type { Signatures } from "../crypto/sign-json";
import type { EventId } from "../ids/event-id";
import type { RoomId } from "../ids/room-id";
import type { UserId } from "../ids/user-id";
import type { JsonObject } from "../json/types";

/** `hashes`: at least `sha256`, unpadded standard base64 of the content hash. */
export interface EventHashes {
  sha256: string;
  [algorithm: string]: string;
}

/** `signatures`: server name → key ID → unpadded base64 signature. */
export type { Signatures } from "../crypto/sign-json";

/** Fields every PDU format has. */
export interface PduCommon {
  type: string;
  sender: UserId;
  origin_server_ts: number;
  content: JsonObject;
  /** Present if and only if the event is a state event. */
  state_key?: string;
  depth: number;
  hashes: EventHashes;
  signatures: Signatures;
  unsigned?: JsonObject;
}

/** v1/v2 edges: `[event_id, { sha256: reference hash }]`. */
export type EventReference = [EventId, EventHashes];

/** Room versions 1 and 2: the event ID travels in the PDU; edges carry reference hashes. */
export interface PduV1 extends PduCommon {
  event_id: EventId;
  room_id: RoomId;
  prev_events: EventReference[];
  auth_events: EventReference[];
  redacts?: EventId;
  /** Deprecated; still covered by the v1-v10 redaction algorithm when present. */
  origin?: string;
}

/** Room version 3 (and, with URL-safe event IDs, 4 to 10): event IDs are reference hashes, edges are IDs. */
export interface PduV3 extends PduCommon {
  room_id: RoomId;
  prev_events: EventId[];
  auth_events: EventId[];
  redacts?: EventId;
  origin?: string;
}

/** Room versions 4 to 10: same shape as v3. */
export type PduV4 = PduV3;

/** Room version 11: `redacts` moves into `content` of m.room.redaction; `origin` is gone. */
export interface PduV11 extends PduCommon {
  room_id: RoomId;
  prev_events: EventId[];
  auth_events: EventId[];
}

/** Room version 12: the m.room.create event has no `room_id` (the room ID derives from its hash). */
export interface PduV12 extends PduCommon {
  room_id?: RoomId;
  prev_events: EventId[];
  auth_events: EventId[];
}

export type Pdu = PduV1 | PduV3 | PduV11 | PduV12;

/**
 * A PDU seen through the fields that auth rules, state resolution and the rooms service need, the
 * same for every room version. Build it with `roomEventOf` (core/events/view.ts). `pdu` is the object
 * it was made from; do not mutate either.
 */
export interface RoomEvent {
  readonly eventId: EventId;
  readonly roomId: RoomId;
  readonly type: string;
  /** undefined for a message (non-state) event. */
  readonly stateKey: string | undefined;
  readonly sender: UserId;
  readonly content: JsonObject;
  readonly originServerTs: number;
  readonly depth: number;
  readonly prevEvents: readonly EventId[];
  readonly authEvents: readonly EventId[];
  /** The redacted event's ID for m.room.redaction (top level before v11, `content.redacts` from v11). */
  readonly redacts: EventId | undefined;
  readonly pdu: Pdu;
}
