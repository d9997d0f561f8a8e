/** GET /hierarchy (nested spaces, order, suggested_only, max_depth, pagination, access) and GET /room_summary. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ICreateClientOpts } from "matrix-js-sdk";
import { call } from "../helpers/client";
import { createRoom, enc, join, putState } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
const r = {} as Record<"S" | "T" | "A" | "B" | "C" | "D" | "E", string>;
const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };

async function addChild(space: string, child: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await putState(hs, alice, space, "m.space.child", child, { via: ["hs1.test"], ...extra });
  expect(res.status).toBe(200);
}

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  const space = { preset: "public_chat", creation_content: { type: "m.space" } };
  r.S = await createRoom(hs, alice, { ...space, name: "Space", room_alias_name: "space" });
  r.T = await createRoom(hs, alice, { ...space, name: "Sub-space" });
  r.A = await createRoom(hs, alice, { preset: "public_chat", name: "A", topic: "all about A" });
  r.B = await createRoom(hs, alice, { preset: "private_chat", name: "B" });
  r.C = await createRoom(hs, alice, {
    preset: "private_chat",
    name: "C",
    initial_state: [
      {
        type: "m.room.join_rules",
        content: { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: r.S }] },
      },
    ],
  });
  r.D = await createRoom(hs, alice, { preset: "public_chat", name: "D" });
  r.E = await createRoom(hs, alice, { preset: "public_chat", name: "E" });
  // S: T (order "a"), A (order "b"), then B and C by timestamp; T: D, E, and S again (a loop).
  await addChild(r.S, r.T, { order: "a", suggested: true });
  await addChild(r.S, r.A, { order: "b" });
  await addChild(r.S, r.B);
  await addChild(r.S, r.C, { suggested: true });
  await addChild(r.S, "!unknown:elsewhere.test");
  await addChild(r.T, r.D);
  await addChild(r.T, r.E, { suggested: true });
  await addChild(r.T, r.S);
  // A child without `via` is no child.
  await putState(hs, alice, r.S, "m.space.child", r.D, {});
  await join(hs, bob, r.S);
});
afterAll(() => hs.stop());

const names = (rooms: { room_id: string }[]) =>
  rooms.map((x) => Object.entries(r).find(([, id]) => id === x.room_id)?.[0] ?? x.room_id);

async function hierarchy(user: TestUser, room: string, query = "") {
  return call<{ rooms: Record<string, unknown>[]; next_batch?: string; errcode?: string }>(
    hs,
    "GET",
    `/_matrix/client/v1/rooms/${enc(room)}/hierarchy${query}`,
    { token: user.accessToken },
  );
}

describe("space hierarchy", () => {
  test("depth first in the spec's child order; loops and unknown rooms skipped; private rooms hidden", async () => {
    const res = await hierarchy(bob, r.S!);
    expect(res.status).toBe(200);
    expect(names(res.body.rooms as { room_id: string }[])).toEqual(["S", "T", "D", "E", "A", "C"]);
    expect(res.body.next_batch).toBeUndefined();
    const s = res.body.rooms[0]!;
    expect(s).toMatchObject({
      room_id: r.S,
      name: "Space",
      canonical_alias: "#space:hs1.test",
      room_type: "m.space",
      join_rule: "public",
      num_joined_members: 2,
      world_readable: false,
      guest_can_join: false,
      room_version: "12",
    });
    const children = s.children_state as {
      state_key: string;
      type: string;
      origin_server_ts: number;
      sender: string;
    }[];
    expect(children.map((c) => c.state_key)).toEqual([r.T, r.A, r.B, r.C, "!unknown:elsewhere.test"]);
    expect(children[0]).toMatchObject({ type: "m.space.child", sender: alice.userId, content: { via: ["hs1.test"] } });
    expect(children[0]!.origin_server_ts).toBeNumber();
    const a = res.body.rooms.find((x) => x.room_id === r.A)!;
    expect(a).toMatchObject({ name: "A", topic: "all about A", children_state: [] });
    expect(res.body.rooms.find((x) => x.room_id === r.C)).toMatchObject({
      join_rule: "restricted",
      allowed_room_ids: [r.S],
    });
  });

  test("restricted rooms show only to members of an allowed room", async () => {
    const res = await hierarchy(carol, r.S!);
    expect(names(res.body.rooms as { room_id: string }[])).toEqual(["S", "T", "D", "E", "A"]);
    const member = await hierarchy(alice, r.S!);
    expect(names(member.body.rooms as { room_id: string }[])).toEqual(["S", "T", "D", "E", "A", "B", "C"]);
  });

  test("suggested_only and max_depth", async () => {
    const suggested = await hierarchy(bob, r.S!, "?suggested_only=true");
    expect(names(suggested.body.rooms as { room_id: string }[])).toEqual(["S", "T", "E", "C"]);
    expect((suggested.body.rooms[0]!.children_state as unknown[]).length).toBe(2);
    const shallow = await hierarchy(bob, r.S!, "?max_depth=1");
    expect(names(shallow.body.rooms as { room_id: string }[])).toEqual(["S", "T", "A", "C"]);
    const root = await hierarchy(bob, r.S!, "?max_depth=0");
    expect(names(root.body.rooms as { room_id: string }[])).toEqual(["S"]);
  });

  test("pagination walks the tree once; parameters cannot change midway", async () => {
    const seen: string[] = [];
    let from: string | undefined;
    let pages = 0;
    do {
      const res = await hierarchy(bob, r.S!, `?limit=2${from ? `&from=${enc(from)}` : ""}`);
      expect(res.status).toBe(200);
      expect(res.body.rooms.length).toBeLessThanOrEqual(2);
      seen.push(...names(res.body.rooms as { room_id: string }[]));
      from = res.body.next_batch;
      pages++;
    } while (from);
    expect(seen).toEqual(["S", "T", "D", "E", "A", "C"]);
    expect(pages).toBe(3);

    const first = await hierarchy(bob, r.S!, "?limit=2");
    const token = first.body.next_batch!;
    const changed = await hierarchy(bob, r.S!, `?limit=2&max_depth=1&from=${enc(token)}`);
    expect([changed.status, changed.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const otherUser = await hierarchy(carol, r.S!, `?limit=2&from=${enc(token)}`);
    expect(otherUser.status).toBe(400);
    // The token still works (a client may retry a page).
    const again = await hierarchy(bob, r.S!, `?limit=2&from=${enc(token)}`);
    expect(names(again.body.rooms as { room_id: string }[])).toEqual(["D", "E"]);
    const unknown = await hierarchy(bob, r.S!, "?from=nope");
    expect([unknown.status, unknown.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
  });

  test("access and bad input", async () => {
    const privateRoot = await hierarchy(carol, r.B!);
    expect([privateRoot.status, privateRoot.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    expect((await hierarchy(carol, "!unknown:hs1.test")).status).toBe(403);
    for (const q of ["?limit=0", "?limit=x", "?max_depth=-1", "?suggested_only=yes"]) {
      const res = await hierarchy(bob, r.S!, q);
      expect([q, res.status, res.body.errcode]).toEqual([q, 400, "M_INVALID_PARAM"]);
    }
    const noToken = await call(hs, "GET", `/_matrix/client/v1/rooms/${enc(r.S!)}/hierarchy`);
    expect(noToken.status).toBe(401);
  });

  test("matrix-js-sdk getRoomHierarchy", async () => {
    const client = createClient({
      baseUrl: hs.baseUrl,
      accessToken: bob.accessToken,
      userId: bob.userId,
      deviceId: bob.deviceId,
      logger: quiet as ICreateClientOpts["logger"],
    });
    const res = await client.getRoomHierarchy(r.S!, 10, 5, false);
    expect(names(res.rooms)).toEqual(["S", "T", "D", "E", "A", "C"]);
  });
});

describe("room summary", () => {
  test("public rooms by ID or alias, even without a token", async () => {
    const byAlias = await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc("#space:hs1.test")}`);
    expect(byAlias.status).toBe(200);
    expect(byAlias.body).toEqual({
      room_id: r.S,
      name: "Space",
      canonical_alias: "#space:hs1.test",
      num_joined_members: 2,
      world_readable: false,
      guest_can_join: false,
      join_rule: "public",
      room_type: "m.space",
      room_version: "12",
    });
    const withToken = await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc(r.A!)}`, {
      token: carol.accessToken,
    });
    expect(withToken.body).toMatchObject({ room_id: r.A, topic: "all about A", membership: "leave" });
  });

  test("private rooms only for members; unknown, remote and malformed are errors", async () => {
    const member = await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc(r.B!)}`, { token: alice.accessToken });
    expect(member.body).toMatchObject({ room_id: r.B, join_rule: "invite", membership: "join" });
    for (const token of [undefined, carol.accessToken]) {
      const res = await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc(r.B!)}`, token ? { token } : {});
      expect([res.status, res.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    }
    const restricted = await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc(r.C!)}`, {
      token: bob.accessToken,
    });
    expect(restricted.body).toMatchObject({ room_id: r.C, allowed_room_ids: [r.S] });
    expect((await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc("#nothing:hs1.test")}`)).status).toBe(404);
    expect((await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc("#x:elsewhere.test")}`)).status).toBe(404);
    const bad = await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc("garbage")}`);
    expect([bad.status, bad.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
  });
});
