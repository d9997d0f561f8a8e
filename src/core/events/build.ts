/**
 * Building a PDU of our own from its parts: the caller (the rooms service) has chosen prev/auth
 * events, depth and timestamp; this puts them in the room version's format, adds the content hash,
 * signs, checks the limits and computes the event ID (and, for a v12 create event, the room ID).
 */
import type { SigningKey } from "../crypto/ed25519";
import type { EventId } from "../ids/event-id";
import { type RoomId, roomIdFromCreateEventId } from "../ids/room-id";
import type { ServerName } from "../ids/server-name";
import type { UserId } from "../ids/user-id";
import { CanonicalJsonError } from "../json/canonical";
import type { JsonObject } from "../json/types";
import type { RoomVersionRules } from "../rooms/versions";
import { eventIdFromReferenceHash, eventIdOf } from "./event-id";
import { hashAndSignNewPdu } from "./signing";
import type { EventHashes, Pdu } from "./types";
import { validatePdu } from "./validate";

export interface PduParts {
  readonly type: string;
  readonly sender: UserId;
  readonly content: JsonObject;
  /** Set for state events (may be ""). */
  readonly stateKey?: string | undefined;
  /** Required, except for the create event of a room version whose room ID derives from it (v12). */
  readonly roomId?: RoomId | undefined;
  readonly prevEvents: readonly EventId[];
  readonly authEvents: readonly EventId[];
  readonly depth: number;
  readonly originServerTs: number;
  /** For m.room.redaction: put at the top level or in `content`, as the room version wants. */
  readonly redacts?: EventId | undefined;
  /** v1/v2 only: the event ID to carry (`$<random>:<our server>`, made by the caller). */
  readonly eventId?: EventId | undefined;
  /** v1/v2 only: the reference hash (`{ sha256 }`) of each prev/auth event, for the `[id, hashes]` pairs. */
  readonly edgeHashes?: ((id: EventId) => EventHashes | undefined) | undefined;
}

export interface Signer {
  readonly serverName: ServerName;
  readonly key: SigningKey;
}

export type BuiltPdu =
  | { readonly ok: true; readonly pdu: Pdu; readonly eventId: EventId; readonly roomId: RoomId }
  | { readonly ok: false; readonly reason: string };

/** Builds, hashes and signs a PDU. Problems with the parts (too large, bad IDs, floats in content) are returned. */
export function buildPdu(parts: PduParts, rules: RoomVersionRules, signer: Signer): BuiltPdu {
  const fail = (reason: string): BuiltPdu => ({ ok: false, reason });
  const f = rules.eventFormat;
  const v12Create = f.roomIdFromCreateEvent && parts.type === "m.room.create";
  if (v12Create && parts.roomId !== undefined) return fail("a create event of this room version has no room_id");
  if (!v12Create && parts.roomId === undefined) return fail("roomId is required");

  let edges: (ids: readonly EventId[]) => unknown[] | string = (ids) => [...ids];
  if (f.edgesAsPairs) {
    if (parts.eventId === undefined) return fail("this room version needs an eventId");
    const lookup = parts.edgeHashes;
    edges = (ids) => {
      const out: unknown[] = [];
      for (const id of ids) {
        const h = lookup?.(id);
        if (h === undefined) return `no reference hash for ${id}`;
        out.push([id, { ...h }]);
      }
      return out;
    };
  }
  const prev = edges(parts.prevEvents);
  if (typeof prev === "string") return fail(prev);
  const auth = edges(parts.authEvents);
  if (typeof auth === "string") return fail(auth);

  const event: Record<string, unknown> = {
    type: parts.type,
    sender: parts.sender,
    content: parts.content,
    origin_server_ts: parts.originServerTs,
    depth: parts.depth,
    prev_events: prev,
    auth_events: auth,
  };
  if (parts.roomId !== undefined) event.room_id = parts.roomId;
  if (parts.stateKey !== undefined) event.state_key = parts.stateKey;
  if (f.edgesAsPairs) event.event_id = parts.eventId;
  if (parts.redacts !== undefined) {
    if (f.redactsInContent) event.content = { ...parts.content, redacts: parts.redacts };
    else event.redacts = parts.redacts;
  }

  let signed: { pdu: object; referenceHash: Uint8Array };
  try {
    signed = hashAndSignNewPdu(event, rules, signer.serverName, signer.key);
  } catch (e) {
    if (e instanceof CanonicalJsonError) return fail(`not representable as canonical JSON: ${e.message}`);
    throw e;
  }
  const checked = validatePdu(signed.pdu, rules);
  if (!checked.ok) return checked;
  const eventId =
    f.eventIdFormat === "domain"
      ? eventIdOf(checked.pdu, rules)!
      : eventIdFromReferenceHash(signed.referenceHash, rules);
  const roomId = v12Create ? roomIdFromCreateEventId(eventId) : parts.roomId!;
  return { ok: true, pdu: checked.pdu, eventId, roomId };
}
