import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import { enc, ok, roomWith, send, setDisplayName } from "./push-fixtures";

let hs: TestServer;
let wonder: TestUser; // display name "Wonder Woman"
let bob: TestUser;
let carol: TestUser;
let group: string; // three members
let direct: string; // wonder and bob only

beforeAll(async () => {
  hs = await startTestServer();
  wonder = createUserDirect(hs, "diana");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  await setDisplayName(hs, wonder, "Wonder Woman");
  group = await roomWith(hs, bob, [wonder, carol]);
  direct = await roomWith(hs, bob, [wonder], { preset: "trusted_private_chat", is_direct: true });
});
afterAll(() => hs.stop());

interface Item {
  actions: unknown[];
  event: { event_id: string; type: string; sender: string; content: Record<string, unknown>; room_id?: string };
  read: boolean;
  room_id: string;
  ts: number;
}
const list = (u: TestUser, q = "") =>
  ok<{ notifications: Item[]; next_token?: string }>(hs, u, "GET", `/_matrix/client/v3/notifications${q}`);
const counts = (u: TestUser, roomId: string) => hs.server.services.push.counter.counts(u.userId, roomId);

/** The newest notification of `u` for `eventId`, or undefined when the event did not notify. */
async function notificationFor(u: TestUser, eventId: string): Promise<Item | undefined> {
  return (await list(u, "?limit=100")).notifications.find((n) => n.event.event_id === eventId);
}

describe("who gets notified, and how", () => {
  test("a plain message in a group room notifies without highlight; the sender is not notified", async () => {
    const id = await send(hs, bob, group, { msgtype: "m.text", body: "lunch?" });
    expect((await notificationFor(wonder, id))?.actions).toEqual(["notify"]);
    expect((await notificationFor(carol, id))?.actions).toEqual(["notify"]);
    expect(await notificationFor(bob, id)).toBeUndefined();
  });

  test("a mention by display name highlights (legacy rule, no m.mentions)", async () => {
    const id = await send(hs, bob, group, { msgtype: "m.text", body: "hey wonder woman, lunch?" });
    expect((await notificationFor(wonder, id))?.actions).toEqual([
      "notify",
      { set_tweak: "sound", value: "default" },
      { set_tweak: "highlight" },
    ]);
    expect((await notificationFor(carol, id))?.actions).toEqual(["notify"]);
  });

  test("a mention through m.mentions highlights; with m.mentions the body alone does not", async () => {
    const mentioned = await send(hs, bob, group, {
      msgtype: "m.text",
      body: "you!",
      "m.mentions": { user_ids: [wonder.userId] },
    });
    expect((await notificationFor(wonder, mentioned))?.actions).toContainEqual({ set_tweak: "highlight" });
    const bodyOnly = await send(hs, bob, group, { msgtype: "m.text", body: "wonder woman", "m.mentions": {} });
    expect((await notificationFor(wonder, bodyOnly))?.actions).toEqual(["notify"]);
  });

  test("in a one-to-one room every message notifies with a sound; encrypted ones too", async () => {
    const id = await send(hs, bob, direct, { msgtype: "m.text", body: "psst" });
    expect((await notificationFor(wonder, id))?.actions).toEqual(["notify", { set_tweak: "sound", value: "default" }]);
    const enc1 = await send(
      hs,
      bob,
      direct,
      { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "AwgA", sender_key: "k", session_id: "s", device_id: "D" },
      "m.room.encrypted",
    );
    expect((await notificationFor(wonder, enc1))?.actions).toEqual([
      "notify",
      { set_tweak: "sound", value: "default" },
    ]);
    const encGroup = await send(
      hs,
      bob,
      group,
      { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "x" },
      "m.room.encrypted",
    );
    expect((await notificationFor(wonder, encGroup))?.actions).toEqual(["notify"]);
  });

  test("@room highlights only from a sender with the notifications.room power", async () => {
    const fromAdmin = await send(hs, bob, group, { msgtype: "m.text", body: "x", "m.mentions": { room: true } });
    expect((await notificationFor(carol, fromAdmin))?.actions).toEqual(["notify", { set_tweak: "highlight" }]);
    const fromMember = await send(hs, carol, group, { msgtype: "m.text", body: "x", "m.mentions": { room: true } });
    expect((await notificationFor(wonder, fromMember))?.actions).toEqual(["notify"]);
  });

  test("an invite notifies the invitee; notices, reactions and edits do not notify", async () => {
    const dave = createUserDirect(hs, "dave");
    const room = await roomWith(hs, bob, [], { preset: "private_chat" });
    await ok(hs, bob, "POST", `/_matrix/client/v3/rooms/${enc(room)}/invite`, { user_id: dave.userId });
    const invites = (await list(dave)).notifications;
    expect(invites.map((n) => [n.event.type, n.event.content.membership, n.room_id])).toEqual([
      ["m.room.member", "invite", room],
    ]);
    const target = await send(hs, bob, group, { msgtype: "m.text", body: "target" });
    const quiet = [
      await send(hs, bob, group, { msgtype: "m.notice", body: "bot" }),
      await send(
        hs,
        bob,
        group,
        { "m.relates_to": { rel_type: "m.annotation", event_id: target, key: "👍" } },
        "m.reaction",
      ),
      await send(hs, bob, group, {
        msgtype: "m.text",
        body: "* fixed",
        "m.new_content": { msgtype: "m.text", body: "fixed" },
        "m.relates_to": { rel_type: "m.replace", event_id: target },
      }),
    ];
    for (const id of quiet) expect(await notificationFor(wonder, id)).toBeUndefined();
  });

  test("a user's own push rules decide: a room rule silences a room", async () => {
    const u = createUserDirect(hs, "muter");
    const room = await roomWith(hs, bob, [u]);
    await ok(hs, u, "PUT", `/_matrix/client/v3/pushrules/global/room/${enc(room)}`, { actions: [] });
    const silenced = await send(hs, bob, room, { msgtype: "m.text", body: "shh" });
    expect(await notificationFor(u, silenced)).toBeUndefined();
    await ok(hs, u, "PUT", `/_matrix/client/v3/pushrules/global/room/${enc(room)}/enabled`, { enabled: false });
    const heard = await send(hs, bob, room, { msgtype: "m.text", body: "now?" });
    expect(await notificationFor(u, heard)).toBeDefined();
    await ok(hs, u, "PUT", "/_matrix/client/v3/pushrules/global/override/.m.rule.master/enabled", { enabled: true });
    const master = await send(hs, bob, room, { msgtype: "m.text", body: "anyone?" });
    expect(await notificationFor(u, master)).toBeUndefined();
  });
});

describe("counts", () => {
  test("notifications and highlights per room, and per thread", async () => {
    const u = createUserDirect(hs, "counter");
    await setDisplayName(hs, u, "Counter Person");
    const room = await roomWith(hs, bob, [u, carol]);
    expect(counts(u, room)).toEqual({
      room: { notify: 0, highlight: 0 },
      main: { notify: 0, highlight: 0 },
      threads: new Map(),
    });
    const root = await send(hs, bob, room, { msgtype: "m.text", body: "root" });
    await send(hs, bob, room, { msgtype: "m.text", body: "hi counter person" });
    await send(hs, bob, room, {
      msgtype: "m.text",
      body: "in thread",
      "m.relates_to": { rel_type: "m.thread", event_id: root },
    });
    const inThread = await send(hs, carol, room, {
      msgtype: "m.text",
      body: "@counter in thread",
      "m.mentions": { user_ids: [u.userId] },
      "m.relates_to": { rel_type: "m.thread", event_id: root },
    });
    // A reaction to a threaded event belongs to the thread (it notifies nobody by default anyway).
    await send(
      hs,
      bob,
      room,
      { "m.relates_to": { rel_type: "m.annotation", event_id: inThread, key: "x" } },
      "m.reaction",
    );
    const c = counts(u, room);
    expect(c.room).toEqual({ notify: 4, highlight: 2 });
    expect(c.main).toEqual({ notify: 2, highlight: 1 });
    expect([...c.threads]).toEqual([[root, { notify: 2, highlight: 1 }]]);
  });
});

describe("GET /notifications", () => {
  test("newest first, paginated with next_token, with only=highlight, events in the client format", async () => {
    const u = createUserDirect(hs, "pager");
    const room = await roomWith(hs, bob, [u, carol]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await send(hs, bob, room, {
          msgtype: "m.text",
          body: `n${i}`,
          ...(i % 2 === 0 ? { "m.mentions": { user_ids: [u.userId] } } : {}),
        }),
      );
    }
    const at = (i: number) => ids[i]!;
    const p1 = await list(u, "?limit=2");
    expect(p1.notifications.map((n) => n.event.event_id)).toEqual([at(4), at(3)]);
    expect(p1.next_token).toBeString();
    const p2 = await list(u, `?limit=2&from=${p1.next_token}`);
    expect(p2.notifications.map((n) => n.event.event_id)).toEqual([at(2), at(1)]);
    const p3 = await list(u, `?limit=2&from=${p2.next_token}`);
    expect(p3.notifications.map((n) => n.event.event_id)).toEqual([at(0)]);
    expect(p3.next_token).toBeUndefined();

    const hl = await list(u, "?only=highlight");
    expect(hl.notifications.map((n) => n.event.event_id)).toEqual([at(4), at(2), at(0)]);

    const item = p1.notifications[0]!;
    expect(item.room_id).toBe(room);
    expect(item.read).toBe(false);
    expect(typeof item.ts).toBe("number");
    expect(item.actions).toContainEqual({ set_tweak: "highlight" });
    expect(item.event).toMatchObject({ type: "m.room.message", sender: bob.userId, content: { body: "n4" } });
    expect(item.event.room_id).toBeUndefined();
  });

  test("bad tokens are 400 M_INVALID_PARAM; another user's notifications are not shown", async () => {
    const r = await call(hs, "GET", "/_matrix/client/v3/notifications?from=abc", { token: carol.accessToken });
    expect(r.status).toBe(400);
    expect(r.body.errcode).toBe("M_INVALID_PARAM");
    const lim = await call(hs, "GET", "/_matrix/client/v3/notifications?limit=x", { token: carol.accessToken });
    expect(lim.status).toBe(400);
    expect(lim.body.errcode).toBe("M_INVALID_PARAM");
    const mine = (await list(bob, "?limit=100")).notifications;
    expect(mine.every((n) => n.event.sender !== bob.userId)).toBe(true);
    expect((await call(hs, "GET", "/_matrix/client/v3/notifications")).status).toBe(401);
  });
});
