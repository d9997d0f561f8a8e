import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
const BASE = "/_matrix/client/v3/pushrules";

interface Rule {
  rule_id: string;
  default: boolean;
  enabled: boolean;
  actions: unknown[];
  conditions?: unknown[];
  pattern?: string;
}
type Ruleset = Record<"override" | "content" | "room" | "sender" | "underride", Rule[]>;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
});
afterAll(() => hs.stop());

const enc = encodeURIComponent;
const put = (u: TestUser, path: string, body: unknown) =>
  call(hs, "PUT", `${BASE}${path}`, { token: u.accessToken, body });
const get = <T = Record<string, unknown>>(u: TestUser, path: string) =>
  call<T>(hs, "GET", `${BASE}${path}`, { token: u.accessToken });
const del = (u: TestUser, path: string) => call(hs, "DELETE", `${BASE}${path}`, { token: u.accessToken });
const ruleset = async (u: TestUser) => (await get<{ global: Ruleset }>(u, "/")).body.global;
const ids = (rules: Rule[]) => rules.map((r) => r.rule_id);
const userIds = (rules: Rule[]) => ids(rules).filter((id) => !id.startsWith("."));
const storedAccountData = (u: TestUser) =>
  call<{ global?: Ruleset; errcode?: string }>(
    hs,
    "GET",
    `/_matrix/client/v3/user/${enc(u.userId)}/account_data/m.push_rules`,
    { token: u.accessToken },
  );

describe("reading push rules", () => {
  test("a new user has the server-default ruleset, in the spec's order", async () => {
    const r = await get<{ global: Ruleset }>(bob, "/");
    expect(r.status).toBe(200);
    const g = r.body.global;
    expect(ids(g.override)).toEqual([
      ".m.rule.master",
      ".m.rule.suppress_notices",
      ".m.rule.invite_for_me",
      ".m.rule.member_event",
      ".m.rule.is_user_mention",
      ".m.rule.contains_display_name",
      ".m.rule.is_room_mention",
      ".m.rule.roomnotif",
      ".m.rule.tombstone",
      ".m.rule.reaction",
      ".m.rule.room.server_acl",
      ".m.rule.suppress_edits",
    ]);
    expect(ids(g.underride)).toEqual([
      ".m.rule.call",
      ".m.rule.encrypted_room_one_to_one",
      ".m.rule.room_one_to_one",
      ".m.rule.message",
      ".m.rule.encrypted",
    ]);
    expect(g.content).toEqual([
      {
        rule_id: ".m.rule.contains_user_name",
        default: true,
        enabled: true,
        pattern: "bob",
        actions: ["notify", { set_tweak: "sound", value: "default" }, { set_tweak: "highlight" }],
      },
    ]);
    expect(g.room).toEqual([]);
    expect(g.sender).toEqual([]);
    expect(g.override[0]).toEqual({
      rule_id: ".m.rule.master",
      default: true,
      enabled: false,
      conditions: [],
      actions: [],
    });
    const invite = g.override.find((x) => x.rule_id === ".m.rule.invite_for_me")!;
    expect(invite.conditions).toContainEqual({ kind: "event_match", key: "state_key", pattern: bob.userId });
    // Same data without the trailing slash, and per scope.
    expect((await get(bob, "")).body).toEqual(r.body);
    expect((await get(bob, "/global/")).body).toEqual(g);
    expect((await get(bob, "/global")).body).toEqual(g);
  });

  test("one rule, its enabled flag and its actions", async () => {
    expect((await get(bob, "/global/underride/.m.rule.message")).body).toEqual({
      rule_id: ".m.rule.message",
      default: true,
      enabled: true,
      conditions: [{ kind: "event_match", key: "type", pattern: "m.room.message" }],
      actions: ["notify"],
    });
    expect((await get(bob, "/global/override/.m.rule.master/enabled")).body).toEqual({ enabled: false });
    expect((await get(bob, "/global/underride/.m.rule.call/actions")).body).toEqual({
      actions: ["notify", { set_tweak: "sound", value: "ring" }],
    });
  });

  test("unknown rules and rules of another kind are 404 M_NOT_FOUND", async () => {
    for (const path of [
      "/global/override/nope",
      "/global/override/nope/enabled",
      "/global/override/nope/actions",
      "/global/underride/.m.rule.master",
    ]) {
      const r = await get(bob, path);
      expect(r.status).toBe(404);
      expect(r.body.errcode).toBe("M_NOT_FOUND");
    }
  });

  test("an unknown kind is 400 M_INVALID_PARAM; an unknown scope is not a route", async () => {
    const r = await get(bob, "/global/everything/x");
    expect(r.status).toBe(400);
    expect(r.body.errcode).toBe("M_INVALID_PARAM");
    const s = await get(bob, "/device/override/x");
    expect(s.status).toBe(404);
    expect(s.body.errcode).toBe("M_UNRECOGNIZED");
  });

  test("needs an access token", async () => {
    const r = await call(hs, "GET", `${BASE}/`);
    expect(r.status).toBe(401);
    expect(r.body.errcode).toBe("M_MISSING_TOKEN");
  });
});

describe("changing push rules", () => {
  test("new rules are enabled, the most important of their kind, and stored as m.push_rules account data", async () => {
    expect((await storedAccountData(alice)).status).toBe(404);
    expect((await put(alice, "/global/content/cake", { pattern: "cake*lie", actions: ["notify"] })).status).toBe(200);
    expect((await put(alice, "/global/content/tea", { pattern: "tea", actions: [] })).status).toBe(200);
    const g = await ruleset(alice);
    expect(ids(g.content)).toEqual(["tea", "cake", ".m.rule.contains_user_name"]);
    expect(g.content[1]).toEqual({
      rule_id: "cake",
      default: false,
      enabled: true,
      pattern: "cake*lie",
      actions: ["notify"],
    });
    const stored = await storedAccountData(alice);
    expect(stored.status).toBe(200);
    expect(stored.body.global).toEqual(g);
  });

  test("before and after place a rule next to another user rule", async () => {
    await put(alice, "/global/override/a", { actions: [], conditions: [] });
    await put(alice, "/global/override/b?after=a", { actions: [] });
    await put(alice, "/global/override/c?before=a", { actions: [] });
    await put(alice, "/global/override/d?after=c", { actions: [] });
    // Both given: `before` decides.
    await put(alice, "/global/override/e?before=b&after=c", { actions: [] });
    const g = await ruleset(alice);
    expect(userIds(g.override)).toEqual(["c", "d", "a", "e", "b"]);
    // .m.rule.master stays first of all; the other defaults follow the user's rules.
    expect(g.override[0]!.rule_id).toBe(".m.rule.master");
    expect(g.override[6]!.rule_id).toBe(".m.rule.suppress_notices");
    // Moving an existing rule.
    await put(alice, "/global/override/c?after=b", { actions: [] });
    expect(userIds((await ruleset(alice)).override)).toEqual(["d", "a", "e", "b", "c"]);
  });

  test("updating a rule keeps its place and its enabled flag", async () => {
    await put(alice, "/global/override/a/enabled", { enabled: false });
    await put(alice, "/global/override/a", {
      actions: ["notify"],
      conditions: [{ kind: "event_match", key: "content.body", pattern: "beer" }],
    });
    const g = await ruleset(alice);
    expect(userIds(g.override)).toEqual(["d", "a", "e", "b", "c"]);
    expect(g.override.find((r) => r.rule_id === "a")).toEqual({
      rule_id: "a",
      default: false,
      enabled: false,
      conditions: [{ kind: "event_match", key: "content.body", pattern: "beer" }],
      actions: ["notify"],
    });
  });

  test("room and sender rules", async () => {
    const roomId = "!dj234r78wl45Gh4D:matrix.org";
    expect((await put(alice, `/global/room/${enc(roomId)}`, { actions: [] })).status).toBe(200);
    expect((await put(alice, `/global/sender/${enc("@spambot:matrix.org")}`, { actions: [] })).status).toBe(200);
    const g = await ruleset(alice);
    expect(g.room).toEqual([{ rule_id: roomId, default: false, enabled: true, actions: [] }]);
    expect(ids(g.sender)).toEqual(["@spambot:matrix.org"]);
    expect((await get(alice, `/global/room/${enc(roomId)}`)).body.rule_id).toBe(roomId);
  });

  test("historical actions are stripped", async () => {
    await put(alice, "/global/underride/old", { actions: ["dont_notify", "coalesce"], conditions: [] });
    expect((await get(alice, "/global/underride/old/actions")).body).toEqual({ actions: [] });
  });

  test("server-default rules can be disabled, enabled and given other actions, and that is remembered", async () => {
    expect((await put(alice, "/global/override/.m.rule.master/enabled", { enabled: true })).status).toBe(200);
    expect((await get(alice, "/global/override/.m.rule.master/enabled")).body).toEqual({ enabled: true });
    const actions = ["notify", { set_tweak: "sound", value: "bing" }];
    expect((await put(alice, "/global/underride/.m.rule.message/actions", { actions })).status).toBe(200);
    expect((await get(alice, "/global/underride/.m.rule.message")).body).toMatchObject({ default: true, actions });
    // User rules: enabled and actions too.
    await put(alice, "/global/content/cake/actions", { actions: [{ set_tweak: "highlight", value: false }] });
    expect((await get(alice, "/global/content/cake/actions")).body).toEqual({
      actions: [{ set_tweak: "highlight", value: false }],
    });
    // Setting a default back to its default value.
    await put(alice, "/global/override/.m.rule.master/enabled", { enabled: false });
    expect((await get(alice, "/global/override/.m.rule.master")).body.enabled).toBe(false);
    // Everything is in the stored account data.
    const stored = (await storedAccountData(alice)).body.global!;
    expect(stored.underride.find((r) => r.rule_id === ".m.rule.message")!.actions).toEqual(actions);
    expect(stored).toEqual(await ruleset(alice));
  });

  test("deleting a user rule", async () => {
    expect((await del(alice, "/global/override/e")).status).toBe(200);
    expect(userIds((await ruleset(alice)).override)).toEqual(["d", "a", "b", "c"]);
    const again = await del(alice, "/global/override/e");
    expect(again.status).toBe(404);
    expect(again.body.errcode).toBe("M_NOT_FOUND");
  });

  test("one user's rules are not another's", async () => {
    expect(userIds((await ruleset(bob)).override)).toEqual([]);
    expect((await get(bob, "/global/override/a")).status).toBe(404);
  });
});

describe("bad requests change nothing", () => {
  const cases: [string, string, string, unknown, number, string][] = [
    ["server-default rule IDs", "PUT", "/global/override/.m.rule.mine", { actions: [] }, 400, "M_INVALID_PARAM"],
    ["a slash in the rule ID", "PUT", `/global/override/${enc("a/b")}`, { actions: [] }, 400, "M_INVALID_PARAM"],
    ["a backslash in the rule ID", "PUT", `/global/override/${enc("a\\b")}`, { actions: [] }, 400, "M_INVALID_PARAM"],
    ["an unknown kind", "PUT", "/global/middle/x", { actions: [] }, 400, "M_INVALID_PARAM"],
    ["a content rule without a pattern", "PUT", "/global/content/nopattern", { actions: [] }, 400, "M_INVALID_PARAM"],
    ["a room rule whose ID is no room ID", "PUT", "/global/room/notaroom", { actions: [] }, 400, "M_INVALID_PARAM"],
    ["a sender rule whose ID is no user ID", "PUT", "/global/sender/nobody", { actions: [] }, 400, "M_INVALID_PARAM"],
    ["before an unknown rule", "PUT", "/global/override/x?before=nope", { actions: [] }, 400, "M_UNKNOWN"],
    ["after an unknown rule", "PUT", "/global/override/x?after=nope", { actions: [] }, 400, "M_UNKNOWN"],
    [
      "relative to a server-default rule",
      "PUT",
      "/global/override/x?before=.m.rule.master",
      { actions: [] },
      400,
      "M_INVALID_PARAM",
    ],
    ["no actions", "PUT", "/global/override/x", { conditions: [] }, 400, "M_BAD_JSON"],
    ["actions not an array", "PUT", "/global/override/x", { actions: "notify" }, 400, "M_BAD_JSON"],
    ["an unknown action", "PUT", "/global/override/x", { actions: ["explode"] }, 400, "M_INVALID_PARAM"],
    ["a tweak without a name", "PUT", "/global/override/x", { actions: [{ value: 1 }] }, 400, "M_INVALID_PARAM"],
    ["a condition without a kind", "PUT", "/global/override/x", { actions: [], conditions: [{}] }, 400, "M_BAD_JSON"],
    ["enabled of an unknown rule", "PUT", "/global/override/nope/enabled", { enabled: true }, 404, "M_NOT_FOUND"],
    ["enabled not a boolean", "PUT", "/global/override/.m.rule.master/enabled", { enabled: "yes" }, 400, "M_BAD_JSON"],
    ["actions of an unknown rule", "PUT", "/global/override/nope/actions", { actions: [] }, 404, "M_NOT_FOUND"],
    ["deleting a server-default rule", "DELETE", "/global/override/.m.rule.master", undefined, 400, "M_INVALID_PARAM"],
    ["deleting an unknown rule", "DELETE", "/global/override/nope", undefined, 404, "M_NOT_FOUND"],
  ];
  for (const [name, method, path, body, status, errcode] of cases) {
    test(name, async () => {
      const before = await ruleset(alice);
      const r = await call(hs, method, `${BASE}${path}`, {
        token: alice.accessToken,
        ...(body !== undefined ? { body } : {}),
      });
      expect(r.status).toBe(status);
      expect(r.body.errcode).toBe(errcode);
      expect(await ruleset(alice)).toEqual(before);
    });
  }

  test("malformed JSON is M_NOT_JSON", async () => {
    const r = await call(hs, "PUT", `${BASE}/global/override/x`, { token: alice.accessToken, rawBody: "{actions" });
    expect(r.status).toBe(400);
    expect(r.body.errcode).toBe("M_NOT_JSON");
  });

  test("clients cannot write m.push_rules through the account data API", async () => {
    const r = await call(hs, "PUT", `/_matrix/client/v3/user/${enc(bob.userId)}/account_data/m.push_rules`, {
      token: bob.accessToken,
      body: { global: { override: [] } },
    });
    expect(r.status).toBe(405);
    expect(r.body.errcode).toBe("M_BAD_JSON");
  });
});
