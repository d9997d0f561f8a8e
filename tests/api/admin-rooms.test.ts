/** Synapse-compatible room admin API: list, details, members, state, block, delete (kick, block, purge). */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { createRoom, enc, getState, join, putState, roomTableCounts, sendMessage } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let admin: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  admin = createUserDirect(hs, "admin", { admin: true });
});
afterAll(() => hs.stop());

const count = (sql: string, ...args: (string | number)[]) =>
  hs.server.db.sqlite.query<{ n: number }, (string | number)[]>(sql).get(...args)!.n;
const roomNid = (roomId: string) =>
  hs.server.db.sqlite.query<{ room_nid: number }, [string]>("SELECT room_nid FROM rooms WHERE room_id = ?").get(roomId)!
    .room_nid;

type Listing = {
  rooms: Record<string, unknown>[];
  total_rooms: number;
  offset: number;
  next_batch?: number;
  prev_batch?: number;
};

describe("room admin API", () => {
  let zoo: string;
  let apple: string;
  let middle: string;

  test("list with order, direction, search and paging", async () => {
    zoo = await createRoom(hs, alice, { preset: "public_chat", name: "Zoo", room_alias_name: "zoo" });
    apple = await createRoom(hs, alice, { preset: "public_chat", name: "apple", visibility: "public" });
    middle = await createRoom(hs, bob, { preset: "private_chat", name: "Middle", room_version: "10" });
    await join(hs, bob, zoo);
    const all = await call<Listing>(hs, "GET", "/_synapse/admin/v1/rooms", { token: admin.accessToken });
    expect(all.status).toBe(200);
    expect(all.body.total_rooms).toBe(3);
    expect(all.body.offset).toBe(0);
    expect(all.body.rooms.map((r) => r.name)).toEqual(["apple", "Middle", "Zoo"]);
    expect(all.body.rooms[2]).toEqual({
      room_id: zoo,
      name: "Zoo",
      canonical_alias: "#zoo:hs1.test",
      joined_members: 2,
      joined_local_members: 2,
      version: "12",
      creator: alice.userId,
      encryption: null,
      federatable: true,
      public: false,
      join_rules: "public",
      guest_access: "forbidden",
      history_visibility: "shared",
      state_events: 9,
      room_type: null,
    });
    const bySize = await call<Listing>(hs, "GET", "/_synapse/admin/v1/rooms?order_by=joined_members&dir=b", {
      token: admin.accessToken,
    });
    expect(bySize.body.rooms[0]!.room_id).toBe(zoo);
    for (const order of [
      "name",
      "canonical_alias",
      "joined_members",
      "joined_local_members",
      "version",
      "creator",
      "encryption",
      "federatable",
      "public",
      "join_rules",
      "guest_access",
      "history_visibility",
      "state_events",
      "alphabetical",
      "size",
    ]) {
      for (const dir of ["f", "b"]) {
        const r = await call<Listing>(hs, "GET", `/_synapse/admin/v1/rooms?order_by=${order}&dir=${dir}`, {
          token: admin.accessToken,
        });
        expect([order, dir, r.status, r.body.rooms.length]).toEqual([order, dir, 200, 3]);
      }
    }
    const byVersion = await call<Listing>(hs, "GET", "/_synapse/admin/v1/rooms?order_by=version", {
      token: admin.accessToken,
    });
    expect(byVersion.body.rooms.map((r) => r.version)).toEqual(["10", "12", "12"]);
    const search = await call<Listing>(hs, "GET", "/_synapse/admin/v1/rooms?search_term=zo", {
      token: admin.accessToken,
    });
    expect(search.body.rooms.map((r) => r.room_id)).toEqual([zoo]);
    expect(search.body.total_rooms).toBe(1);
    const byId = await call<Listing>(hs, "GET", `/_synapse/admin/v1/rooms?search_term=${enc(middle)}`, {
      token: admin.accessToken,
    });
    expect(byId.body.rooms.map((r) => r.room_id)).toEqual([middle]);
    const page = await call<Listing>(hs, "GET", "/_synapse/admin/v1/rooms?from=1&limit=1", {
      token: admin.accessToken,
    });
    expect(page.body.rooms.map((r) => r.name)).toEqual(["Middle"]);
    expect([page.body.next_batch, page.body.prev_batch]).toEqual([2, 0]);
  });

  test("details, members and state", async () => {
    const d = await call(hs, "GET", `/_synapse/admin/v1/rooms/${enc(zoo)}`, { token: admin.accessToken });
    expect(d.body).toMatchObject({ room_id: zoo, name: "Zoo", topic: null, avatar: null, blocked: false });
    const byAlias = await call(hs, "GET", `/_synapse/admin/v1/rooms/${enc("#zoo:hs1.test")}`, {
      token: admin.accessToken,
    });
    expect(byAlias.body.room_id).toBe(zoo);
    const members = await call(hs, "GET", `/_synapse/admin/v1/rooms/${enc(zoo)}/members`, { token: admin.accessToken });
    expect(members.body).toEqual({ members: [alice.userId, bob.userId], total: 2 });
    const state = await call<{ state: { type: string }[] }>(hs, "GET", `/_synapse/admin/v1/rooms/${enc(zoo)}/state`, {
      token: admin.accessToken,
    });
    expect(state.body.state.map((e) => e.type)).toContain("m.room.create");
    expect(
      (await call(hs, "GET", "/_synapse/admin/v1/rooms/!nope:hs1.test", { token: admin.accessToken })).status,
    ).toBe(404);
  });

  test("non-admins and bad input are refused, nothing changes", async () => {
    const before = roomTableCounts(hs);
    for (const [method, path, body] of [
      ["GET", "/_synapse/admin/v1/rooms", undefined],
      ["DELETE", `/_synapse/admin/v1/rooms/${enc(zoo)}`, {}],
      ["PUT", `/_synapse/admin/v1/rooms/${enc(zoo)}/block`, { block: true }],
    ] as const) {
      const r = await call(hs, method, path, { token: alice.accessToken, ...(body ? { body } : {}) });
      expect([path, r.status, r.body.errcode]).toEqual([path, 403, "M_FORBIDDEN"]);
    }
    const bad: [string, string, unknown, string][] = [
      ["GET", "/_synapse/admin/v1/rooms?order_by=colour", undefined, "M_INVALID_PARAM"],
      ["GET", "/_synapse/admin/v1/rooms?limit=0", undefined, "M_INVALID_PARAM"],
      ["DELETE", `/_synapse/admin/v1/rooms/${enc(zoo)}`, { block: "yes" }, "M_BAD_JSON"],
      ["DELETE", `/_synapse/admin/v1/rooms/${enc(zoo)}`, { new_room_user_id: "@x:elsewhere.test" }, "M_BAD_JSON"],
      ["DELETE", `/_synapse/admin/v1/rooms/${enc(zoo)}`, { new_room_user_id: "@ghost:hs1.test" }, "M_BAD_JSON"],
      ["DELETE", "/_synapse/admin/v1/rooms/not-a-room", {}, "M_INVALID_PARAM"],
      ["PUT", `/_synapse/admin/v1/rooms/${enc(zoo)}/block`, {}, "M_BAD_JSON"],
    ];
    for (const [method, path, body, errcode] of bad) {
      const r = await call(hs, method, path, { token: admin.accessToken, ...(body ? { body } : {}) });
      expect([path, JSON.stringify(body), r.status, r.body.errcode]).toEqual([
        path,
        JSON.stringify(body),
        400,
        errcode,
      ]);
    }
    expect(roomTableCounts(hs)).toEqual(before);
  });

  test("block: nobody can join; unblock lifts it", async () => {
    const path = `/_synapse/admin/v1/rooms/${enc(apple)}/block`;
    expect((await call(hs, "GET", path, { token: admin.accessToken })).body).toEqual({ block: false });
    expect((await call(hs, "PUT", path, { token: admin.accessToken, body: { block: true } })).body).toEqual({
      block: true,
    });
    expect((await call(hs, "GET", path, { token: admin.accessToken })).body).toEqual({
      block: true,
      user_id: admin.userId,
    });
    const refused = await call(hs, "POST", `/_matrix/client/v3/join/${enc(apple)}`, {
      token: bob.accessToken,
      body: {},
    });
    expect(refused.status).toBe(403);
    // A blocked room leaves the directory.
    expect((await call(hs, "GET", `/_matrix/client/v3/directory/list/room/${enc(apple)}`)).body).toEqual({
      visibility: "private",
    });
    await call(hs, "PUT", path, { token: admin.accessToken, body: { block: false } });
    expect(await join(hs, bob, apple)).toBe(200);
  });

  test("delete: members leave, aliases go, history is purged, the room cannot be joined", async () => {
    await sendMessage(hs, alice, zoo, "hello");
    await putState(hs, alice, zoo, "m.room.topic", "", { topic: "animals" });
    const other = await createRoom(hs, alice, { preset: "public_chat", name: "Other" });
    const otherEvents = count("SELECT count(*) AS n FROM events WHERE room_nid = ?", roomNid(other));
    const nid = roomNid(zoo);
    const zooEvents = hs.server.db.sqlite
      .query<{ event_id: string }, [number]>("SELECT event_id FROM events WHERE room_nid = ?")
      .all(nid)
      .map((e) => e.event_id);
    const r = await call(hs, "DELETE", `/_synapse/admin/v1/rooms/${enc(zoo)}`, {
      token: admin.accessToken,
      body: { block: true },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      kicked_users: [alice.userId, bob.userId],
      failed_to_kick_users: [],
      local_aliases: ["#zoo:hs1.test"],
      new_room_id: null,
    });
    for (const table of [
      "current_state",
      "room_memberships",
      "forward_extremities",
      "room_aliases",
      "room_summaries",
    ]) {
      expect([table, count(`SELECT count(*) AS n FROM ${table} WHERE room_nid = ?`, nid)]).toEqual([table, 0]);
    }
    // Only the inert markers that keep row numbers and stream positions from going back remain.
    expect(count("SELECT count(*) AS n FROM events WHERE room_nid = ? AND rejected_reason IS NOT 'purged'", nid)).toBe(
      0,
    );
    expect(count("SELECT count(*) AS n FROM state_snapshots WHERE room_nid = ? AND entry_count > 0", nid)).toBe(0);
    for (const id of zooEvents) expect(count("SELECT count(*) AS n FROM events WHERE event_id = ?", id)).toBe(0);
    expect(count("SELECT count(*) AS n FROM events WHERE room_nid = ?", roomNid(other))).toBe(otherEvents);
    const rejoin = await call(hs, "POST", `/_matrix/client/v3/join/${enc(zoo)}`, { token: bob.accessToken, body: {} });
    expect(rejoin.status).toBe(403);
    expect((await call(hs, "GET", `/_matrix/client/v3/directory/room/${enc("#zoo:hs1.test")}`)).status).toBe(404);
    const joined = await call<{ joined_rooms: string[] }>(hs, "GET", "/_matrix/client/v3/joined_rooms", {
      token: alice.accessToken,
    });
    expect(joined.body.joined_rooms).not.toContain(zoo);
    expect((await getState(hs, alice, zoo, "m.room.topic")).status).toBe(403);
    // The server keeps working: new rooms and the other room are fine (purged numbers may be reused).
    const next = await createRoom(hs, alice, { preset: "public_chat", name: "After" });
    expect((await getState(hs, alice, next, "m.room.name")).body).toEqual({ name: "After" });
    expect(await join(hs, bob, other)).toBe(200);
    const listed = await call<Listing>(hs, "GET", `/_synapse/admin/v1/rooms/${enc(zoo)}`, { token: admin.accessToken });
    expect(listed.body).toMatchObject({ room_id: zoo, name: null, joined_members: 0, blocked: true });
  });

  test("purging the most recent events never lets numbers or stream positions go back", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat", name: "Latest" });
    for (let i = 0; i < 5; i++) await sendMessage(hs, alice, room, `m${i}`);
    const marks = () =>
      hs.server.db.sqlite
        .query<{ nid: number; stream: number; snap: number }, []>(
          "SELECT max(event_nid) AS nid, max(stream_ordering) AS stream, (SELECT max(snapshot_nid) FROM state_snapshots) AS snap FROM events",
        )
        .get()!;
    const top = marks();
    const r = await call(hs, "DELETE", `/_synapse/admin/v1/rooms/${enc(room)}`, { token: admin.accessToken, body: {} });
    expect(r.status).toBe(200);
    const next = await createRoom(hs, bob, { preset: "public_chat", name: "Next" });
    const first = hs.server.db.sqlite
      .query<{ nid: number; stream: number }, [number]>(
        "SELECT min(event_nid) AS nid, min(stream_ordering) AS stream FROM events WHERE room_nid = ?",
      )
      .get(roomNid(next))!;
    const firstSnap = count("SELECT min(snapshot_nid) AS n FROM state_snapshots WHERE room_nid = ?", roomNid(next));
    expect(first.nid).toBeGreaterThan(top.nid);
    expect(first.stream).toBeGreaterThan(top.stream);
    expect(firstSnap).toBeGreaterThan(top.snap);
    // The purged room's last stream position is still the high-water mark (a sync token may hold it).
    expect(
      count("SELECT count(*) AS n FROM events WHERE room_nid = ? AND stream_ordering > ?", roomNid(room), top.stream),
    ).toBe(1);
    expect((await getState(hs, bob, next, "m.room.name")).body).toEqual({ name: "Next" });
  });

  test("delete without block or purge: the room stays joinable and keeps its history", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat", name: "Kept" });
    await join(hs, bob, room);
    const events = count("SELECT count(*) AS n FROM events WHERE room_nid = ?", roomNid(room));
    const r = await call(hs, "DELETE", `/_synapse/admin/v1/rooms/${enc(room)}`, {
      token: admin.accessToken,
      body: { purge: false },
    });
    expect(r.body.kicked_users).toEqual([alice.userId, bob.userId]);
    expect(count("SELECT count(*) AS n FROM events WHERE room_nid = ?", roomNid(room))).toBe(events + 2);
  });

  test("delete with new_room_user_id: members move to a new room with the message; aliases follow", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat", name: "Bad", room_alias_name: "bad" });
    await join(hs, bob, room);
    const r = await call<{ new_room_id: string; kicked_users: string[]; local_aliases: string[] }>(
      hs,
      "DELETE",
      `/_synapse/admin/v1/rooms/${enc(room)}`,
      { token: admin.accessToken, body: { new_room_user_id: admin.userId, room_name: "Notice", message: "Closed." } },
    );
    expect(r.status).toBe(200);
    const fresh = r.body.new_room_id;
    expect(fresh).toMatch(/^!/);
    expect(r.body.local_aliases).toEqual(["#bad:hs1.test"]);
    const members = await call(hs, "GET", `/_synapse/admin/v1/rooms/${enc(fresh)}/members`, {
      token: admin.accessToken,
    });
    expect((members.body.members as string[]).sort()).toEqual([admin.userId, alice.userId, bob.userId].sort());
    expect((await getState(hs, bob, fresh, "m.room.name")).body).toEqual({ name: "Notice" });
    expect((await call(hs, "GET", `/_matrix/client/v3/directory/room/${enc("#bad:hs1.test")}`)).body.room_id).toBe(
      fresh,
    );
    const messages = count(
      "SELECT count(*) AS n FROM events WHERE room_nid = ? AND type = 'm.room.message' AND json LIKE '%Closed.%'",
      roomNid(fresh),
    );
    expect(messages).toBe(1);
  });
});
