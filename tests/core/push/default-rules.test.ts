import { describe, expect, test } from "bun:test";
import { defaultPushRules, effectiveRuleset, evaluatePushRules, type PushContext } from "../../../src/core/push";

const ME = "@alice:hs1.test";
const ROOM = "!room:hs1.test";
const ctx = (over: Partial<PushContext> = {}): PushContext => ({
  userId: ME,
  displayName: "Alice Liddell",
  memberCount: 5,
  senderPowerLevel: 0,
  notificationPowerLevel: () => 50,
  ...over,
});
const msg = (content: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "m.room.message",
  sender: "@bob:hs1.test",
  room_id: ROOM,
  content,
  ...extra,
});

const rules = defaultPushRules(ME);

type Row = [
  name: string,
  event: Record<string, unknown>,
  c: PushContext,
  rule: string | null,
  notify: boolean,
  highlight: boolean,
];
const table: Row[] = [
  ["plain message in a group room", msg({ msgtype: "m.text", body: "hi" }), ctx(), ".m.rule.message", true, false],
  ["notice is suppressed", msg({ msgtype: "m.notice", body: "bot" }), ctx(), ".m.rule.suppress_notices", false, false],
  [
    "invite for me",
    { type: "m.room.member", state_key: ME, sender: "@bob:hs1.test", room_id: ROOM, content: { membership: "invite" } },
    ctx(),
    ".m.rule.invite_for_me",
    true,
    false,
  ],
  [
    "someone else's invite is a member event (silent)",
    {
      type: "m.room.member",
      state_key: "@carol:hs1.test",
      sender: "@bob:hs1.test",
      room_id: ROOM,
      content: { membership: "invite" },
    },
    ctx(),
    ".m.rule.member_event",
    false,
    false,
  ],
  [
    "m.mentions user_ids contains me",
    msg({ msgtype: "m.text", body: "hey", "m.mentions": { user_ids: [ME] } }),
    ctx(),
    ".m.rule.is_user_mention",
    true,
    true,
  ],
  [
    "display name in body without m.mentions (legacy)",
    msg({ msgtype: "m.text", body: "ping Alice Liddell!" }),
    ctx(),
    ".m.rule.contains_display_name",
    true,
    true,
  ],
  [
    "display name in body with m.mentions that do not include me: no legacy highlight",
    msg({ msgtype: "m.text", body: "ping Alice Liddell!", "m.mentions": {} }),
    ctx(),
    ".m.rule.message",
    true,
    false,
  ],
  [
    "@room mention by a user with power",
    msg({ msgtype: "m.text", body: "all", "m.mentions": { room: true } }),
    ctx({ senderPowerLevel: 50 }),
    ".m.rule.is_room_mention",
    true,
    true,
  ],
  [
    "@room mention by a user without power",
    msg({ msgtype: "m.text", body: "all", "m.mentions": { room: true } }),
    ctx({ senderPowerLevel: 0 }),
    ".m.rule.message",
    true,
    false,
  ],
  [
    "legacy @room in body with power",
    msg({ msgtype: "m.text", body: "@room lunch" }),
    ctx({ senderPowerLevel: 100 }),
    ".m.rule.roomnotif",
    true,
    true,
  ],
  [
    "tombstone",
    { type: "m.room.tombstone", state_key: "", sender: "@bob:hs1.test", room_id: ROOM, content: { body: "moved" } },
    ctx(),
    ".m.rule.tombstone",
    true,
    true,
  ],
  [
    "reaction is silent",
    {
      type: "m.reaction",
      sender: "@bob:hs1.test",
      room_id: ROOM,
      content: { "m.relates_to": { rel_type: "m.annotation" } },
    },
    ctx(),
    ".m.rule.reaction",
    false,
    false,
  ],
  [
    "server ACL is silent",
    { type: "m.room.server_acl", state_key: "", sender: "@bob:hs1.test", room_id: ROOM, content: {} },
    ctx(),
    ".m.rule.room.server_acl",
    false,
    false,
  ],
  [
    "edit is silent",
    msg({ msgtype: "m.text", body: "* fixed", "m.relates_to": { rel_type: "m.replace", event_id: "$x" } }),
    ctx(),
    ".m.rule.suppress_edits",
    false,
    false,
  ],
  [
    "user name in body (legacy content rule)",
    msg({ msgtype: "m.text", body: "hey alice, look" }),
    ctx({ displayName: null }),
    ".m.rule.contains_user_name",
    true,
    true,
  ],
  [
    "user name inside a word does not match",
    msg({ msgtype: "m.text", body: "malice" }),
    ctx({ displayName: null }),
    ".m.rule.message",
    true,
    false,
  ],
  [
    "call invite rings",
    { type: "m.call.invite", sender: "@bob:hs1.test", room_id: ROOM, content: {} },
    ctx(),
    ".m.rule.call",
    true,
    false,
  ],
  [
    "encrypted in a one-to-one room",
    { type: "m.room.encrypted", sender: "@bob:hs1.test", room_id: ROOM, content: {} },
    ctx({ memberCount: 2 }),
    ".m.rule.encrypted_room_one_to_one",
    true,
    false,
  ],
  [
    "message in a one-to-one room",
    msg({ msgtype: "m.text", body: "hi" }),
    ctx({ memberCount: 2 }),
    ".m.rule.room_one_to_one",
    true,
    false,
  ],
  [
    "encrypted in a group room",
    { type: "m.room.encrypted", sender: "@bob:hs1.test", room_id: ROOM, content: {} },
    ctx(),
    ".m.rule.encrypted",
    true,
    false,
  ],
  [
    "an unknown event type matches nothing",
    { type: "org.example.custom", sender: "@bob:hs1.test", room_id: ROOM, content: {} },
    ctx(),
    null,
    false,
    false,
  ],
];

describe("default push rules", () => {
  test.each(table)("%s", (_name, event, c, rule, notify, highlight) => {
    const out = evaluatePushRules(rules, event, c);
    expect(out.ruleId).toBe(rule);
    expect(out.notify).toBe(notify);
    expect(out.highlight).toBe(highlight);
  });

  test("sounds are passed as tweaks", () => {
    const out = evaluatePushRules(rules, { type: "m.call.invite", sender: "@b:x", room_id: ROOM, content: {} }, ctx());
    expect(out.tweaks).toEqual({ sound: "ring" });
  });

  test("the master rule, when enabled, silences everything, even user rules", () => {
    const r = effectiveRuleset(
      ME,
      [
        {
          kind: "override",
          rule: { rule_id: "mine", default: false, enabled: true, conditions: [], actions: ["notify"] },
        },
      ],
      new Map([["override/.m.rule.master", { enabled: true }]]),
    );
    const out = evaluatePushRules(r, msg({ msgtype: "m.text", body: "x", "m.mentions": { user_ids: [ME] } }), ctx());
    expect(out.ruleId).toBe(".m.rule.master");
    expect(out.notify).toBe(false);
  });

  test("user rules rank above the defaults of their kind; a disabled default is skipped", () => {
    const r = effectiveRuleset(
      ME,
      [{ kind: "room", rule: { rule_id: ROOM, default: false, enabled: true, actions: [] } }],
      new Map([["override/.m.rule.suppress_notices", { enabled: false }]]),
    );
    expect(evaluatePushRules(r, msg({ msgtype: "m.text", body: "x" }), ctx()).ruleId).toBe(ROOM);
    const other = { ...msg({ msgtype: "m.notice", body: "x" }), room_id: "!other:hs1.test" };
    expect(evaluatePushRules(r, other, ctx()).ruleId).toBe(".m.rule.message");
  });

  test("dont_notify and coalesce are ignored", () => {
    const r = effectiveRuleset(
      ME,
      [
        {
          kind: "sender",
          rule: { rule_id: "@bob:hs1.test", default: false, enabled: true, actions: ["dont_notify", "coalesce"] },
        },
      ],
      new Map(),
    );
    const out = evaluatePushRules(r, msg({ msgtype: "m.text", body: "x" }), ctx());
    expect(out.actions).toEqual([]);
    expect(out.notify).toBe(false);
  });
});
