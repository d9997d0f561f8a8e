/**
 * Auth rules for m.room.member events (rule 5 in v1-v5, 4 in v6-v11, 5 in v12): join, invite
 * (including third-party invites), leave, ban, knock, and restricted joins via
 * `join_authorised_via_users_server`. The signature part of the restricted-join rule is
 * state-independent (state-independent.ts).
 */
import { isKnockJoinRule, isRestrictedJoinRule, readJoinRules } from "../rooms/join-rules";
import { type RoomPower, userPowerLevel } from "../rooms/room-power";
import type { RoomVersionRules } from "../rooms/versions";
import type { RuleNumbers } from "./rule-numbers";
import { thirdPartyInvitePublicKeys, verifyThirdPartyInviteSigned } from "./third-party-invite";
import { ALLOWED, type AuthEvent, type AuthResult, type AuthState, edgeIds, reject } from "./types";

/** The membership of a user in the state ("leave" when there is no member event). */
export function membershipIn(state: AuthState, userId: string): string {
  const m = state("m.room.member", userId)?.content.membership;
  return typeof m === "string" ? m : "leave";
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function checkMembership(
  rules: Pick<RoomVersionRules, "auth">,
  event: AuthEvent,
  state: AuthState,
  create: AuthEvent,
  power: RoomPower,
  numbers: RuleNumbers,
): AuthResult {
  const n = numbers.member;
  const target = event.state_key;
  const membership = event.content.membership;
  if (target === undefined || !("membership" in event.content)) {
    return reject(n.missing, "member.missing", "member event without state_key or content.membership");
  }
  const sender = event.sender;
  const senderMembership = membershipIn(state, sender);
  const targetMembership = membershipIn(state, target);
  const joinRule = readJoinRules(rules, state("m.room.join_rules", "")?.content).joinRule;
  const senderLevel = userPowerLevel(power, sender);

  switch (membership) {
    case "join": {
      const j = n.join;
      const prev = edgeIds(event.prev_events);
      const creator = rules.auth.creatorInContent ? create.content.creator : create.sender;
      if (prev.length === 1 && prev[0] === create.event_id && target === creator) return ALLOWED;
      if (sender !== target) return reject(j.notSelf, "member.join.not_self", "cannot join on behalf of another user");
      if (senderMembership === "ban") return reject(j.banned, "member.join.banned", "the sender is banned");
      const invitedOrJoined = senderMembership === "invite" || senderMembership === "join";
      if (joinRule === "invite" || (rules.auth.knocking && joinRule === "knock")) {
        if (invitedOrJoined) return ALLOWED;
        return reject(j.otherwise, "member.join.not_invited", `join rule is ${joinRule} and the user is not invited`);
      }
      if (j.restricted && isRestrictedJoinRule(rules, joinRule)) {
        if (invitedOrJoined) return ALLOWED;
        const via = event.content.join_authorised_via_users_server;
        if (typeof via !== "string") {
          return reject(
            j.restricted.reject,
            "member.join.restricted",
            "restricted join without join_authorised_via_users_server",
          );
        }
        if (membershipIn(state, via) !== "join" || userPowerLevel(power, via) < power.levels.invite) {
          return reject(
            j.restricted.reject,
            "member.join.restricted",
            "join_authorised_via_users_server is not a joined member able to invite",
          );
        }
        return ALLOWED;
      }
      if (joinRule === "public") return ALLOWED;
      return reject(
        j.otherwise,
        "member.join.otherwise",
        `join rule ${JSON.stringify(joinRule)} does not allow joining`,
      );
    }

    case "invite": {
      const i = n.invite;
      if ("third_party_invite" in event.content) {
        const t = i.thirdParty;
        if (targetMembership === "ban") return reject(`${t}.1`, "member.invite.3pid.banned", "the target is banned");
        const tpi = event.content.third_party_invite;
        const signed = isObject(tpi) ? tpi.signed : undefined;
        if (!isObject(signed))
          return reject(`${t}.2`, "member.invite.3pid.signed", "third_party_invite has no signed object");
        if (typeof signed.mxid !== "string" || typeof signed.token !== "string") {
          return reject(`${t}.3`, "member.invite.3pid.mxid_token", "signed has no mxid and token");
        }
        if (signed.mxid !== target)
          return reject(`${t}.4`, "member.invite.3pid.mxid", "signed.mxid does not match the state key");
        const invite = state("m.room.third_party_invite", signed.token);
        if (!invite)
          return reject(`${t}.5`, "member.invite.3pid.no_invite", "no m.room.third_party_invite for the token");
        if (invite.sender !== sender) {
          return reject(
            `${t}.6`,
            "member.invite.3pid.sender",
            "sender differs from the m.room.third_party_invite sender",
          );
        }
        if (verifyThirdPartyInviteSigned(signed, thirdPartyInvitePublicKeys(invite.content))) return ALLOWED;
        return reject(
          `${t}.8`,
          "member.invite.3pid.signature",
          "no signature of signed matches the invite's public keys",
        );
      }
      if (senderMembership !== "join")
        return reject(i.notJoined, "member.invite.sender_not_joined", "the sender is not joined");
      if (targetMembership === "join" || targetMembership === "ban") {
        return reject(i.targetJoinedOrBanned, "member.invite.target", `the target is ${targetMembership}`);
      }
      if (senderLevel >= power.levels.invite) return ALLOWED;
      return reject(i.otherwise, "member.invite.power", "the sender's power level is below the invite level");
    }

    case "leave": {
      const l = n.leave;
      if (sender === target) {
        if (
          senderMembership === "invite" ||
          senderMembership === "join" ||
          (rules.auth.knocking && senderMembership === "knock")
        ) {
          return ALLOWED;
        }
        return reject(l.self, "member.leave.self", `cannot leave with membership ${senderMembership}`);
      }
      if (senderMembership !== "join")
        return reject(l.notJoined, "member.leave.sender_not_joined", "the sender is not joined");
      if (targetMembership === "ban" && senderLevel < power.levels.ban) {
        return reject(l.unban, "member.leave.unban", "the sender's power level is below the ban level");
      }
      if (senderLevel >= power.levels.kick && userPowerLevel(power, target) < senderLevel) return ALLOWED;
      return reject(l.otherwise, "member.leave.power", "the sender cannot kick the target");
    }

    case "ban": {
      const b = n.ban;
      if (senderMembership !== "join")
        return reject(b.notJoined, "member.ban.sender_not_joined", "the sender is not joined");
      if (senderLevel >= power.levels.ban && userPowerLevel(power, target) < senderLevel) return ALLOWED;
      return reject(b.otherwise, "member.ban.power", "the sender cannot ban the target");
    }

    case "knock": {
      const k = n.knock;
      if (!k) break;
      if (!isKnockJoinRule(rules, joinRule)) {
        return reject(
          k.joinRule,
          "member.knock.join_rule",
          `join rule ${JSON.stringify(joinRule)} does not allow knocking`,
        );
      }
      if (sender !== target)
        return reject(k.notSelf, "member.knock.not_self", "cannot knock on behalf of another user");
      if (senderMembership !== "ban" && senderMembership !== "invite" && senderMembership !== "join") return ALLOWED;
      return reject(k.otherwise, "member.knock.membership", `cannot knock with membership ${senderMembership}`);
    }
  }
  return reject(n.unknown, "member.unknown", `unknown membership ${JSON.stringify(membership)}`);
}
