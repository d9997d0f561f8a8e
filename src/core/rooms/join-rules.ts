/**
 * Lenient reader for `m.room.join_rules` content (client-server API, m.room.join_rules and
 * "Restricted rooms"). Without a join rules event, or without `join_rule`, the rule is `invite`
 * (what the auth rules assume).
 */
import type { RoomVersionRules } from "./versions";

export type KnownJoinRule = "public" | "invite" | "knock" | "restricted" | "knock_restricted" | "private";

/** One entry of `allow` that we understand: membership of another room. Unknown types are skipped. */
export interface AllowRoomMembership {
  readonly type: "m.room_membership";
  readonly roomId: string;
}

export interface JoinRules {
  /**
   * The rule as written. A value that is not a string reads as "" (a rule nobody can join by), so that it
   * never matches a known rule.
   */
  readonly joinRule: KnownJoinRule | (string & {});
  /** `allow` conditions, only for room versions with restricted join rules. */
  readonly allow: readonly AllowRoomMembership[];
}

const DEFAULT: JoinRules = { joinRule: "invite", allow: [] };

export function readJoinRules(rules: Pick<RoomVersionRules, "auth">, content: unknown): JoinRules {
  if (typeof content !== "object" || content === null || Array.isArray(content)) return DEFAULT;
  const c = content as Record<string, unknown>;
  const raw = c.join_rule;
  const joinRule = raw === undefined ? "invite" : typeof raw === "string" ? raw : "";
  const allow: AllowRoomMembership[] = [];
  if (rules.auth.restrictedJoinRule && Array.isArray(c.allow)) {
    for (const a of c.allow) {
      if (typeof a !== "object" || a === null) continue;
      const entry = a as Record<string, unknown>;
      if (entry.type === "m.room_membership" && typeof entry.room_id === "string") {
        allow.push({ type: "m.room_membership", roomId: entry.room_id });
      }
    }
  }
  return { joinRule, allow };
}

/** True when this join rule lets members of the `allow` rooms join (restricted, and knock_restricted from v10). */
export function isRestrictedJoinRule(rules: Pick<RoomVersionRules, "auth">, joinRule: string): boolean {
  return (
    (rules.auth.restrictedJoinRule && joinRule === "restricted") ||
    (rules.auth.knockRestrictedJoinRule && joinRule === "knock_restricted")
  );
}

/** True when this join rule lets users knock (knock from v7, knock_restricted from v10). */
export function isKnockJoinRule(rules: Pick<RoomVersionRules, "auth">, joinRule: string): boolean {
  return (
    (rules.auth.knocking && joinRule === "knock") ||
    (rules.auth.knockRestrictedJoinRule && joinRule === "knock_restricted")
  );
}
