/** /context, /members (at, membership, not_membership), /joined_members and /timestamp_to_event. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "../../src/util/clock";
import {
  bodies,
  call,
  createRoom as createRoomAt,
  type Ev,
  enc,
  invite,
  join,
  leave,
  ok,
  send,
  tableCounts,
  text,
} from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const T0 = 1_700_000_000_000;
const clock = manualClock(T0);
let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let dave: TestUser;
let eve: TestUser;
let frank: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  hs = await startTestServer({ clock });
  [alice, bob, carol, dave, eve, frank, stranger] = ["alice", "bob", "carol", "dave", "eve", "frank", "stranger"].map(
    (u) => createUserDirect(hs, u),
  ) as [TestUser, TestUser, TestUser, TestUser, TestUser, TestUser, TestUser];
});
afterAll(() => hs.stop());

/** v12 room IDs hash the create event: with a frozen clock, move it so that two rooms differ. */
function createRoom(...args: Parameters<typeof createRoomAt>): ReturnType<typeof createRoomAt> {
  clock.advance(1);
  return createRoomAt(...args);
}

interface Context {
  start: string;
  end: string;
  event: Ev;
  events_before: Ev[];
  events_after: Ev[];
  state: Ev[];
}

describe("/context", () => {
  let roomId: string;
  const ids: string[] = [];
  beforeAll(async () => {
    roomId = await createRoom(hs, alice, { preset: "public_chat" });
    await join(hs, bob, roomId);
    for (let i = 0; i < 20; i++) ids.push(await send(hs, i % 2 ? bob : alice, roomId, text(`m${i}`)));
  });
  const context = (eventId: string, q = "") =>
    call<Context>(hs, alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(eventId)}${q}`);

  test("splits the limit before and after, with tokens that paginate on from either side", async () => {
    const r = await context(ids[10]!, "?limit=6");
    expect(r.status).toBe(200);
    expect(r.body.event.event_id).toBe(ids[10]!);
    expect(bodies(r.body.events_before)).toEqual(["m9", "m8", "m7"]);
    expect(bodies(r.body.events_after)).toEqual(["m11", "m12", "m13"]);
    const back = await ok<{ chunk: Ev[] }>(
      hs,
      alice,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=2&from=${enc(r.body.start)}`,
    );
    expect(bodies(back.chunk)).toEqual(["m6", "m5"]);
    const fwd = await ok<{ chunk: Ev[] }>(
      hs,
      alice,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=f&limit=2&from=${enc(r.body.end)}`,
    );
    expect(bodies(fwd.chunk)).toEqual(["m14", "m15"]);
  });

  test("state is the room state at the last event returned", async () => {
    const r = await context(ids[19]!, "?limit=4");
    expect(r.body.events_after).toEqual([]);
    const types = new Set(r.body.state.map((e) => e.type));
    for (const t of ["m.room.create", "m.room.power_levels", "m.room.join_rules", "m.room.member"])
      expect(types.has(t)).toBe(true);
    expect(
      r.body.state
        .filter((e) => e.type === "m.room.member")
        .map((e) => e.state_key)
        .sort(),
    ).toEqual([alice.userId, bob.userId].sort());
  });

  test("the filter applies to the surrounding events and the state (lazy-loaded members), not the event", async () => {
    const onlyBob = JSON.stringify({ senders: [bob.userId], lazy_load_members: true });
    const r = await context(ids[10]!, `?limit=4&filter=${enc(onlyBob)}`);
    expect(r.body.event.sender).toBe(alice.userId);
    expect(bodies(r.body.events_before)).toEqual(["m9", "m7"]);
    expect(bodies(r.body.events_after)).toEqual(["m11", "m13"]);
    // Sender-filtered state: only what bob sent (his member event).
    expect(r.body.state.map((e) => [e.type, e.state_key])).toEqual([["m.room.member", bob.userId]]);
    const lazy = await context(ids[10]!, `?limit=2&filter=${enc(JSON.stringify({ lazy_load_members: true }))}`);
    const members = lazy.body.state.filter((e) => e.type === "m.room.member").map((e) => e.state_key);
    expect(members.sort()).toEqual([alice.userId, bob.userId].sort());
    expect(lazy.body.state.some((e) => e.type === "m.room.create")).toBe(true);
  });

  test("limit 0 still returns the event", async () => {
    const r = await context(ids[3]!, "?limit=0");
    expect(r.status).toBe(200);
    expect(r.body.event.event_id).toBe(ids[3]!);
    expect(r.body.events_before).toEqual([]);
    expect(r.body.events_after).toEqual([]);
  });

  test("unknown event, event in another room, non-member, bad input: errors, and nothing changes", async () => {
    const other = await createRoom(hs, alice);
    const elsewhere = await send(hs, alice, other, text("elsewhere"));
    const priv = await createRoom(hs, alice, { preset: "private_chat" });
    const inPriv = await send(hs, alice, priv, text("x"));
    const before = tableCounts(hs);
    expect((await context(`$${"A".repeat(43)}`)).status).toBe(404);
    expect((await context(elsewhere)).status).toBe(404);
    expect(
      (await call(hs, stranger, "GET", `/_matrix/client/v3/rooms/${enc(priv)}/context/${enc(inPriv)}`)).status,
    ).toBe(403);
    for (const q of ["?limit=-1", "?limit=x", "?filter=%7B", `?filter=${enc('{"types":1}')}`]) {
      const r = await context(ids[1]!, q);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
    }
    expect((await call(hs, alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/context/not-an-event`)).status).toBe(
      400,
    );
    expect(tableCounts(hs)).toEqual(before);
  });
});

describe("/members and /joined_members", () => {
  let roomId: string;
  let beforeBob: string;
  beforeAll(async () => {
    roomId = await createRoom(hs, alice, { preset: "public_chat" });
    await send(hs, alice, roomId, text("early"));
    // The newest position now (just after "early"): bob is not there yet.
    const latest = await ok<{ start: string }>(
      hs,
      alice,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=0`,
    );
    beforeBob = latest.start;
    await ok(hs, bob, "PUT", `/_matrix/client/v3/profile/${enc(bob.userId)}/displayname`, { displayname: "Bob B" });
    await ok(hs, bob, "PUT", `/_matrix/client/v3/profile/${enc(bob.userId)}/avatar_url`, {
      avatar_url: "mxc://hs1.test/bobface",
    });
    await join(hs, bob, roomId);
    await invite(hs, alice, roomId, carol.userId);
    await join(hs, dave, roomId);
    await leave(hs, dave, roomId);
    await join(hs, eve, roomId);
    await ok(hs, alice, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/ban`, { user_id: eve.userId });
  });
  const members = (user: TestUser, q = "") =>
    call<{ chunk: Ev[] }>(hs, user, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/members${q}`);
  const who = (chunk: Ev[]) => chunk.map((e) => `${e.state_key}=${e.content.membership}`).sort();

  test("all member events by default", async () => {
    const r = await members(alice);
    expect(r.status).toBe(200);
    expect(who(r.body.chunk)).toEqual(
      [
        `${alice.userId}=join`,
        `${bob.userId}=join`,
        `${carol.userId}=invite`,
        `${dave.userId}=leave`,
        `${eve.userId}=ban`,
      ].sort(),
    );
  });

  test("membership and not_membership, and both together as an OR", async () => {
    expect(who((await members(alice, "?membership=join")).body.chunk)).toEqual(
      [`${alice.userId}=join`, `${bob.userId}=join`].sort(),
    );
    expect(who((await members(alice, "?not_membership=leave")).body.chunk)).not.toContain(`${dave.userId}=leave`);
    expect((await members(alice, "?not_membership=leave")).body.chunk).toHaveLength(4);
    // is join OR is not ban: everyone but eve.
    const both = who((await members(alice, "?membership=join&not_membership=ban")).body.chunk);
    expect(both).toHaveLength(4);
    expect(both).not.toContain(`${eve.userId}=ban`);
  });

  test("`at` gives the members at that point of the history", async () => {
    const r = await members(alice, `?at=${enc(beforeBob)}`);
    expect(who(r.body.chunk)).toEqual([`${alice.userId}=join`]);
  });

  test("a user who left sees the members as they were when they left", async () => {
    await join(hs, frank, roomId);
    const mine = who((await members(dave)).body.chunk);
    expect(mine).toContain(`${dave.userId}=leave`);
    expect(mine.some((m) => m.startsWith(frank.userId))).toBe(false);
    expect(mine.some((m) => m.startsWith(eve.userId))).toBe(false);
    expect(who((await members(alice)).body.chunk)).toContain(`${frank.userId}=join`);
  });

  test("joined_members: display names and avatars of joined users", async () => {
    const r = await ok<{ joined: Record<string, { display_name?: string; avatar_url?: string }> }>(
      hs,
      alice,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`,
    );
    expect(Object.keys(r.joined).sort()).toEqual([alice.userId, bob.userId, frank.userId].sort());
    expect(r.joined[bob.userId]).toEqual({ display_name: "Bob B", avatar_url: "mxc://hs1.test/bobface" });
  });

  test("outsiders get 403; an invited user may not list members; bad input 400; nothing changes", async () => {
    const before = tableCounts(hs);
    expect((await members(stranger)).status).toBe(403);
    expect((await members(carol)).status).toBe(403);
    expect((await call(hs, stranger, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`)).status).toBe(
      403,
    );
    expect((await call(hs, dave, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/joined_members`)).status).toBe(403);
    for (const q of ["?membership=member", "?not_membership=x", "?at=nope", "?at=t1"]) {
      const r = await members(alice, q);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
    }
    expect((await call(hs, alice, "GET", "/_matrix/client/v3/rooms/!nope:hs1.test/members")).status).toBe(404);
    expect((await call(hs, alice, "GET", "/_matrix/client/v3/rooms/!nope:hs1.test/joined_members")).status).toBe(404);
    expect(tableCounts(hs)).toEqual(before);
  });
});

describe("/timestamp_to_event", () => {
  let roomId: string;
  const at: Record<string, string> = {};
  beforeAll(async () => {
    clock.set(T0 + 1_000_000);
    roomId = await createRoom(hs, alice, { preset: "public_chat" });
    for (const k of [0, 1, 2]) {
      clock.set(T0 + 2_000_000 + k * 1000);
      at[`m${k}`] = await send(hs, alice, roomId, text(`m${k}`));
    }
    clock.set(T0 + 3_000_000);
  });
  const find = (ts: number, dir: string, user = alice) =>
    call<{ event_id: string; origin_server_ts: number }>(
      hs,
      user,
      "GET",
      `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event?ts=${ts}&dir=${dir}`,
    );

  test("forwards finds the first event at or after the time, backwards the last at or before it", async () => {
    const base = T0 + 2_000_000;
    expect((await find(base + 500, "f")).body).toEqual({ event_id: at.m1!, origin_server_ts: base + 1000 });
    expect((await find(base + 500, "b")).body).toEqual({ event_id: at.m0!, origin_server_ts: base });
    expect((await find(base + 2000, "b")).body.event_id).toBe(at.m2!);
    expect((await find(base + 2000, "f")).body.event_id).toBe(at.m2!);
  });

  test("nothing in that direction: 404 M_NOT_FOUND", async () => {
    const r = await find(T0 + 9_000_000, "f");
    expect(r.status).toBe(404);
    expect((r.body as unknown as { errcode: string }).errcode).toBe("M_NOT_FOUND");
    expect((await find(0, "b")).status).toBe(404);
  });

  test("bad input is 400, outsiders 403", async () => {
    for (const q of ["?ts=abc&dir=f", "?ts=1&dir=x", "?dir=f", "?ts=1", "?ts=-5&dir=f"]) {
      const r = await call(hs, alice, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/timestamp_to_event${q}`);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
    }
    const priv = await createRoom(hs, alice, { preset: "private_chat" });
    const r = await call(hs, stranger, "GET", `/_matrix/client/v1/rooms/${enc(priv)}/timestamp_to_event?ts=1&dir=f`);
    expect(r.status).toBe(403);
  });
});
