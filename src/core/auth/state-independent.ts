/**
 * The authorization rules that do not depend on room state (checked once per event, on receipt):
 * rule 1 (create events), v12 rule 2 (room ID is an accepted create event), the auth events rule
 * (duplicates, selection, rejected, create present, same room) and, from v8, the signature of the
 * server that authorised a restricted join.
 */
import type { RoomVersionRules } from "../rooms/versions";
import { authTypesForEvent } from "./auth-events-selection";
import { checkCreateEvent } from "./create";
import { ruleNumbers } from "./rule-numbers";
import { ALLOWED, type AuthEvent, type AuthResult, edgeIds, reject, serverPart, stateMapKey } from "./types";

export interface StateIndependentContext {
  /** An event by ID: the event's auth events and, in v12, the create event its room ID names. */
  fetchEvent(eventId: string): AuthEvent | undefined;
  /** True when the event was rejected by the checks performed on receipt of a PDU. */
  isRejected(eventId: string): boolean;
  /**
   * True when the event carries a valid signature of this server. Signatures are verified by the
   * signature checks on receipt (which must include the server of `join_authorised_via_users_server`,
   * see `joinAuthorisingServer`); by default this only looks for a signature from the server.
   */
  isSignedBy?(event: AuthEvent, serverName: string): boolean;
}

/** True when `event.signatures` holds at least one signature from the server. */
export function hasSignatureFrom(event: AuthEvent, serverName: string): boolean {
  const block = event.signatures?.[serverName];
  return typeof block === "object" && block !== null && Object.keys(block).length > 0;
}

/**
 * The server whose signature a member event needs besides the sender's: the server of
 * `content.join_authorised_via_users_server` (v8+). Null when there is none.
 */
export function joinAuthorisingServer(rules: Pick<RoomVersionRules, "auth">, event: AuthEvent): string | null {
  if (!rules.auth.restrictedJoinRule || event.type !== "m.room.member") return null;
  const via = event.content.join_authorised_via_users_server;
  return typeof via === "string" ? serverPart(via) : null;
}

/** The v12 create event ID a room ID names (`!x` -> `$x`), or null if the room ID cannot be one. */
export function createEventIdOfRoom(roomId: string | undefined): string | null {
  return typeof roomId === "string" && roomId.startsWith("!") && !roomId.includes(":") ? `$${roomId.slice(1)}` : null;
}

export function checkStateIndependent(
  rules: Pick<RoomVersionRules, "auth">,
  event: AuthEvent,
  ctx: StateIndependentContext,
): AuthResult {
  if (event.type === "m.room.create") return checkCreateEvent(rules, event);
  const n = ruleNumbers(rules.auth);

  if (rules.auth.roomIdIsCreateEventId) {
    const createId = createEventIdOfRoom(event.room_id);
    const create = createId === null ? undefined : ctx.fetchEvent(createId);
    if (create?.type !== "m.room.create" || create.state_key !== "" || ctx.isRejected(create.event_id)) {
      return reject(n.roomIdIsCreate!, "room_id.create", "room ID does not name an accepted m.room.create event");
    }
  }

  const a = n.authEvents;
  const authEvents: AuthEvent[] = [];
  for (const id of edgeIds(event.auth_events)) {
    const ae = ctx.fetchEvent(id);
    if (!ae) return reject(a.n, "auth_events.unknown", `auth event ${id} is unknown`);
    authEvents.push(ae);
  }
  const seen = new Set<string>();
  for (const ae of authEvents) {
    if (ae.state_key === undefined) continue; // not state: caught as unexpected below
    const k = stateMapKey(ae.type, ae.state_key);
    if (seen.has(k))
      return reject(a.duplicate, "auth_events.duplicate", `two auth events for ${ae.type} ${ae.state_key}`);
    seen.add(k);
  }
  const expected = new Set(authTypesForEvent(rules, event).map(([t, s]) => stateMapKey(t, s)));
  for (const ae of authEvents) {
    if (ae.state_key === undefined || !expected.has(stateMapKey(ae.type, ae.state_key))) {
      return reject(a.unexpected, "auth_events.unexpected", `auth event ${ae.event_id} (${ae.type}) is not expected`);
    }
  }
  for (const ae of authEvents) {
    if (ctx.isRejected(ae.event_id))
      return reject(a.rejected, "auth_events.rejected", `auth event ${ae.event_id} was rejected`);
  }
  if (rules.auth.createInAuthEvents && !authEvents.some((ae) => ae.type === "m.room.create" && ae.state_key === "")) {
    return reject(a.noCreate!, "auth_events.no_create", "no m.room.create among the auth events");
  }
  for (const ae of authEvents) {
    if (ae.room_id !== event.room_id) {
      return reject(a.wrongRoom, "auth_events.wrong_room", `auth event ${ae.event_id} belongs to another room`);
    }
  }

  if (
    rules.auth.restrictedJoinRule &&
    event.type === "m.room.member" &&
    "join_authorised_via_users_server" in event.content
  ) {
    const server = joinAuthorisingServer(rules, event);
    const signed =
      server !== null && (ctx.isSignedBy ? ctx.isSignedBy(event, server) : hasSignatureFrom(event, server));
    if (!signed) {
      return reject(
        n.member.authorisedVia!,
        "member.authorised_via.signature",
        "not signed by the server of join_authorised_via_users_server",
      );
    }
  }
  return ALLOWED;
}
