/**
 * Auth events selection (server-server API, "Auth events selection"): which state events an event
 * cites as `auth_events`. Used when building events, and by auth rule "auth_events must match the
 * selection" and by state resolution (which state keys an event needs to be authorised).
 */
import type { RoomVersionRules } from "../rooms/versions";

/** The fields of an event (built or received) that the selection reads. */
export interface SelectionInput {
  readonly type: string;
  readonly state_key?: string;
  readonly sender: string;
  readonly content: Readonly<Record<string, unknown>>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The `third_party_invite.signed.token` of an invite, if it is a string. */
export function thirdPartyInviteToken(content: Readonly<Record<string, unknown>>): string | undefined {
  const tpi = content.third_party_invite;
  if (!isObject(tpi) || !isObject(tpi.signed)) return undefined;
  const token = tpi.signed.token;
  return typeof token === "string" ? token : undefined;
}

/**
 * The (type, state_key) pairs an event may cite as auth events, in the spec's order. Empty for
 * m.room.create. Lenient: a membership or token of the wrong type just selects less.
 */
export function authTypesForEvent(
  rules: Pick<RoomVersionRules, "auth">,
  event: SelectionInput,
): Array<[type: string, stateKey: string]> {
  if (event.type === "m.room.create") return [];
  const out: Array<[string, string]> = [];
  if (rules.auth.createInAuthEvents) out.push(["m.room.create", ""]);
  out.push(["m.room.power_levels", ""]);
  out.push(["m.room.member", event.sender]);
  if (event.type === "m.room.member" && event.state_key !== undefined) {
    const membership = event.content.membership;
    if (event.state_key !== event.sender) out.push(["m.room.member", event.state_key]);
    if (membership === "join" || membership === "invite" || membership === "knock") {
      out.push(["m.room.join_rules", ""]);
    }
    if (membership === "invite" && "third_party_invite" in event.content) {
      const token = thirdPartyInviteToken(event.content);
      if (token !== undefined) out.push(["m.room.third_party_invite", token]);
    }
    if (membership === "join" && rules.auth.restrictedJoinRule) {
      const via = event.content.join_authorised_via_users_server;
      if (typeof via === "string" && via !== event.sender) out.push(["m.room.member", via]);
    }
  }
  return out;
}

/**
 * The auth events an event being built should cite: the selected keys that exist in the current state.
 * `currentState(type, stateKey)` returns the event ID in the room's current state, if any.
 */
export function authEventsSelection(
  rules: Pick<RoomVersionRules, "auth">,
  event: SelectionInput,
  currentState: (type: string, stateKey: string) => string | undefined,
): string[] {
  const ids: string[] = [];
  for (const [type, stateKey] of authTypesForEvent(rules, event)) {
    const id = currentState(type, stateKey);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
