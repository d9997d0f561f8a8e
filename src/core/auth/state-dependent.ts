/**
 * The authorization rules that read room state: checked against the event's auth events, against the
 * state before the event, against the current state (soft failure), and by state resolution's
 * iterative auth checks. `state` answers (type, state_key) lookups; it must include the m.room.create
 * event (in v12 too, although v12 events do not cite it).
 */
import { eventPowerLevel, type RoomPower, roomPower, userPowerLevel } from "../rooms/room-power";
import type { RoomVersionRules } from "../rooms/versions";
import { checkMembership, membershipIn } from "./membership";
import { checkPowerLevelsChange } from "./power-levels-change";
import { ruleNumbers } from "./rule-numbers";
import { ALLOWED, type AuthEvent, type AuthResult, type AuthState, reject, serverPart } from "./types";

type Rules = Pick<RoomVersionRules, "auth" | "strictCanonicalJson">;

export function checkStateDependent(rules: Rules, event: AuthEvent, state: AuthState): AuthResult {
  if (event.type === "m.room.create") return ALLOWED; // fully checked by the state-independent rules
  const n = ruleNumbers(rules.auth);
  const create = state("m.room.create", "");
  if (!create) {
    return reject(
      n.authEvents.noCreate ?? n.roomIdIsCreate ?? n.authEvents.n,
      "create.missing",
      "no m.room.create event",
    );
  }

  if (create.content["m.federate"] === false && serverPart(create.sender) !== serverPart(event.sender)) {
    return reject(n.federate, "federate", "the room does not federate and the sender is on another server");
  }

  if (n.aliases && event.type === "m.room.aliases") {
    if (event.state_key === undefined)
      return reject(n.aliases.noStateKey, "aliases.state_key", "m.room.aliases without state_key");
    if (event.state_key !== serverPart(event.sender)) {
      return reject(n.aliases.wrongDomain, "aliases.domain", "state_key is not the sender's server");
    }
    return ALLOWED;
  }

  const power: RoomPower = roomPower(rules, create, state("m.room.power_levels", "")?.content);

  if (event.type === "m.room.member") return checkMembership(rules, event, state, create, power, n);

  if (membershipIn(state, event.sender) !== "join")
    return reject(n.senderJoined, "sender.not_joined", "the sender is not joined");

  const senderLevel = userPowerLevel(power, event.sender);
  if (event.type === "m.room.third_party_invite") {
    if (senderLevel >= power.levels.invite) return ALLOWED;
    return reject(n.thirdPartyInvite, "third_party_invite.power", "the sender's power level is below the invite level");
  }

  const isState = event.state_key !== undefined;
  const required = eventPowerLevel(power, event.type, isState);
  if (required > senderLevel) {
    return reject(
      n.requiredPower,
      "power.required",
      `${event.type} needs level ${required}, the sender has ${senderLevel}`,
    );
  }
  if (isState && event.state_key.startsWith("@") && event.state_key !== event.sender) {
    return reject(n.userStateKey, "state_key.user", "state_key is another user's ID");
  }

  if (event.type === "m.room.power_levels") {
    const previous = isState ? state(event.type, event.state_key) : undefined;
    const r = checkPowerLevelsChange(rules, event, previous, power, n);
    if (!r.ok) return r;
  }

  if (n.redaction && event.type === "m.room.redaction") {
    if (senderLevel >= power.levels.redact) return ALLOWED;
    const redacts = event.redacts;
    const domain = serverPart(event.event_id);
    if (typeof redacts === "string" && domain !== null && serverPart(redacts) === domain) return ALLOWED;
    return reject(n.redaction.otherwise, "redaction.power", "the sender cannot redact events of other servers");
  }
  return ALLOWED;
}
