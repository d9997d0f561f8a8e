/** POST /rooms/{roomId}/upgrade: the new room, the state carried over, aliases, tombstone, power checks. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ICreateClientOpts } from "matrix-js-sdk";
import { call } from "../helpers/client";
import { createRoom, enc, getState, invite, join, putState, roomTableCounts, sendMessage } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let mallory: TestUser;

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  mallory = createUserDirect(hs, "mallory");
});
afterAll(() => hs.stop());

const upgradePath = (roomId: string) => `/_matrix/client/v3/rooms/${enc(roomId)}/upgrade`;
type StateEvent = { type: string; state_key: string; content: Record<string, unknown>; sender: string };

async function fullState(user: TestUser, roomId: string): Promise<StateEvent[]> {
  const r = await call<StateEvent[]>(hs, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/state`, {
    token: user.accessToken,
  });
  expect(r.status).toBe(200);
  return r.body;
}

describe("room upgrades", () => {
  test("v10 to v12 with matrix-js-sdk: state, bans, aliases and directory move; the old room is tombstoned", async () => {
    const old = await createRoom(hs, alice, {
      room_version: "10",
      preset: "public_chat",
      visibility: "public",
      name: "Book club",
      topic: "Novels",
      room_alias_name: "books",
      creation_content: { type: "org.example.club" },
    });
    await join(hs, bob, old);
    await join(hs, carol, old);
    await join(hs, mallory, old);
    const ban = await call(hs, "POST", `/_matrix/client/v3/rooms/${enc(old)}/ban`, {
      token: alice.accessToken,
      body: { user_id: mallory.userId, reason: "trolling" },
    });
    expect(ban.status).toBe(200);
    await putState(hs, alice, old, "m.room.avatar", "", { url: "mxc://hs1.test/book" });
    await putState(hs, alice, old, "m.room.encryption", "", { algorithm: "m.megolm.v1.aes-sha2" });
    await putState(hs, alice, old, "m.room.server_acl", "", {
      allow: ["*"],
      deny: ["evil.test"],
      allow_ip_literals: false,
    });
    await putState(hs, alice, old, "m.room.history_visibility", "", { history_visibility: "world_readable" });
    const pl = (await getState(hs, alice, old, "m.room.power_levels")).body;
    await putState(hs, alice, old, "m.room.power_levels", "", {
      ...pl,
      users: { ...(pl.users as object), [bob.userId]: 50 },
    });
    const last = await sendMessage(hs, alice, old, "last words");

    const client = createClient({
      baseUrl: hs.baseUrl,
      accessToken: alice.accessToken,
      userId: alice.userId,
      deviceId: alice.deviceId,
      logger: quiet as ICreateClientOpts["logger"],
    });
    const { replacement_room: fresh } = await client.upgradeRoom(old, "12");
    expect(fresh).not.toBe(old);

    const state = await fullState(alice, fresh);
    const one = (type: string, key = "") => state.find((e) => e.type === type && e.state_key === key);
    expect(one("m.room.create")!.content).toEqual({
      room_version: "12",
      type: "org.example.club",
      predecessor: { room_id: old, event_id: last },
    });
    expect(one("m.room.name")!.content).toEqual({ name: "Book club" });
    expect(one("m.room.topic")!.content).toMatchObject({ topic: "Novels" });
    expect(one("m.room.avatar")!.content).toEqual({ url: "mxc://hs1.test/book" });
    expect(one("m.room.encryption")!.content).toEqual({ algorithm: "m.megolm.v1.aes-sha2" });
    expect(one("m.room.server_acl")!.content).toEqual({ allow: ["*"], deny: ["evil.test"], allow_ip_literals: false });
    expect(one("m.room.join_rules")!.content).toEqual({ join_rule: "public" });
    expect(one("m.room.history_visibility")!.content).toEqual({ history_visibility: "world_readable" });
    expect(one("m.room.guest_access")!.content).toEqual({ guest_access: "forbidden" });
    // v12: the upgrader is the creator and has no entry in users; Bob keeps 50.
    const newPl = one("m.room.power_levels")!.content;
    expect(newPl.users).toEqual({ [bob.userId]: 50 });
    expect(one("m.room.member", mallory.userId)!.content).toMatchObject({ membership: "ban", reason: "trolling" });
    expect(one("m.room.member", alice.userId)!.content.membership).toBe("join");
    expect(one("m.room.member", bob.userId)).toBeUndefined();
    expect(one("m.room.canonical_alias")!.content).toEqual({ alias: "#books:hs1.test" });

    // Aliases and the directory listing moved.
    expect((await call(hs, "GET", `/_matrix/client/v3/directory/room/${enc("#books:hs1.test")}`)).body.room_id).toBe(
      fresh,
    );
    expect((await call(hs, "GET", `/_matrix/client/v3/directory/list/room/${enc(fresh)}`)).body).toEqual({
      visibility: "public",
    });
    expect((await call(hs, "GET", `/_matrix/client/v3/directory/list/room/${enc(old)}`)).body).toEqual({
      visibility: "private",
    });

    // The old room: tombstone, no canonical alias, events_default and invite raised to 50.
    expect((await getState(hs, bob, old, "m.room.tombstone")).body).toEqual({
      body: "This room has been replaced",
      replacement_room: fresh,
    });
    expect((await getState(hs, bob, old, "m.room.canonical_alias")).body).toEqual({});
    const oldPl = (await getState(hs, bob, old, "m.room.power_levels")).body;
    expect([oldPl.events_default, oldPl.invite]).toEqual([50, 50]);
    // Carol (power 0) can no longer talk there.
    const carolSends = await call(hs, "PUT", `/_matrix/client/v3/rooms/${enc(old)}/send/m.room.message/late`, {
      token: carol.accessToken,
      body: { msgtype: "m.text", body: "too late" },
    });
    expect(carolSends.status).toBe(403);
    // Bob can follow to the new room.
    expect(await join(hs, bob, fresh)).toBe(200);
  });

  test("v11 to v11 by a non-creator admin: creator and upgrader keep their levels", async () => {
    const old = await createRoom(hs, alice, { room_version: "11", preset: "private_chat" });
    await invite(hs, alice, old, bob.userId);
    await join(hs, bob, old);
    const pl = (await getState(hs, alice, old, "m.room.power_levels")).body;
    await putState(hs, alice, old, "m.room.power_levels", "", {
      ...pl,
      users: { ...(pl.users as object), [bob.userId]: 100 },
    });
    const r = await call<{ replacement_room: string }>(hs, "POST", upgradePath(old), {
      token: bob.accessToken,
      body: { new_version: "11" },
    });
    expect(r.status).toBe(200);
    const state = await fullState(bob, r.body.replacement_room);
    const create = state.find((e) => e.type === "m.room.create")!;
    expect(create.sender).toBe(bob.userId);
    expect(create.content.room_version).toBe("11");
    const newPl = state.find((e) => e.type === "m.room.power_levels")!.content;
    expect(newPl.users).toEqual({ [alice.userId]: 100, [bob.userId]: 100 });
    expect(state.find((e) => e.type === "m.room.join_rules")!.content).toEqual({ join_rule: "invite" });
  });

  test("an upgrader below the levels the copy needs is raised for it, then restored", async () => {
    const old = await createRoom(hs, alice, { room_version: "10", preset: "public_chat" });
    await join(hs, bob, old);
    const pl = (await getState(hs, alice, old, "m.room.power_levels")).body;
    // Bob may tombstone at 60, but the room's own state needs 100 to write.
    await putState(hs, alice, old, "m.room.power_levels", "", {
      ...pl,
      users: { ...(pl.users as object), [bob.userId]: 60 },
      events: { ...(pl.events as object), "m.room.tombstone": 60 },
    });
    const r = await call<{ replacement_room: string }>(hs, "POST", upgradePath(old), {
      token: bob.accessToken,
      body: { new_version: "10" },
    });
    expect(r.status).toBe(200);
    const state = await fullState(bob, r.body.replacement_room);
    expect(state.find((e) => e.type === "m.room.power_levels")!.content.users).toEqual({
      [alice.userId]: 100,
      [bob.userId]: 60,
    });
    expect(state.find((e) => e.type === "m.room.history_visibility")).toBeDefined();
  });

  test("v12 additional_creators are creators of the new room and left out of users", async () => {
    const old = await createRoom(hs, alice, { room_version: "12", preset: "public_chat" });
    await join(hs, bob, old);
    await join(hs, carol, old);
    const pl = (await getState(hs, alice, old, "m.room.power_levels")).body;
    await putState(hs, alice, old, "m.room.power_levels", "", {
      ...pl,
      users: { [bob.userId]: 100, [carol.userId]: 50 },
    });
    const r = await call<{ replacement_room: string }>(hs, "POST", upgradePath(old), {
      token: alice.accessToken,
      body: { new_version: "12", additional_creators: [bob.userId] },
    });
    expect(r.status).toBe(200);
    const state = await fullState(alice, r.body.replacement_room);
    expect(state.find((e) => e.type === "m.room.create")!.content.additional_creators).toEqual([bob.userId]);
    expect(state.find((e) => e.type === "m.room.power_levels")!.content.users).toEqual({ [carol.userId]: 50 });
  });

  test("refusals change nothing: no power, not a member, unknown version, bad body", async () => {
    const v12 = await createRoom(hs, alice, { room_version: "12", preset: "public_chat" });
    await join(hs, bob, v12);
    const pl = (await getState(hs, alice, v12, "m.room.power_levels")).body;
    // 100 is not enough in v12: the tombstone needs 150 (only creators by default).
    await putState(hs, alice, v12, "m.room.power_levels", "", { ...pl, users: { [bob.userId]: 100 } });
    await join(hs, carol, v12);
    const before = roomTableCounts(hs);
    const cases: [TestUser, unknown, number, string][] = [
      [bob, { new_version: "12" }, 403, "M_FORBIDDEN"],
      [carol, { new_version: "12" }, 403, "M_FORBIDDEN"],
      [mallory, { new_version: "12" }, 403, "M_FORBIDDEN"],
      [alice, { new_version: "99" }, 400, "M_UNSUPPORTED_ROOM_VERSION"],
      [alice, { new_version: 12 }, 400, "M_BAD_JSON"],
      [alice, {}, 400, "M_BAD_JSON"],
      [alice, { new_version: "12", additional_creators: ["not a user"] }, 400, "M_BAD_JSON"],
    ];
    for (const [user, body, status, errcode] of cases) {
      const r = await call(hs, "POST", upgradePath(v12), { token: user.accessToken, body });
      expect([user.userId, JSON.stringify(body), r.status, r.body.errcode]).toEqual([
        user.userId,
        JSON.stringify(body),
        status,
        errcode,
      ]);
    }
    const unknown = await call(hs, "POST", upgradePath("!unknown:hs1.test"), {
      token: alice.accessToken,
      body: { new_version: "12" },
    });
    expect(unknown.status).toBe(404);
    expect(roomTableCounts(hs)).toEqual(before);
    expect((await getState(hs, alice, v12, "m.room.tombstone")).status).toBe(404);
  });
});
