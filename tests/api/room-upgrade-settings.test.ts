/**
 * Room upgrades carry a user's personal settings for the room into its replacement when they join it
 * (src/services/upgrade/user-settings-transfer.ts): tags, the m.direct entry and the push rules that
 * name the room; settings already made for the new room win; nothing moves for users who were not
 * in the old room, and a later profile change does not copy again.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { createRoom, enc, invite, join } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
});
afterAll(() => hs.stop());

type Json = Record<string, unknown>;
const userPath = (u: TestUser) => `/_matrix/client/v3/user/${enc(u.userId)}`;

async function ok(u: TestUser, method: string, path: string, body?: unknown): Promise<Json> {
  const r = await call<Json>(hs, method, path, { token: u.accessToken, ...(body !== undefined ? { body } : {}) });
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}
const tags = async (u: TestUser, roomId: string) =>
  (await ok(u, "GET", `${userPath(u)}/rooms/${enc(roomId)}/tags`)).tags;
const direct = async (u: TestUser) => ok(u, "GET", `${userPath(u)}/account_data/m.direct`);
const overrideRules = async (u: TestUser) =>
  ((await ok(u, "GET", "/_matrix/client/v3/pushrules/")).global as { override: Json[] }).override;
const roomRules = async (u: TestUser) =>
  ((await ok(u, "GET", "/_matrix/client/v3/pushrules/")).global as { room: Json[] }).room;

async function upgrade(roomId: string): Promise<string> {
  return (await ok(alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/upgrade`, { new_version: "12" }))
    .replacement_room as string;
}

test("Bob's tags, m.direct entry, mute rule and room rule follow him into the new room when he joins", async () => {
  const old = await createRoom(hs, alice, { preset: "private_chat", is_direct: true, invite: [bob.userId] });
  expect(await join(hs, bob, old)).toBe(200);
  await ok(bob, "PUT", `${userPath(bob)}/rooms/${enc(old)}/tags/m.favourite`, { order: 0.25 });
  await ok(bob, "PUT", `${userPath(bob)}/account_data/m.direct`, { [alice.userId]: [old], "@x:hs1.test": ["!other"] });
  await ok(alice, "PUT", `${userPath(alice)}/account_data/m.direct`, { [bob.userId]: [old] });
  const mute = { conditions: [{ kind: "event_match", key: "room_id", pattern: old }], actions: [] };
  await ok(bob, "PUT", `/_matrix/client/v3/pushrules/global/override/${enc(old)}`, mute);
  await ok(bob, "PUT", `/_matrix/client/v3/pushrules/global/room/${enc(old)}`, { actions: [] });
  await ok(bob, "PUT", `/_matrix/client/v3/pushrules/global/room/${enc(old)}/enabled`, { enabled: false });

  const next = await upgrade(old);
  // The upgrader joined the new room during the upgrade: her m.direct already lists it.
  expect(await direct(alice)).toEqual({ [bob.userId]: [old, next] });
  // Nothing moves for Bob before he joins.
  expect(await tags(bob, next)).toEqual({});

  await invite(hs, alice, next, bob.userId);
  expect(await join(hs, bob, next)).toBe(200);
  expect(await tags(bob, next)).toEqual({ "m.favourite": { order: 0.25 } });
  expect(await direct(bob)).toEqual({ [alice.userId]: [old, next], "@x:hs1.test": ["!other"] });
  const copied = (await overrideRules(bob)).find((r) => r.rule_id === next);
  expect(copied).toMatchObject({
    conditions: [{ kind: "event_match", key: "room_id", pattern: next }],
    actions: [],
    enabled: true,
  });
  expect((await roomRules(bob)).find((r) => r.rule_id === next)).toMatchObject({ actions: [], enabled: false });
  // The old room keeps its own settings.
  expect(await tags(bob, old)).toEqual({ "m.favourite": { order: 0.25 } });
  expect((await overrideRules(bob)).some((r) => r.rule_id === old)).toBe(true);

  // A later profile change (a join over a join) copies nothing again.
  await ok(bob, "DELETE", `${userPath(bob)}/rooms/${enc(next)}/tags/m.favourite`);
  await ok(bob, "PUT", `/_matrix/client/v3/profile/${enc(bob.userId)}/displayname`, { displayname: "Robert" });
  expect(await tags(bob, next)).toEqual({});
});

test("what the user already set for the new room wins; users who were not in the old room get nothing", async () => {
  const old = await createRoom(hs, alice, { preset: "public_chat" });
  expect(await join(hs, bob, old)).toBe(200);
  await ok(bob, "PUT", `${userPath(bob)}/rooms/${enc(old)}/tags/m.favourite`, { order: 0.1 });
  await ok(bob, "PUT", `${userPath(bob)}/rooms/${enc(old)}/tags/u.work`, {});
  await ok(carol, "PUT", `${userPath(carol)}/rooms/${enc(old)}/tags/m.lowpriority`, {}); // never joined
  const next = await upgrade(old);
  await ok(bob, "PUT", `${userPath(bob)}/rooms/${enc(next)}/tags/m.favourite`, { order: 0.9 });
  expect(await join(hs, bob, next)).toBe(200);
  expect(await tags(bob, next)).toEqual({ "m.favourite": { order: 0.9 }, "u.work": {} });
  expect(await join(hs, carol, next)).toBe(200);
  expect(await tags(carol, next)).toEqual({});
});
