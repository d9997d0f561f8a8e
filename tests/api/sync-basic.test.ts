/** GET /sync: complete and incremental syncs, the gap case, membership sections, visibility, ignored users, bad input. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import {
  bodies,
  createRoom,
  type Ev,
  enc,
  member,
  send,
  setState,
  stateKeys,
  sync,
  syncPath,
  text,
  types,
} from "./sync-helpers";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  dave = createUserDirect(hs, "dave");
});
afterAll(() => hs.stop());

interface Page {
  chunk: Ev[];
  end?: string;
}

async function messagesBack(user: TestUser, roomId: string, from: string, limit: number, to?: string): Promise<Page> {
  const q = new URLSearchParams({ dir: "b", from, limit: String(limit), ...(to ? { to } : {}) });
  const r = await call<Page>(hs, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/messages?${q}`, {
    token: user.accessToken,
  });
  expect(r.status).toBe(200);
  return r.body;
}

describe("complete sync", () => {
  test("joined rooms come with their newest events, the state at the start of the timeline, a summary and prev_batch", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat", name: "Lobby" });
    await member(hs, bob, room, "join");
    for (let i = 0; i < 15; i++) await text(hs, alice, room, `m${i}`);

    const s = await sync(hs, alice);
    expect(s.next_batch).toMatch(/^s/);
    const r = s.rooms.join[room]!;
    expect(bodies(r.timeline)).toEqual(Array.from({ length: 10 }, (_, i) => `m${i + 5}`));
    expect(r.timeline.limited).toBe(true);
    // No state event in the timeline: the state at its start is the current state, exactly.
    const current = await call<Ev[]>(hs, "GET", `/_matrix/client/v3/rooms/${enc(room)}/state`, {
      token: alice.accessToken,
    });
    const key = (e: Ev) => `${e.type}|${e.state_key}|${e.event_id}`;
    expect(r.state.events.map(key).sort()).toEqual(current.body.map(key).sort());
    expect(r.state.events.every((e) => e.room_id === undefined)).toBe(true);
    expect(r.summary).toEqual({ "m.joined_member_count": 2, "m.invited_member_count": 0 });
    expect(r.unread_notifications).toEqual({ highlight_count: 0, notification_count: 0 });
    expect(r.timeline.events[0]!.unsigned?.membership).toBe("join");

    // prev_batch continues exactly where the timeline starts.
    const older = await messagesBack(alice, room, r.timeline.prev_batch!, 5);
    expect(bodies({ events: older.chunk })).toEqual(["m4", "m3", "m2", "m1", "m0"]);
  });

  test("a room without a name has heroes (other members in join order, never the user)", async () => {
    const room = await createRoom(hs, carol, {});
    await member(hs, carol, room, "invite", { user_id: dave.userId });
    const s = await sync(hs, carol);
    expect(s.rooms.join[room]!.summary).toEqual({
      "m.heroes": [dave.userId],
      "m.joined_member_count": 1,
      "m.invited_member_count": 1,
    });
  });

  test("history the user may not see stays out of their timeline", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat", initial_state: [] });
    await setState(hs, alice, room, "m.room.history_visibility", "", { history_visibility: "joined" });
    await text(hs, alice, room, "before carol");
    await member(hs, carol, room, "join");
    await text(hs, alice, room, "after carol");
    const s = await sync(hs, carol);
    const r = s.rooms.join[room]!;
    // Events from before the room became "joined"-only stay visible (they were shared); the rest do not.
    expect(bodies(r.timeline)).toEqual(["after carol"]);
    expect(types(r.timeline)).toContain("m.room.history_visibility");
  });
});

describe("incremental sync", () => {
  test("returns only what is new; with nothing new, no rooms and a usable next_batch", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat" });
    const first = await sync(hs, alice);
    const empty = await sync(hs, alice, { since: first.next_batch });
    expect(empty.rooms.join).toEqual({});
    await text(hs, alice, room, "fresh");
    const next = await sync(hs, alice, { since: empty.next_batch });
    expect(Object.keys(next.rooms.join)).toEqual([room]);
    const r = next.rooms.join[room]!;
    expect(bodies(r.timeline)).toEqual(["fresh"]);
    expect(r.timeline.limited).toBe(false);
    expect(r.state.events).toEqual([]);
    expect(r.timeline.events[0]!.unsigned?.transaction_id).toBeString();
  });

  test("the gap: a limited timeline brings exactly the state that changed in the gap, and prev_batch fills it", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat", name: "Gap" });
    await member(hs, bob, room, "join");
    const before = await sync(hs, bob);
    const stateBefore = await call<Ev[]>(hs, "GET", `/_matrix/client/v3/rooms/${enc(room)}/state`, {
      token: bob.accessToken,
    });

    const gapIds: string[] = [];
    for (let i = 0; i < 50; i++) {
      gapIds.push(await text(hs, alice, room, `g${i}`));
      if (i === 10) gapIds.push(await setState(hs, alice, room, "m.room.topic", "", { topic: "first" }));
      if (i === 20) gapIds.push(await setState(hs, alice, room, "m.room.topic", "", { topic: "second" }));
      if (i === 25) {
        await member(hs, carol, room, "join");
        await member(hs, dave, room, "join");
      }
      if (i === 30) await member(hs, dave, room, "leave");
      if (i === 40) gapIds.push(await setState(hs, alice, room, "m.room.name", "", { name: "Gap 2" }));
      if (i === 47) gapIds.push(await setState(hs, alice, room, "m.room.topic", "", { topic: "in timeline" }));
    }

    const s = await sync(hs, bob, { since: before.next_batch, filter: { room: { timeline: { limit: 5 } } } });
    const r = s.rooms.join[room]!;
    expect(r.timeline.limited).toBe(true);
    expect(types(r.timeline)).toEqual([
      "m.room.message",
      "m.room.message",
      "m.room.topic",
      "m.room.message",
      "m.room.message",
    ]);
    expect(bodies(r.timeline)).toEqual(["g46", "g47", "g48", "g49"]);

    // Expected: the state just before the first timeline event, minus the state at `since`.
    const atStart = new Map<string, string>();
    for (const e of stateBefore.body) atStart.set(`${e.type}|${e.state_key}`, e.event_id!);
    const sentBefore = new Map(atStart);
    const firstTimelineId = r.timeline.events[0]!.event_id!;
    const history = await messagesBack(bob, room, r.timeline.prev_batch!, 200, before.next_batch);
    const gap = [...history.chunk].reverse();
    for (const e of gap) if (e.state_key !== undefined) atStart.set(`${e.type}|${e.state_key}`, e.event_id!);
    const expected = [...atStart].filter(([k, id]) => sentBefore.get(k) !== id).map(([k, id]) => `${k}|${id}`);
    const got = r.state.events.map((e) => `${e.type}|${e.state_key}|${e.event_id}`);
    expect(got.sort()).toEqual(expected.sort());
    // The gap's changes: the second topic, the new name, carol's join and dave's leave.
    expect(r.state.events.find((e) => e.type === "m.room.topic")?.content).toEqual({ topic: "second" });
    expect(r.state.events.find((e) => e.type === "m.room.name")?.content).toEqual({ name: "Gap 2" });
    expect(stateKeys(r.state, "m.room.member").sort()).toEqual([carol.userId, dave.userId].sort());

    // prev_batch pages back through the gap to the since token with nothing missing or repeated.
    expect(gap.map((e) => e.event_id)).not.toContain(firstTimelineId);
    const gapMessages = bodies({ events: gap });
    expect(gapMessages).toEqual(Array.from({ length: 46 }, (_, i) => `g${i}`));
    for (const id of gapIds.slice(0, -5)) expect(gap.map((e) => e.event_id)).toContain(id);
  });

  test("use_state_after: the state up to the end of the timeline comes as state_after, never state", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat", name: "After" });
    await member(hs, bob, room, "join");
    const s0 = await sync(hs, bob, { use_state_after: true });
    const r0 = s0.rooms.join[room]! as unknown as { state?: unknown; state_after: { events: Ev[] } };
    expect(r0.state).toBeUndefined();
    // Complete: the full state at the end of the timeline (the name, both members...).
    expect(stateKeys(r0.state_after, "m.room.member").sort()).toEqual([alice.userId, bob.userId].sort());
    for (let i = 0; i < 5; i++) await text(hs, alice, room, `a${i}`);
    const topic = await setState(hs, alice, room, "m.room.topic", "", { topic: "late" });
    await text(hs, alice, room, "last");
    const s1 = await sync(hs, bob, {
      since: s0.next_batch,
      use_state_after: true,
      filter: { room: { timeline: { limit: 2 } } },
    });
    const r1 = s1.rooms.join[room]! as unknown as { state?: unknown; state_after: { events: Ev[] } };
    expect(r1.state).toBeUndefined();
    // The topic is in the timeline and, as the state at its end, in state_after too.
    expect(r1.state_after.events.map((e) => e.event_id)).toEqual([topic]);
    // Without use_state_after: the state at the start of the timeline, where the topic is not set yet.
    const s2 = await sync(hs, bob, { since: s0.next_batch, filter: { room: { timeline: { limit: 2 } } } });
    expect(s2.rooms.join[room]!.state.events).toEqual([]);
  });

  test("full_state returns every joined room with its full state, at once", async () => {
    const room = await createRoom(hs, dave, { name: "Full" });
    const first = await sync(hs, dave);
    const started = Date.now();
    const s = await sync(hs, dave, { since: first.next_batch, full_state: true, timeout: 30_000 });
    expect(Date.now() - started).toBeLessThan(25_000);
    const r = s.rooms.join[room]!;
    expect(r.timeline.events).toEqual([]);
    expect(types(r.state)).toContain("m.room.create");
    expect(types(r.state)).toContain("m.room.name");
  });
});

describe("membership sections", () => {
  test("invite, join, leave, rejoin, kick and ban each appear once in the right section", async () => {
    const u = createUserDirect(hs, "mover");
    const room = await createRoom(hs, alice, { preset: "private_chat", name: "Moves" });
    let s = await sync(hs, u);
    expect(s.rooms.invite[room]).toBeUndefined();

    await member(hs, alice, room, "invite", { user_id: u.userId });
    s = await sync(hs, u, { since: s.next_batch });
    const inv = s.rooms.invite[room]!.invite_state.events;
    expect(inv.find((e) => e.type === "m.room.member" && e.state_key === u.userId)?.content.membership).toBe("invite");
    expect(inv.find((e) => e.type === "m.room.name")?.content).toEqual({ name: "Moves" });
    expect(inv.some((e) => e.type === "m.room.create")).toBe(true);
    expect(inv.every((e) => Object.keys(e).sort().join() === "content,sender,state_key,type")).toBe(true);
    expect(s.rooms.join[room]).toBeUndefined();

    await member(hs, u, room, "join");
    s = await sync(hs, u, { since: s.next_batch });
    expect(s.rooms.invite[room]).toBeUndefined();
    let joined = s.rooms.join[room]!;
    // Newly joined: everything, state included (in the timeline or the state section).
    const seen = [...types(joined.state), ...types(joined.timeline)];
    expect(seen).toContain("m.room.create");
    expect(seen).toContain("m.room.name");

    await text(hs, alice, room, "while in");
    await member(hs, u, room, "leave");
    await text(hs, alice, room, "after leaving");
    s = await sync(hs, u, { since: s.next_batch });
    expect(s.rooms.join[room]).toBeUndefined();
    const left = s.rooms.leave[room]!;
    expect(bodies(left.timeline)).toEqual(["while in"]);
    expect(left.timeline.events.at(-1)?.content.membership).toBe("leave");
    s = await sync(hs, u, { since: s.next_batch });
    expect(s.rooms.leave[room]).toBeUndefined();

    await member(hs, alice, room, "invite", { user_id: u.userId });
    await member(hs, u, room, "join");
    s = await sync(hs, u, { since: s.next_batch });
    joined = s.rooms.join[room]!;
    expect(joined).toBeDefined();
    // A rejoin is synced in full: the client's copy of the state may be stale.
    expect([...types(joined.state), ...types(joined.timeline)]).toContain("m.room.power_levels");

    await member(hs, alice, room, "kick", { user_id: u.userId, reason: "bye" });
    s = await sync(hs, u, { since: s.next_batch });
    const kick = s.rooms.leave[room]!.timeline.events.at(-1)!;
    expect(kick.sender).toBe(alice.userId);
    expect(kick.content).toMatchObject({ membership: "leave", reason: "bye" });

    await member(hs, alice, room, "ban", { user_id: u.userId });
    s = await sync(hs, u, { since: s.next_batch });
    expect(s.rooms.leave[room]!.timeline.events.at(-1)?.content.membership).toBe("ban");
    expect(s.rooms.join[room]).toBeUndefined();

    // A complete sync shows left rooms only with include_leave.
    expect((await sync(hs, u)).rooms.leave[room]).toBeUndefined();
    const archived = await sync(hs, u, { filter: { room: { include_leave: true } } });
    expect(archived.rooms.leave[room]!.timeline.events.at(-1)?.content.membership).toBe("ban");
  });

  test("a refused invite shows in leave without the room's state", async () => {
    const u = createUserDirect(hs, "refuser");
    const room = await createRoom(hs, alice, { preset: "private_chat", name: "Secret" });
    await text(hs, alice, room, "secret talk");
    let s = await sync(hs, u);
    await member(hs, alice, room, "invite", { user_id: u.userId });
    await member(hs, u, room, "leave");
    s = await sync(hs, u, { since: s.next_batch });
    const left = s.rooms.leave[room]!;
    expect(left.state.events).toEqual([]);
    expect(bodies(left.timeline)).toEqual([]);
    // The refusal itself is there (the invite may or may not be, by history visibility).
    expect(left.timeline.events.at(-1)?.content.membership).toBe("leave");
    expect(left.timeline.events.every((e) => e.type === "m.room.member" && e.state_key === u.userId)).toBe(true);
  });

  test("a knock shows in knock with the knock event in knock_state", async () => {
    const u = createUserDirect(hs, "knocker");
    const room = await createRoom(hs, alice, { preset: "private_chat", name: "Knock knock" });
    await setState(hs, alice, room, "m.room.join_rules", "", { join_rule: "knock" });
    const s0 = await sync(hs, u);
    await member(hs, u, room, "knock");
    const s = await sync(hs, u, { since: s0.next_batch });
    const ks = s.rooms.knock[room]!.knock_state.events;
    expect(ks.find((e) => e.type === "m.room.member")?.content.membership).toBe("knock");
    expect(ks.find((e) => e.type === "m.room.join_rules")?.content.join_rule).toBe("knock");
  });
});

describe("ignored users", () => {
  test("their messages and invites are hidden; their state events are not", async () => {
    const u = createUserDirect(hs, "ignorer");
    const pest = createUserDirect(hs, "pest");
    const room = await createRoom(hs, alice, { preset: "public_chat" });
    await member(hs, u, room, "join");
    await member(hs, pest, room, "join");
    const r = await call(hs, "PUT", `/_matrix/client/v3/user/${enc(u.userId)}/account_data/m.ignored_user_list`, {
      token: u.accessToken,
      body: { ignored_users: { [pest.userId]: {} } },
    });
    expect(r.status).toBe(200);
    const s0 = await sync(hs, u);
    expect(s0.account_data.events.find((e) => e.type === "m.ignored_user_list")).toBeDefined();

    await text(hs, pest, room, "noise");
    await setState(hs, pest, room, "m.room.member", pest.userId, { membership: "join", displayname: "Pest" });
    await text(hs, alice, room, "signal");
    const other = await createRoom(hs, pest, {});
    await member(hs, pest, other, "invite", { user_id: u.userId });

    const s = await sync(hs, u, { since: s0.next_batch });
    const tl = s.rooms.join[room]!.timeline.events;
    expect(bodies({ events: tl })).toEqual(["signal"]);
    expect(tl.some((e) => e.type === "m.room.member" && e.sender === pest.userId)).toBe(true);
    expect(s.rooms.invite[other]).toBeUndefined();
    expect(bodies((await sync(hs, u)).rooms.join[room]!.timeline)).not.toContain("noise");
  });
});

describe("bad input", () => {
  const bad = async (path: string) => {
    const r = await call<{ errcode: string }>(hs, "GET", path, { token: alice.accessToken });
    return { status: r.status, errcode: r.body.errcode };
  };

  test("a since token we cannot read is 400 M_INVALID_PARAM", async () => {
    for (const since of ["nope", "s1_2", "s-1_0_0_0_0_0_0", "t3_4", ""]) {
      if (since === "") continue;
      expect(await bad(syncPath({ since }))).toEqual({ status: 400, errcode: "M_INVALID_PARAM" });
    }
  });

  test("a bad timeout, full_state or set_presence is 400 M_INVALID_PARAM", async () => {
    for (const q of [{ timeout: "soon" }, { timeout: "-5" }, { full_state: "yes" }, { set_presence: "away" }]) {
      expect(await bad(syncPath(q))).toEqual({ status: 400, errcode: "M_INVALID_PARAM" });
    }
  });

  test("filters: unparsable JSON is M_NOT_JSON, a wrong shape M_BAD_JSON, an unknown ID M_INVALID_PARAM", async () => {
    expect(await bad(`/_matrix/client/v3/sync?filter=${enc("{oops")}`)).toEqual({ status: 400, errcode: "M_NOT_JSON" });
    expect(await bad(syncPath({ filter: { room: { timeline: { limit: "ten" } } } }))).toEqual({
      status: 400,
      errcode: "M_BAD_JSON",
    });
    expect(await bad(syncPath({ filter: "12345" }))).toEqual({ status: 400, errcode: "M_INVALID_PARAM" });
  });

  test("without an access token: 401 M_MISSING_TOKEN", async () => {
    const r = await call<{ errcode: string }>(hs, "GET", "/_matrix/client/v3/sync");
    expect(r.status).toBe(401);
    expect(r.body.errcode).toBe("M_MISSING_TOKEN");
  });
});

// Kept last: sends to other rooms would wake it.
describe("long polling", () => {
  test("a waiting sync returns with the event that concerns it; with nothing, it times out empty", async () => {
    const room = await createRoom(hs, alice, { preset: "public_chat" });
    await member(hs, bob, room, "join");
    const s0 = await sync(hs, bob);
    const waiting = sync(hs, bob, { since: s0.next_batch, timeout: 20_000 });
    while (hs.server.services.notifier.waiting() === 0) await Bun.sleep(2);
    await send(hs, alice, room, { msgtype: "m.text", body: "wake up" });
    const s = await waiting;
    expect(bodies(s.rooms.join[room]!.timeline)).toEqual(["wake up"]);

    const quiet = await sync(hs, bob, { since: s.next_batch, timeout: 50 });
    expect(quiet.rooms.join).toEqual({});
    expect(quiet.next_batch).toMatch(/^s/);
    expect(hs.server.services.notifier.waiting()).toBe(0);
  });
});
