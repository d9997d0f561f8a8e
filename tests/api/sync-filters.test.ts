/** /sync filters: every field of the spec's filter changes the response as the spec says. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import { bodies, createRoom, enc, member, send, setState, stateKeys, sync, text, types } from "./sync-helpers";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let room: string;
let other: string;

async function putAccountData(user: TestUser, type: string, content: object, roomId?: string) {
  const path = roomId
    ? `/_matrix/client/v3/user/${enc(user.userId)}/rooms/${enc(roomId)}/account_data/${type}`
    : `/_matrix/client/v3/user/${enc(user.userId)}/account_data/${type}`;
  expect((await call(hs, "PUT", path, { token: user.accessToken, body: content })).status).toBe(200);
}

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  room = await createRoom(hs, alice, { preset: "public_chat", name: "Main" });
  other = await createRoom(hs, alice, { preset: "public_chat", name: "Other" });
  for (const u of [bob, carol]) {
    await member(hs, u, room, "join");
    await member(hs, u, other, "join");
  }
  await text(hs, alice, room, "from alice");
  await text(hs, bob, room, "from bob");
  await send(hs, carol, room, { msgtype: "m.image", body: "pic", url: "mxc://hs1.test/abc" });
  await send(
    hs,
    bob,
    room,
    { key: "👍", "m.relates_to": { rel_type: "m.annotation", key: "👍", event_id: "$x" } },
    "m.reaction",
  );
  await text(hs, alice, other, "in other");
  await putAccountData(alice, "org.example.one", { n: 1 });
  await putAccountData(alice, "org.example.two", { n: 2 });
  await putAccountData(alice, "org.example.room", { r: 1 }, room);
  await putAccountData(alice, "org.example.room", { r: 2 }, other);
});
afterAll(() => hs.stop());

describe("room filters", () => {
  test("rooms and not_rooms choose the rooms of every section", async () => {
    const only = await sync(hs, alice, { filter: { room: { rooms: [other] } } });
    expect(Object.keys(only.rooms.join)).toEqual([other]);
    const without = await sync(hs, alice, { filter: { room: { not_rooms: [other] } } });
    expect(Object.keys(without.rooms.join)).toEqual([room]);
  });

  test("timeline: limit, types with wildcards, not_types, senders, not_senders, contains_url, rooms", async () => {
    const tl = async (timeline: object) =>
      (await sync(hs, alice, { filter: { room: { rooms: [room], timeline } } })).rooms.join[room]!.timeline;
    expect((await tl({ limit: 2 })).events).toHaveLength(2);
    expect((await tl({ limit: 2 })).limited).toBe(true);
    expect(new Set(types(await tl({ types: ["m.room.mess*"] })))).toEqual(new Set(["m.room.message"]));
    expect(types(await tl({ not_types: ["m.room.*"] }))).toEqual(["m.reaction"]);
    expect(bodies(await tl({ senders: [bob.userId], types: ["m.room.message"] }))).toEqual(["from bob"]);
    expect(bodies(await tl({ not_senders: [alice.userId, bob.userId] }))).toEqual(["pic"]);
    expect(bodies(await tl({ contains_url: true }))).toEqual(["pic"]);
    expect(bodies(await tl({ contains_url: false, types: ["m.room.message"] }))).toEqual(["from alice", "from bob"]);
    expect((await tl({ not_rooms: [room] })).events).toEqual([]);
  });

  test("state: types, not_types and senders filter the state section", async () => {
    const st = async (state: object) =>
      (await sync(hs, alice, { filter: { room: { rooms: [room], timeline: { limit: 1 }, state } } })).rooms.join[room]!
        .state;
    expect(types(await st({ types: ["m.room.name"] }))).toEqual(["m.room.name"]);
    expect(types(await st({ not_types: ["m.room.member"] }))).not.toContain("m.room.member");
    expect(new Set(stateKeys(await st({ types: ["m.room.member"], senders: [bob.userId] }), "m.room.member"))).toEqual(
      new Set([bob.userId]),
    );
  });

  test("ephemeral: types and not_types choose typing and receipts", async () => {
    const s0 = await sync(hs, alice);
    const ev = await text(hs, bob, room, "read me");
    expect(
      (
        await call(hs, "POST", `/_matrix/client/v3/rooms/${enc(room)}/receipt/m.read/${enc(ev)}`, {
          token: bob.accessToken,
          body: {},
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(hs, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/typing/${enc(bob.userId)}`, {
          token: bob.accessToken,
          body: { typing: true, timeout: 30_000 },
        })
      ).status,
    ).toBe(200);
    const eph = async (ephemeral: object | undefined) =>
      types(
        (await sync(hs, alice, { since: s0.next_batch, filter: { room: { ephemeral } } })).rooms.join[room]!.ephemeral,
      );
    expect(new Set(await eph(undefined))).toEqual(new Set(["m.receipt", "m.typing"]));
    expect(await eph({ types: ["m.typing"] })).toEqual(["m.typing"]);
    expect(await eph({ not_types: ["m.typing"] })).toEqual(["m.receipt"]);
    expect(await eph({ limit: 1 })).toHaveLength(1);
    await call(hs, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/typing/${enc(bob.userId)}`, {
      token: bob.accessToken,
      body: { typing: false },
    });
  });

  test("account_data (room): types and rooms", async () => {
    const s = await sync(hs, alice, { filter: { room: { account_data: { rooms: [other] } } } });
    expect(s.rooms.join[room]!.account_data.events).toEqual([]);
    expect(s.rooms.join[other]!.account_data.events).toEqual([{ type: "org.example.room", content: { r: 2 } }]);
    const none = await sync(hs, alice, { filter: { room: { account_data: { not_types: ["org.example.*"] } } } });
    expect(none.rooms.join[other]!.account_data.events).toEqual([]);
  });
});

describe("global filters", () => {
  test("account_data: types, not_types and limit", async () => {
    const ad = async (account_data: object) =>
      (await sync(hs, alice, { filter: { account_data } })).account_data.events.map((e) => e.type);
    expect(await ad({ types: ["org.example.one"] })).toEqual(["org.example.one"]);
    expect(await ad({ types: ["org.example.*"], not_types: ["org.example.one"] })).toEqual(["org.example.two"]);
    expect(await ad({ types: ["org.example.*"], limit: 1 })).toEqual(["org.example.two"]);
  });

  test("presence: senders, not_senders, types", async () => {
    // Everyone here has synced, so everyone is online.
    await sync(hs, bob);
    await sync(hs, carol);
    const pr = async (presence: object | undefined) =>
      (await sync(hs, alice, { filter: presence ? { presence } : {} })).presence.events.map((e) => e.sender).sort();
    expect(await pr(undefined)).toEqual([alice.userId, bob.userId, carol.userId].sort());
    expect(await pr({ senders: [bob.userId] })).toEqual([bob.userId]);
    expect(await pr({ not_senders: [bob.userId] })).toEqual([alice.userId, carol.userId].sort());
    expect(await pr({ types: ["m.nothing"] })).toEqual([]);
    expect(await pr({ limit: 1 })).toHaveLength(1);
  });

  test("event_fields keeps only the listed fields", async () => {
    const s = await sync(hs, alice, {
      filter: {
        event_fields: ["type", "content.body"],
        room: { rooms: [room], timeline: { types: ["m.room.message"] } },
      },
    });
    const events = s.rooms.join[room]!.timeline.events;
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(["content", "type"]);
      expect(Object.keys(e.content)).toEqual(["body"]);
    }
  });

  test("event_format federation gives the events as the federation sees them", async () => {
    const s = await sync(hs, alice, { filter: { event_format: "federation", room: { rooms: [room] } } });
    const ev = s.rooms.join[room]!.timeline.events.find((e) => e.type === "m.room.message")!;
    expect(ev.room_id).toBe(room);
    expect(ev).toHaveProperty("hashes");
    expect(ev).toHaveProperty("signatures");
    expect(ev).toHaveProperty("depth");
    expect(ev).toHaveProperty("auth_events");
  });

  test("a stored filter ID works like the same filter inline", async () => {
    const r = await call<{ filter_id: string }>(hs, "POST", `/_matrix/client/v3/user/${enc(alice.userId)}/filter`, {
      token: alice.accessToken,
      body: { room: { rooms: [other] } },
    });
    expect(r.status).toBe(200);
    expect(Object.keys((await sync(hs, alice, { filter: r.body.filter_id })).rooms.join)).toEqual([other]);
    // Another user's filter IDs are not ours.
    const other2 = await call(hs, "GET", `/_matrix/client/v3/sync?filter=${r.body.filter_id}`, {
      token: carol.accessToken,
    });
    expect(
      other2.status === 400 || Object.keys((other2.body as { rooms: { join: object } }).rooms.join).length === 2,
    ).toBe(true);
  });
});

describe("lazy-loading members", () => {
  test("only the senders' member events (and the user's own), redundant ones left out unless asked for", async () => {
    // Named: a room without a name would bring its heroes' member events too.
    const lazyRoom = await createRoom(hs, alice, { preset: "public_chat", name: "Lazy" });
    const users = [bob, carol, createUserDirect(hs, "dan"), createUserDirect(hs, "erin")];
    for (const u of users) await member(hs, u, lazyRoom, "join");
    for (let i = 0; i < 12; i++) await text(hs, alice, lazyRoom, `filler ${i}`);
    await text(hs, bob, lazyRoom, "bob speaks");

    const lazy = { room: { rooms: [lazyRoom], state: { lazy_load_members: true } } };
    const s1 = await sync(hs, carol, { filter: lazy });
    const r1 = s1.rooms.join[lazyRoom]!;
    // Full state would hold 5 member events; lazy-loading: the timeline's senders and carol herself.
    expect(stateKeys(r1.state, "m.room.member").sort()).toEqual([alice.userId, bob.userId, carol.userId].sort());
    expect(types(r1.state)).toContain("m.room.create");

    // Incremental: alice and bob again, already sent to this device: left out.
    await text(hs, alice, lazyRoom, "again");
    await text(hs, bob, lazyRoom, "bob again");
    const s2 = await sync(hs, carol, { since: s1.next_batch, filter: lazy });
    expect(stateKeys(s2.rooms.join[lazyRoom]!.state, "m.room.member")).toEqual([]);

    // include_redundant_members: sent again.
    await text(hs, alice, lazyRoom, "once more");
    const redundant = {
      room: { rooms: [lazyRoom], state: { lazy_load_members: true, include_redundant_members: true } },
    };
    const s3 = await sync(hs, carol, { since: s2.next_batch, filter: redundant });
    expect(stateKeys(s3.rooms.join[lazyRoom]!.state, "m.room.member")).toEqual([alice.userId]);

    // Without lazy-loading, the full member list.
    const full = await sync(hs, carol, { filter: { room: { rooms: [lazyRoom], timeline: { limit: 1 } } } });
    expect(stateKeys(full.rooms.join[lazyRoom]!.state, "m.room.member")).toHaveLength(5);
  });

  test("in a room without a name, the heroes' member events come too", async () => {
    const unnamed = await createRoom(hs, alice, { preset: "public_chat" });
    await member(hs, bob, unnamed, "join");
    await member(hs, carol, unnamed, "join");
    for (let i = 0; i < 12; i++) await text(hs, alice, unnamed, `filler ${i}`);
    const s = await sync(hs, carol, { filter: { room: { rooms: [unnamed], state: { lazy_load_members: true } } } });
    const r = s.rooms.join[unnamed]!;
    expect(r.summary?.["m.heroes"]).toEqual([alice.userId, bob.userId]);
    expect(stateKeys(r.state, "m.room.member").sort()).toEqual([alice.userId, bob.userId, carol.userId].sort());
  });

  test("a limited incremental sync sends the member changes of the gap even when lazy", async () => {
    const gapRoom = await createRoom(hs, alice, { preset: "public_chat" });
    await member(hs, bob, gapRoom, "join");
    const lazy = { room: { rooms: [gapRoom], timeline: { limit: 2 }, state: { lazy_load_members: true } } };
    const s1 = await sync(hs, bob, { filter: lazy });
    await member(hs, carol, gapRoom, "join");
    await setState(hs, carol, gapRoom, "m.room.member", carol.userId, { membership: "join", displayname: "C" });
    for (let i = 0; i < 5; i++) await text(hs, alice, gapRoom, `x${i}`);
    const s2 = await sync(hs, bob, { since: s1.next_batch, filter: lazy });
    const r = s2.rooms.join[gapRoom]!;
    expect(r.timeline.limited).toBe(true);
    expect(r.state.events.find((e) => e.state_key === carol.userId)?.content.displayname).toBe("C");
  });
});

describe("unread_thread_notifications", () => {
  test("splits the counts per thread when asked", async () => {
    const tr = await createRoom(hs, alice, { preset: "public_chat" });
    await member(hs, bob, tr, "join");
    await member(hs, carol, tr, "join");
    const root = await text(hs, alice, tr, "root");
    await send(hs, alice, tr, {
      msgtype: "m.text",
      body: "in thread",
      "m.relates_to": { rel_type: "m.thread", event_id: root },
    });
    const plain = (await sync(hs, bob, { filter: { room: { rooms: [tr] } } })).rooms.join[tr]!;
    expect(plain.unread_notifications).toEqual({ highlight_count: 0, notification_count: 2 });
    expect(plain.unread_thread_notifications).toBeUndefined();
    const split = (
      await sync(hs, bob, { filter: { room: { rooms: [tr], timeline: { unread_thread_notifications: true } } } })
    ).rooms.join[tr]!;
    expect(split.unread_notifications).toEqual({ highlight_count: 0, notification_count: 1 });
    expect(split.unread_thread_notifications).toEqual({ [root]: { highlight_count: 0, notification_count: 1 } });
  });
});
