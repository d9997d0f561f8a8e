/**
 * The shortcut for users on the server-default push rules must give exactly what evaluating their
 * ruleset gives, for any event, user ID and display name.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { defaultPushRules, evaluatePushRules, type PushContext } from "../../../src/core/push";
import { defaultRulesShortcut } from "../../../src/services/push/default-rules-shortcut";

const shared = (memberCount: number, senderPowerLevel: number) => ({
  memberCount,
  senderPowerLevel,
  notificationPowerLevel: () => 50,
});

function both(event: Record<string, unknown>, userId: string, displayName: string | null, members = 5, power = 0) {
  const ctx: PushContext = { userId, displayName, ...shared(members, power) };
  const rules = defaultPushRules(userId);
  const full = evaluatePushRules(rules, event, ctx);
  const shortcut = defaultRulesShortcut(event, shared(members, power)).outcome(rules, ctx);
  return { full, short: shortcut ?? full, usedShortcut: shortcut !== null };
}

const message = (content: Record<string, unknown>) => ({
  type: "m.room.message",
  sender: "@bob:hs1.test",
  room_id: "!r:hs1.test",
  event_id: "$e",
  content: { msgtype: "m.text", ...content },
});

describe("default push rules shortcut", () => {
  test("answers alone when no rule naming the user matches, and defers when one does", () => {
    expect(both(message({ body: "lunch at noon?" }), "@alice:hs1.test", "Alice").usedShortcut).toBe(true);
    expect(both(message({ body: "lunch, alice?" }), "@alice:hs1.test", "Alice").usedShortcut).toBe(false);
    expect(both(message({ body: "lunch, alice?" }), "@alice:hs1.test", "Al").usedShortcut).toBe(false); // user name
  });

  test.each([
    ["a plain message", message({ body: "lunch at noon?" }), "@alice:hs1.test", "Alice"],
    ["the display name in the body", message({ body: "what do you think, alice?" }), "@alice:hs1.test", "Alice"],
    ["the name as part of a word", message({ body: "malice aforethought" }), "@alice:hs1.test", "Alice"],
    ["the user name in the body", message({ body: "ping ALICE2 now" }), "@alice2:hs1.test", "Wonder"],
    ["a Kelvin sign matching k", message({ body: "hello \u212Aate" }), "@x:hs1.test", "kate"],
    ["a long s matching s", message({ body: "\u017Fam here" }), "@x:hs1.test", "Sam"],
    ["a mention", message({ body: "x", "m.mentions": { user_ids: ["@alice:hs1.test"] } }), "@alice:hs1.test", null],
    [
      "someone else's mention",
      message({ body: "alice", "m.mentions": { user_ids: ["@c:hs1.test"] } }),
      "@alice:hs1.test",
      "alice",
    ],
    ["@room", message({ body: "@room lunch" }), "@alice:hs1.test", "Alice"],
    ["a notice", message({ msgtype: "m.notice", body: "alice" }), "@alice:hs1.test", "alice"],
    [
      "an invite for me",
      { type: "m.room.member", sender: "@b:hs1.test", state_key: "@alice:hs1.test", content: { membership: "invite" } },
      "@alice:hs1.test",
      null,
    ],
    [
      "an invite matching my glob-like ID",
      { type: "m.room.member", sender: "@b:hs1.test", state_key: "@abc:hs1.test", content: { membership: "invite" } },
      "@a*:hs1.test",
      null,
    ],
    [
      "an invite for my ID in other case",
      { type: "m.room.member", sender: "@b:hs1.test", state_key: "@ALICE:hs1.test", content: { membership: "invite" } },
      "@alice:hs1.test",
      null,
    ],
    ["a reaction", { type: "m.reaction", sender: "@b:hs1.test", content: {} }, "@alice:hs1.test", "Alice"],
  ])("%s", (_name, event, userId, name) => {
    const { full, short } = both(event, userId, name);
    expect(short).toEqual(full);
  });

  test("agrees with full evaluation on arbitrary events, IDs and names", () => {
    let shortcuts = 0;
    const word = fc.oneof(
      fc.constantFrom(
        "alice",
        "Alice",
        "ALICE",
        "bob",
        "@room",
        "\u212Aate",
        "kate",
        "\u017Fam",
        "sam",
        "é",
        "*",
        "a?",
      ),
      fc.string({ maxLength: 6 }),
    );
    const text = fc.array(word, { maxLength: 6 }).map((ws) => ws.join(" "));
    const localpart = fc.oneof(
      fc.constantFrom("alice", "kate", "sam", "a*", "x?y", "bob"),
      fc.stringMatching(/^[a-z0-9._=-]{1,8}$/),
    );
    fc.assert(
      fc.property(
        localpart,
        fc.option(text, { nil: null }),
        text,
        fc.constantFrom("m.room.message", "m.room.member", "m.room.encrypted", "m.call.invite", "m.reaction"),
        fc.constantFrom("m.text", "m.notice"),
        fc.option(fc.array(localpart, { maxLength: 2 }), { nil: undefined }),
        fc.option(localpart, { nil: undefined }),
        fc.constantFrom(2, 5),
        fc.constantFrom(0, 100),
        (lp, name, body, type, msgtype, mentioned, stateKeyLp, members, power) => {
          const userId = `@${lp}:hs1.test`;
          const content: Record<string, unknown> = { msgtype, body, membership: "invite" };
          if (mentioned) content["m.mentions"] = { user_ids: mentioned.map((m) => `@${m}:hs1.test`) };
          const event: Record<string, unknown> = { type, sender: "@bob:hs1.test", room_id: "!r:hs1.test", content };
          if (stateKeyLp !== undefined) event.state_key = `@${stateKeyLp}:hs1.test`;
          const { full, short, usedShortcut } = both(event, userId, name, members, power);
          expect(short).toEqual(full);
          if (usedShortcut) shortcuts++;
        },
      ),
      { numRuns: 3000 },
    );
    expect(shortcuts).toBeGreaterThan(1000);
  });

  test("evaluates the whole ruleset once per event, whatever the number of users", () => {
    const event = message({ body: "plain words" });
    const s = defaultRulesShortcut(event, shared(100, 0));
    const a = s.outcome(defaultPushRules("@a:hs1.test"), {
      userId: "@a:hs1.test",
      displayName: "A",
      ...shared(100, 0),
    });
    const b = s.outcome(defaultPushRules("@b:hs1.test"), {
      userId: "@b:hs1.test",
      displayName: "B",
      ...shared(100, 0),
    });
    expect(a).not.toBeNull();
    expect(b).toBe(a);
  });
});
