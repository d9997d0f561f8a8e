/**
 * The server-default push rules (client-server API, "Predefined Rules"), in the spec's order. The
 * legacy mention rules (.m.rule.contains_display_name, .m.rule.contains_user_name, .m.rule.roomnotif)
 * were dropped from the spec in v1.17; they are kept for clients that do not send `m.mentions`, and
 * skipped for events that carry `m.mentions` (intentional mentions, MSC3952), as the spec describes
 * for legacy mentions.
 */
import type { PushRule, PushRuleset } from "./types";

/** Rule IDs that only apply to events without `content.m.mentions`. */
export const LEGACY_MENTION_RULES: ReadonlySet<string> = new Set([
  ".m.rule.contains_display_name",
  ".m.rule.contains_user_name",
  ".m.rule.roomnotif",
]);

const sound = (value: string) => ({ set_tweak: "sound", value });
const highlight = { set_tweak: "highlight" };
const match = (key: string, pattern: string) => ({ kind: "event_match", key, pattern });

export function defaultPushRules(userId: string): PushRuleset {
  const localpart = userId.startsWith("@")
    ? userId.slice(1, userId.indexOf(":") === -1 ? undefined : userId.indexOf(":"))
    : userId;
  const rule = (
    rule_id: string,
    conditions: PushRule["conditions"],
    actions: PushRule["actions"],
    enabled = true,
  ): PushRule => ({
    rule_id,
    default: true,
    enabled,
    conditions: conditions ?? [],
    actions,
  });
  return {
    override: [
      rule(".m.rule.master", [], [], false),
      rule(".m.rule.suppress_notices", [match("content.msgtype", "m.notice")], []),
      rule(
        ".m.rule.invite_for_me",
        [match("type", "m.room.member"), match("content.membership", "invite"), match("state_key", userId)],
        ["notify", sound("default")],
      ),
      rule(".m.rule.member_event", [match("type", "m.room.member")], []),
      rule(
        ".m.rule.is_user_mention",
        [{ kind: "event_property_contains", key: "content.m\\.mentions.user_ids", value: userId }],
        ["notify", sound("default"), highlight],
      ),
      rule(
        ".m.rule.contains_display_name",
        [{ kind: "contains_display_name" }],
        ["notify", sound("default"), highlight],
      ),
      rule(
        ".m.rule.is_room_mention",
        [
          { kind: "event_property_is", key: "content.m\\.mentions.room", value: true },
          { kind: "sender_notification_permission", key: "room" },
        ],
        ["notify", highlight],
      ),
      rule(
        ".m.rule.roomnotif",
        [match("content.body", "@room"), { kind: "sender_notification_permission", key: "room" }],
        ["notify", highlight],
      ),
      rule(".m.rule.tombstone", [match("type", "m.room.tombstone"), match("state_key", "")], ["notify", highlight]),
      rule(".m.rule.reaction", [match("type", "m.reaction")], []),
      rule(".m.rule.room.server_acl", [match("type", "m.room.server_acl"), match("state_key", "")], []),
      rule(
        ".m.rule.suppress_edits",
        [{ kind: "event_property_is", key: "content.m\\.relates_to.rel_type", value: "m.replace" }],
        [],
      ),
    ],
    content: [
      {
        rule_id: ".m.rule.contains_user_name",
        default: true,
        enabled: true,
        pattern: localpart,
        actions: ["notify", sound("default"), highlight],
      },
    ],
    room: [],
    sender: [],
    underride: [
      rule(".m.rule.call", [match("type", "m.call.invite")], ["notify", sound("ring")]),
      rule(
        ".m.rule.encrypted_room_one_to_one",
        [{ kind: "room_member_count", is: "2" }, match("type", "m.room.encrypted")],
        ["notify", sound("default")],
      ),
      rule(
        ".m.rule.room_one_to_one",
        [{ kind: "room_member_count", is: "2" }, match("type", "m.room.message")],
        ["notify", sound("default")],
      ),
      rule(".m.rule.message", [match("type", "m.room.message")], ["notify"]),
      rule(".m.rule.encrypted", [match("type", "m.room.encrypted")], ["notify"]),
    ],
  };
}
