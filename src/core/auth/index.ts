/**
 * Authorization rules of every room version (rooms/v1.md ... v12.md; server-server API "Checks
 * performed on receipt of a PDU"). Split as the checks are run:
 * - `checkStateIndependent`: once per event (create rules, auth events, restricted-join signature);
 * - `checkStateDependent`: against a state (the auth events, the state before, the current state).
 * `checkAuthEvents` does both against the event's own auth events (receipt step 4).
 */
import type { RoomVersionRules } from "../rooms/versions";
import { checkStateDependent } from "./state-dependent";
import { checkStateIndependent, createEventIdOfRoom, type StateIndependentContext } from "./state-independent";
import { type AuthEvent, type AuthResult, authStateOf, edgeIds } from "./types";

export * from "./auth-events-selection";
export { checkCreateEvent } from "./create";
export { membershipIn } from "./membership";
export { checkPowerLevelsContent } from "./power-levels-change";
export { type RuleNumbers, ruleNumbers } from "./rule-numbers";
export { checkStateDependent } from "./state-dependent";
export * from "./state-independent";
export { thirdPartyInvitePublicKeys, verifyThirdPartyInviteSigned } from "./third-party-invite";
export * from "./types";

/**
 * The state the auth events define: the event's auth events (and in v12 the create event its room ID
 * names), looked up through `fetchEvent`. Unknown IDs are skipped.
 */
export function authEventsState(
  rules: Pick<RoomVersionRules, "auth">,
  event: AuthEvent,
  fetchEvent: (eventId: string) => AuthEvent | undefined,
) {
  const events: AuthEvent[] = [];
  if (rules.auth.roomIdIsCreateEventId && event.type !== "m.room.create") {
    const createId = createEventIdOfRoom(event.room_id);
    const create = createId === null ? undefined : fetchEvent(createId);
    if (create) events.push(create);
  }
  for (const id of edgeIds(event.auth_events)) {
    const e = fetchEvent(id);
    if (e) events.push(e);
  }
  return authStateOf(events);
}

/** Receipt step 4: the state-independent rules, then the state-dependent ones against the event's auth events. */
export function checkAuthEvents(
  rules: Pick<RoomVersionRules, "auth" | "strictCanonicalJson">,
  event: AuthEvent,
  ctx: StateIndependentContext,
): AuthResult {
  const r = checkStateIndependent(rules, event, ctx);
  if (!r.ok) return r;
  return checkStateDependent(rules, event, authEventsState(rules, event, ctx.fetchEvent));
}
