/** POST /user_directory/search: who can be found, matching and ranking, limits, and the config switches. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ICreateClientOpts } from "matrix-js-sdk";
import { call } from "../helpers/client";
import { createRoom, invite, join, putState } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };

type Result = { results: { user_id: string; display_name?: string; avatar_url?: string }[]; limited: boolean };
async function search(hs: TestServer, user: TestUser, term: string, limit?: number): Promise<Result> {
  const r = await call<Result>(hs, "POST", "/_matrix/client/v3/user_directory/search", {
    token: user.accessToken,
    body: { search_term: term, ...(limit !== undefined ? { limit } : {}) },
  });
  expect(r.status).toBe(200);
  return r.body;
}
const ids = (r: Result) => r.results.map((x) => x.user_id);

async function setName(hs: TestServer, user: TestUser, name: string): Promise<void> {
  const r = await call(hs, "PUT", `/_matrix/client/v3/profile/${encodeURIComponent(user.userId)}/displayname`, {
    token: user.accessToken,
    body: { displayname: name },
  });
  expect(r.status).toBe(200);
}

describe("user directory (default: shared and public rooms)", () => {
  let hs: TestServer;
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let erin: TestUser;

  beforeAll(async () => {
    hs = await startTestServer();
    alice = createUserDirect(hs, "alice");
    bob = createUserDirect(hs, "bob");
    carol = createUserDirect(hs, "carol");
    dave = createUserDirect(hs, "dave");
    erin = createUserDirect(hs, "erin");
    await setName(hs, bob, "Bobby Tables");
    await setName(hs, carol, "Caroline Ångström");
    await setName(hs, dave, "Dave Bobson");
  });
  afterAll(() => hs.stop());

  test("a user in no room with the searcher, and in no public room, is not found", async () => {
    expect(ids(await search(hs, alice, "bob"))).toEqual([]);
    expect(ids(await search(hs, alice, "erin"))).toEqual([]);
  });

  test("users sharing a private room are found, by user ID or display name", async () => {
    const room = await createRoom(hs, alice, { preset: "private_chat" });
    await invite(hs, alice, room, bob.userId);
    expect(await join(hs, bob, room)).toBe(200);
    const r = await search(hs, alice, "bobby");
    expect(r).toEqual({ results: [{ user_id: bob.userId, display_name: "Bobby Tables" }], limited: false });
    expect(ids(await search(hs, alice, "@bob:hs1.test"))).toEqual([bob.userId]);
    // An invitation is not membership: Carol, only invited, is not found.
    await invite(hs, alice, room, carol.userId);
    expect(ids(await search(hs, alice, "carol"))).toEqual([]);
  });

  test("users in public rooms are found by everyone; matching ignores case and accents", async () => {
    const lobby = await createRoom(hs, dave, { preset: "public_chat" });
    expect(await join(hs, carol, lobby)).toBe(200);
    expect(ids(await search(hs, erin, "ANGSTROM"))).toEqual([carol.userId]);
    expect(ids(await search(hs, erin, "caroline ång"))).toEqual([carol.userId]);
    // Ranking: exact and prefix matches first ("Bob..." beats "...Bobson" and "Bobby" equally prefix:
    // then by user ID); Erin shares no room with Bob but Dave is in a public room.
    expect(ids(await search(hs, erin, "bob"))).toEqual([dave.userId]);
    expect(ids(await search(hs, alice, "bob"))).toEqual([bob.userId, dave.userId]);
  });

  test("a room that stops being public stops exposing its members", async () => {
    const club = await createRoom(hs, erin, { preset: "public_chat", name: "Club" });
    const frank = createUserDirect(hs, "frank");
    expect(await join(hs, frank, club)).toBe(200);
    expect(ids(await search(hs, alice, "frank"))).toEqual([frank.userId]);
    await putState(hs, erin, club, "m.room.join_rules", "", { join_rule: "invite" });
    expect(ids(await search(hs, alice, "frank"))).toEqual([]);
    await putState(hs, erin, club, "m.room.history_visibility", "", { history_visibility: "world_readable" });
    expect(ids(await search(hs, alice, "frank"))).toEqual([frank.userId]);
  });

  test("profile changes show at once; limit and limited", async () => {
    await setName(hs, bob, "Robert");
    const r = await search(hs, alice, "robert");
    expect(r.results).toEqual([{ user_id: bob.userId, display_name: "Robert" }]);
    const avatar = await call(hs, "PUT", `/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}/avatar_url`, {
      token: bob.accessToken,
      body: { avatar_url: "mxc://hs1.test/bob" },
    });
    expect(avatar.status).toBe(200);
    expect((await search(hs, alice, "robert")).results).toEqual([
      { user_id: bob.userId, display_name: "Robert", avatar_url: "mxc://hs1.test/bob" },
    ]);
    const all = await search(hs, alice, "hs1.test");
    expect(all.results.length).toBeGreaterThan(2);
    const one = await search(hs, alice, "hs1.test", 1);
    expect(one.results.length).toBe(1);
    expect(one.limited).toBe(true);
    expect((await search(hs, alice, "hs1.test", 100)).limited).toBe(false);
  });

  test("matrix-js-sdk searchUserDirectory", async () => {
    const client = createClient({
      baseUrl: hs.baseUrl,
      accessToken: alice.accessToken,
      userId: alice.userId,
      deviceId: alice.deviceId,
      logger: quiet as ICreateClientOpts["logger"],
    });
    const r = await client.searchUserDirectory({ term: "robert", limit: 5 });
    expect(r.results.map((x) => x.user_id)).toEqual([bob.userId]);
    expect(r.limited).toBe(false);
  });

  test("bad input gets M_BAD_JSON", async () => {
    for (const body of [{}, { search_term: 5 }, { search_term: "x", limit: -1 }, { search_term: "x", limit: "3" }]) {
      const r = await call(hs, "POST", "/_matrix/client/v3/user_directory/search", { token: alice.accessToken, body });
      expect([r.status, r.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    }
    const noToken = await call(hs, "POST", "/_matrix/client/v3/user_directory/search", { body: { search_term: "x" } });
    expect(noToken.status).toBe(401);
  });
});

describe("user directory config", () => {
  test("search_all_users finds every active local user; deactivated users never", async () => {
    const hs = await startTestServer({ config: { user_directory: { search_all_users: true } } });
    try {
      const a = createUserDirect(hs, "anna");
      const lone = createUserDirect(hs, "loner");
      const gone = createUserDirect(hs, "gone");
      hs.server.db.sqlite.query("UPDATE users SET deactivated = 1 WHERE user_id = ?").run(gone.userId);
      expect(ids(await search(hs, a, "loner"))).toEqual([lone.userId]);
      expect(ids(await search(hs, a, "gone"))).toEqual([]);
    } finally {
      await hs.stop();
    }
  });

  test("enabled = false finds nobody", async () => {
    const hs = await startTestServer({ config: { user_directory: { enabled: false, search_all_users: true } } });
    try {
      const a = createUserDirect(hs, "anna");
      createUserDirect(hs, "other");
      expect(await search(hs, a, "other")).toEqual({ results: [], limited: false });
    } finally {
      await hs.stop();
    }
  });
});
