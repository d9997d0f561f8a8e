/** Typing, receipts, read markers, unread counts, presence and tags: their endpoints and their /sync sections. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "../../src/util/clock";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import { createRoom as createRoomAt, type Ev, enc, member, send, sync, text } from "./sync-helpers";

const clock = manualClock(1_800_000_000_000);
let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let stranger: TestUser;
let room: string;

beforeAll(async () => {
  hs = await startTestServer({ clock, config: { sync: { offline_timeout_ms: 600_000 } } });
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  stranger = createUserDirect(hs, "stranger");
  room = await createRoom(hs, alice, { preset: "public_chat", name: "Chat" });
  await member(hs, bob, room, "join");
});
afterAll(() => hs.stop());

/** Room IDs (v12) come from the create event: with a clock that stands still, move it between rooms. */
function createRoom(server: TestServer, user: TestUser, body: Record<string, unknown>): Promise<string> {
  clock.advance(1);
  return createRoomAt(server, user, body);
}

const typingPath = (roomId: string, userId: string) => `/_matrix/client/v3/rooms/${enc(roomId)}/typing/${enc(userId)}`;
const receiptPath = (roomId: string, type: string, eventId: string) =>
  `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/${type}/${enc(eventId)}`;
const ephemeral = (s: { rooms: { join: Record<string, { ephemeral: { events: Ev[] } }> } }, roomId: string) =>
  s.rooms.join[roomId]?.ephemeral.events ?? [];
type ReceiptContent = Record<string, Record<string, Record<string, unknown>>>;
const receiptsIn = (events: Ev[]) =>
  events.filter((e) => e.type === "m.receipt").map((e) => e.content as ReceiptContent);

describe("typing", () => {
  test("a user's typing reaches the room's members, and ends when they stop or it times out", async () => {
    const s0 = await sync(hs, bob);
    let r = await call(hs, "PUT", typingPath(room, alice.userId), {
      token: alice.accessToken,
      body: { typing: true, timeout: 10_000 },
    });
    expect(r).toEqual({ status: 200, body: {} });
    const s1 = await sync(hs, bob, { since: s0.next_batch });
    expect(ephemeral(s1, room)).toEqual([{ type: "m.typing", content: { user_ids: [alice.userId] } }]);
    // A complete sync shows who types now.
    expect(ephemeral(await sync(hs, bob), room)).toContainEqual({
      type: "m.typing",
      content: { user_ids: [alice.userId] },
    });

    // Refreshing a running notification is not news.
    await call(hs, "PUT", typingPath(room, alice.userId), {
      token: alice.accessToken,
      body: { typing: true, timeout: 10_000 },
    });
    expect(ephemeral(await sync(hs, bob, { since: s1.next_batch }), room)).toEqual([]);

    clock.advance(10_001);
    hs.server.services.typing.expire();
    const s2 = await sync(hs, bob, { since: s1.next_batch });
    expect(ephemeral(s2, room)).toEqual([{ type: "m.typing", content: { user_ids: [] } }]);

    await call(hs, "PUT", typingPath(room, bob.userId), { token: bob.accessToken, body: { typing: true } });
    r = await call(hs, "PUT", typingPath(room, bob.userId), { token: bob.accessToken, body: { typing: false } });
    expect(r.status).toBe(200);
    const s3 = await sync(hs, alice, { since: s2.next_batch });
    expect(ephemeral(s3, room)).toEqual([{ type: "m.typing", content: { user_ids: [] } }]);
  });

  test("leaving the room ends the user's typing there", async () => {
    const r = await createRoom(hs, alice, { preset: "public_chat", name: "Leavers" });
    const u = createUserDirect(hs, "leaver");
    await member(hs, u, r, "join");
    const s0 = await sync(hs, alice);
    await call(hs, "PUT", typingPath(r, u.userId), { token: u.accessToken, body: { typing: true, timeout: 60_000 } });
    const s1 = await sync(hs, alice, { since: s0.next_batch });
    expect(ephemeral(s1, r)).toEqual([{ type: "m.typing", content: { user_ids: [u.userId] } }]);
    await member(hs, u, r, "leave");
    const s2 = await sync(hs, alice, { since: s1.next_batch });
    expect(ephemeral(s2, r)).toEqual([{ type: "m.typing", content: { user_ids: [] } }]);
  });

  test("refused: another user's typing, a room the user is not in, a bad body", async () => {
    const forbidden = await call<{ errcode: string }>(hs, "PUT", typingPath(room, bob.userId), {
      token: alice.accessToken,
      body: { typing: true },
    });
    expect([forbidden.status, forbidden.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const notIn = await call<{ errcode: string }>(hs, "PUT", typingPath(room, stranger.userId), {
      token: stranger.accessToken,
      body: { typing: true },
    });
    expect([notIn.status, notIn.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    for (const body of [{}, { typing: "yes" }, { typing: true, timeout: -1 }]) {
      const bad = await call<{ errcode: string }>(hs, "PUT", typingPath(room, alice.userId), {
        token: alice.accessToken,
        body,
      });
      expect([bad.status, bad.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    }
    const badRoom = await call<{ errcode: string }>(hs, "PUT", typingPath("nope", alice.userId), {
      token: alice.accessToken,
      body: { typing: true },
    });
    expect([badRoom.status, badRoom.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
  });
});

describe("receipts and unread counts", () => {
  test("m.read is shared with the room; m.read.private only with its owner; both clear the counts", async () => {
    const r = await createRoom(hs, alice, { preset: "public_chat", name: "Counts" });
    await member(hs, bob, r, "join");
    const ids = [await text(hs, bob, r, "one"), await text(hs, bob, r, "two"), await text(hs, bob, r, "three")];
    const s0 = await sync(hs, alice);
    expect(s0.rooms.join[r]!.unread_notifications).toEqual({ highlight_count: 0, notification_count: 3 });
    const b0 = await sync(hs, bob);

    expect(
      (await call(hs, "POST", receiptPath(r, "m.read", ids[1]!), { token: alice.accessToken, body: {} })).status,
    ).toBe(200);
    const s1 = await sync(hs, alice, { since: s0.next_batch });
    expect(s1.rooms.join[r]!.unread_notifications).toEqual({ highlight_count: 0, notification_count: 1 });
    const seenByBob = receiptsIn(ephemeral(await sync(hs, bob, { since: b0.next_batch }), r));
    expect(seenByBob).toEqual([{ [ids[1]!]: { "m.read": { [alice.userId]: { ts: clock.now() } } } }]);

    await call(hs, "POST", receiptPath(r, "m.read.private", ids[2]!), { token: alice.accessToken, body: {} });
    const s2 = await sync(hs, alice, { since: s1.next_batch });
    expect(s2.rooms.join[r]!.unread_notifications).toEqual({ highlight_count: 0, notification_count: 0 });
    expect(receiptsIn(ephemeral(s2, r))).toEqual([
      { [ids[2]!]: { "m.read.private": { [alice.userId]: { ts: clock.now() } } } },
    ]);
    const b2 = await sync(hs, bob, { since: b0.next_batch });
    expect(JSON.stringify(receiptsIn(ephemeral(b2, r)))).not.toContain("m.read.private");

    // A receipt further back changes nothing (receipts only move forwards).
    const before = (await sync(hs, bob)).next_batch;
    await call(hs, "POST", receiptPath(r, "m.read", ids[0]!), { token: alice.accessToken, body: {} });
    expect(ephemeral(await sync(hs, bob, { since: before }), r)).toEqual([]);

    // The complete sync carries the current receipts.
    const all = receiptsIn(ephemeral(await sync(hs, alice), r));
    expect(all).toHaveLength(1);
    expect(Object.keys(all[0]!).sort()).toEqual([ids[1]!, ids[2]!].sort());

    // Sending reads the room up to the sent event.
    await text(hs, bob, r, "four");
    expect((await sync(hs, alice)).rooms.join[r]!.unread_notifications?.notification_count).toBe(1);
    await text(hs, alice, r, "my answer");
    expect((await sync(hs, alice)).rooms.join[r]!.unread_notifications?.notification_count).toBe(0);
  });

  test("threaded receipts clear only their thread, and must match the event's thread", async () => {
    const r = await createRoom(hs, alice, { preset: "public_chat", name: "Threads" });
    await member(hs, bob, r, "join");
    const root = await text(hs, bob, r, "root");
    const inThread = await send(hs, bob, r, {
      msgtype: "m.text",
      body: "reply",
      "m.relates_to": { rel_type: "m.thread", event_id: root },
    });
    const filter = { room: { rooms: [r], timeline: { unread_thread_notifications: true } } };
    let s = await sync(hs, alice, { filter });
    expect(s.rooms.join[r]!.unread_notifications?.notification_count).toBe(1);
    expect(s.rooms.join[r]!.unread_thread_notifications?.[root]?.notification_count).toBe(1);

    const wrong = await call<{ errcode: string }>(hs, "POST", receiptPath(r, "m.read", inThread), {
      token: alice.accessToken,
      body: { thread_id: "main" },
    });
    expect([wrong.status, wrong.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const ok = await call(hs, "POST", receiptPath(r, "m.read", inThread), {
      token: alice.accessToken,
      body: { thread_id: root },
    });
    expect(ok.status).toBe(200);
    s = await sync(hs, alice, { filter });
    expect(s.rooms.join[r]!.unread_thread_notifications).toBeUndefined();
    expect(s.rooms.join[r]!.unread_notifications?.notification_count).toBe(1);
    const receipt = receiptsIn(ephemeral(s, r))[0]!;
    expect(receipt[inThread]).toEqual({ "m.read": { [alice.userId]: { ts: clock.now(), thread_id: root } } });

    await call(hs, "POST", receiptPath(r, "m.read", root), { token: alice.accessToken, body: { thread_id: "main" } });
    s = await sync(hs, alice, { filter });
    expect(s.rooms.join[r]!.unread_notifications?.notification_count).toBe(0);
  });

  test("refused: bad thread_id, unknown event, a room the user is not in, an unknown receipt type", async () => {
    const ev = await text(hs, alice, room, "x");
    const tries: [string, string, object, number, string][] = [
      [receiptPath(room, "m.read", ev), "alice", { thread_id: "" }, 400, "M_INVALID_PARAM"],
      [receiptPath(room, "m.read", ev), "alice", { thread_id: 5 }, 400, "M_INVALID_PARAM"],
      [receiptPath(room, "m.fully_read", ev), "alice", { thread_id: "main" }, 400, "M_INVALID_PARAM"],
      [receiptPath(room, "m.read", `$${"A".repeat(43)}`), "alice", {}, 404, "M_NOT_FOUND"],
      [receiptPath(room, "m.read", ev), "stranger", {}, 403, "M_FORBIDDEN"],
      [receiptPath(room, "m.unknown", ev), "alice", {}, 400, "M_INVALID_PARAM"],
      [receiptPath(room, "m.read", "not-an-id"), "alice", {}, 400, "M_INVALID_PARAM"],
    ];
    const userOf = { alice, stranger } as Record<string, TestUser>;
    for (const [path, who, body, status, errcode] of tries) {
      const r = await call<{ errcode: string }>(hs, "POST", path, { token: userOf[who]!.accessToken, body });
      expect([path, r.status, r.body.errcode]).toEqual([path, status, errcode]);
    }
  });
});

describe("read markers", () => {
  test("m.fully_read lands in room account data, with m.read and m.read.private in one call", async () => {
    const r = await createRoom(hs, alice, { preset: "public_chat", name: "Markers" });
    await member(hs, bob, r, "join");
    const a = await text(hs, bob, r, "a");
    const b = await text(hs, bob, r, "b");
    const s0 = await sync(hs, alice);
    const res = await call(hs, "POST", `/_matrix/client/v3/rooms/${enc(r)}/read_markers`, {
      token: alice.accessToken,
      body: { "m.fully_read": b, "m.read": a, "m.read.private": b },
    });
    expect(res).toEqual({ status: 200, body: {} });
    const s1 = await sync(hs, alice, { since: s0.next_batch });
    const room1 = s1.rooms.join[r]!;
    expect(room1.account_data.events).toEqual([{ type: "m.fully_read", content: { event_id: b } }]);
    const receipts = receiptsIn(ephemeral(s1, r))[0]!;
    expect(receipts[a]).toEqual({ "m.read": { [alice.userId]: { ts: clock.now() } } });
    expect(receipts[b]).toEqual({ "m.read.private": { [alice.userId]: { ts: clock.now() } } });
    expect(room1.unread_notifications?.notification_count).toBe(0);

    // The marker only moves forwards; the receipt endpoint sets it too.
    await call(hs, "POST", receiptPath(r, "m.fully_read", a), { token: alice.accessToken, body: {} });
    expect((await sync(hs, alice, { since: s1.next_batch })).rooms.join[r]).toBeUndefined();

    // An unknown event changes nothing, even next to a good one.
    const bad = await call<{ errcode: string }>(hs, "POST", `/_matrix/client/v3/rooms/${enc(r)}/read_markers`, {
      token: alice.accessToken,
      body: { "m.fully_read": `$${"B".repeat(43)}`, "m.read": b },
    });
    expect([bad.status, bad.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    const after = receiptsIn(ephemeral(await sync(hs, alice), r))[0]!;
    expect(after[b]?.["m.read"]).toBeUndefined();

    // Clients cannot write m.fully_read as account data directly.
    const direct = await call(
      hs,
      "PUT",
      `/_matrix/client/v3/user/${enc(alice.userId)}/rooms/${enc(r)}/account_data/m.fully_read`,
      { token: alice.accessToken, body: { event_id: a } },
    );
    expect(direct.status).toBe(405);
  });
});

describe("presence", () => {
  const presencePath = (userId: string) => `/_matrix/client/v3/presence/${enc(userId)}/status`;

  test("set and read presence; room mates see it in sync; others may not read it", async () => {
    const s0 = await sync(hs, bob);
    const put = await call(hs, "PUT", presencePath(alice.userId), {
      token: alice.accessToken,
      body: { presence: "unavailable", status_msg: "lunch" },
    });
    expect(put).toEqual({ status: 200, body: {} });
    const got = await call(hs, "GET", presencePath(alice.userId), { token: bob.accessToken });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ presence: "unavailable", status_msg: "lunch" });
    const s1 = await sync(hs, bob, { since: s0.next_batch });
    const ev = s1.presence.events.find((e) => e.sender === alice.userId)!;
    expect(ev.type).toBe("m.presence");
    expect(ev.content).toMatchObject({ presence: "unavailable", status_msg: "lunch" });

    const hidden = await call<{ errcode: string }>(hs, "GET", presencePath(alice.userId), {
      token: stranger.accessToken,
    });
    expect([hidden.status, hidden.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const unknown = await call<{ errcode: string }>(hs, "GET", presencePath("@ghost:hs1.test"), {
      token: alice.accessToken,
    });
    expect([unknown.status, unknown.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    const other = await call<{ errcode: string }>(hs, "PUT", presencePath(bob.userId), {
      token: alice.accessToken,
      body: { presence: "online" },
    });
    expect([other.status, other.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const bad = await call<{ errcode: string }>(hs, "PUT", presencePath(alice.userId), {
      token: alice.accessToken,
      body: { presence: "busy" },
    });
    expect([bad.status, bad.body.errcode]).toEqual([400, "M_BAD_JSON"]);
  });

  test("online with currently_active after activity; unavailable when idle; offline without syncs", async () => {
    const u = createUserDirect(hs, "idler");
    await member(hs, u, room, "join");
    const presence = hs.server.services.presence;
    await sync(hs, u);
    await text(hs, u, room, "I am here");
    expect(presence.presenceOf(u.userId)).toMatchObject({
      presence: "online",
      currently_active: true,
      last_active_ago: 0,
    });
    const s0 = await sync(hs, bob);

    clock.advance(61_000);
    presence.checkTimeouts();
    expect(presence.presenceOf(u.userId)).toEqual({
      presence: "online",
      currently_active: false,
      last_active_ago: 61_000,
    });

    // Idle for the idle timeout (5 minutes): unavailable, and room mates hear of it.
    clock.advance(240_000);
    presence.checkTimeouts();
    expect(presence.presenceOf(u.userId).presence).toBe("unavailable");
    const s1 = await sync(hs, bob, { since: s0.next_batch });
    expect(s1.presence.events.find((e) => e.sender === u.userId)?.content).toEqual({
      presence: "unavailable",
      last_active_ago: 301_000,
    });

    // Activity brings them back online.
    await text(hs, u, room, "back");
    expect(presence.presenceOf(u.userId)).toMatchObject({ presence: "online", currently_active: true });

    // No /sync for the offline timeout (10 minutes here): offline.
    clock.advance(600_001);
    presence.checkTimeouts();
    expect(presence.presenceOf(u.userId).presence).toBe("offline");
    // set_presence=offline syncs do not bring them online; a plain sync does; unavailable sets unavailable.
    await sync(hs, u, { set_presence: "offline" });
    expect(presence.presenceOf(u.userId).presence).toBe("offline");
    await sync(hs, u);
    expect(presence.presenceOf(u.userId).presence).toBe("online");
    await sync(hs, u, { set_presence: "unavailable" });
    expect(presence.presenceOf(u.userId).presence).toBe("unavailable");
  });

  test("a user who joins one of my rooms brings their presence along", async () => {
    const r = await createRoom(hs, alice, { preset: "public_chat", name: "Newcomers" });
    const newcomer = createUserDirect(hs, "newcomer");
    await call(hs, "PUT", presencePath(newcomer.userId), {
      token: newcomer.accessToken,
      body: { presence: "online", status_msg: "hello all" },
    });
    const s0 = await sync(hs, alice);
    expect(s0.presence.events.some((e) => e.sender === newcomer.userId)).toBe(false);
    await member(hs, newcomer, r, "join");
    const s1 = await sync(hs, alice, { since: s0.next_batch });
    expect(s1.presence.events.find((e) => e.sender === newcomer.userId)?.content).toMatchObject({
      presence: "online",
      status_msg: "hello all",
    });
  });

  test("with presence off in config, nothing is shared and everyone is offline", async () => {
    const off = await startTestServer({ config: { sync: { presence: false } } });
    try {
      const a = createUserDirect(off, "a");
      const b = createUserDirect(off, "b");
      const r = await createRoom(off, a, { preset: "public_chat" });
      await member(off, b, r, "join");
      await call(off, "PUT", presencePath(a.userId), { token: a.accessToken, body: { presence: "online" } });
      const s = await sync(off, b);
      expect(s.presence.events).toEqual([]);
      const got = await call(off, "GET", presencePath(a.userId), { token: b.accessToken });
      expect(got).toEqual({ status: 200, body: { presence: "offline" } });
    } finally {
      await off.stop();
    }
  });
});

describe("tags", () => {
  const tagPath = (u: TestUser, roomId: string, tag?: string) =>
    `/_matrix/client/v3/user/${enc(u.userId)}/rooms/${enc(roomId)}/tags${tag === undefined ? "" : `/${enc(tag)}`}`;

  test("add, list and remove tags; they reach the user's devices as m.tag room account data", async () => {
    const s0 = await sync(hs, alice);
    expect(await call(hs, "GET", tagPath(alice, room), { token: alice.accessToken })).toEqual({
      status: 200,
      body: { tags: {} },
    });
    expect(
      (await call(hs, "PUT", tagPath(alice, room, "m.favourite"), { token: alice.accessToken, body: { order: 0.25 } }))
        .status,
    ).toBe(200);
    expect((await call(hs, "PUT", tagPath(alice, room, "u.work"), { token: alice.accessToken, body: {} })).status).toBe(
      200,
    );
    expect(await call(hs, "GET", tagPath(alice, room), { token: alice.accessToken })).toEqual({
      status: 200,
      body: { tags: { "m.favourite": { order: 0.25 }, "u.work": {} } },
    });
    const s1 = await sync(hs, alice, { since: s0.next_batch });
    expect(s1.rooms.join[room]!.account_data.events).toEqual([
      { type: "m.tag", content: { tags: { "m.favourite": { order: 0.25 }, "u.work": {} } } },
    ]);
    expect((await call(hs, "DELETE", tagPath(alice, room, "u.work"), { token: alice.accessToken })).status).toBe(200);
    expect((await call(hs, "DELETE", tagPath(alice, room, "never-set"), { token: alice.accessToken })).status).toBe(
      200,
    );
    expect((await call(hs, "GET", tagPath(alice, room), { token: alice.accessToken })).body).toEqual({
      tags: { "m.favourite": { order: 0.25 } },
    });
  });

  test("refused: another user's tags, a bad order, a tag over 255 bytes", async () => {
    const other = await call<{ errcode: string }>(hs, "GET", tagPath(bob, room), { token: alice.accessToken });
    expect([other.status, other.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const otherPut = await call<{ errcode: string }>(hs, "PUT", tagPath(bob, room, "u.x"), {
      token: alice.accessToken,
      body: {},
    });
    expect([otherPut.status, otherPut.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const badOrder = await call<{ errcode: string }>(hs, "PUT", tagPath(alice, room, "u.x"), {
      token: alice.accessToken,
      body: { order: "first" },
    });
    expect([badOrder.status, badOrder.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    const long = await call<{ errcode: string }>(hs, "PUT", tagPath(alice, room, "é".repeat(128)), {
      token: alice.accessToken,
      body: {},
    });
    expect([long.status, long.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    expect((await call(hs, "GET", tagPath(alice, room), { token: alice.accessToken })).body).not.toHaveProperty(
      "tags.u.x",
    );
  });
});
