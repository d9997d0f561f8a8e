/** GET /rooms/{roomId}/messages: pagination both ways, tokens, limits, filters, lazy-loaded members, bad input. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { formatSyncToken, ZERO_TOKEN } from "../../src/services/sync/token";
import {
  bodies,
  call,
  createRoom,
  type Ev,
  enc,
  join,
  ok,
  send,
  setState,
  tableCounts,
  text,
} from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

interface Page {
  start: string;
  end?: string;
  chunk: Ev[];
  state?: Ev[];
}

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let stranger: TestUser;
let big: string;
const N = 1000;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  stranger = createUserDirect(hs, "stranger");
  big = await createRoom(hs, alice, { preset: "public_chat" });
  // Bulk history straight through the rooms service (the same write path the send endpoint uses).
  const rooms = hs.server.services.rooms;
  for (let i = 0; i < N; i++) {
    rooms.send(alice, big, "m.room.message", text(`m${i}`), `bulk${i}`);
  }
});
afterAll(() => hs.stop());

const messages = (user: TestUser, roomId: string, q: Record<string, string | number>) =>
  call<Page>(
    hs,
    user,
    "GET",
    `/_matrix/client/v3/rooms/${enc(roomId)}/messages?${new URLSearchParams(
      Object.entries(q).map(([k, v]): [string, string] => [k, String(v)]),
    )}`,
  );

async function page(user: TestUser, roomId: string, q: Record<string, string | number>): Promise<Page> {
  const r = await messages(user, roomId, q);
  if (r.status !== 200) throw new Error(`messages: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Follows `end` until it is absent; returns every page. */
async function paginateAll(user: TestUser, roomId: string, q: Record<string, string | number>): Promise<Page[]> {
  const pages: Page[] = [];
  let from: string | undefined;
  for (let i = 0; i < 5_000; i++) {
    const p = await page(user, roomId, { ...q, ...(from ? { from } : {}) });
    pages.push(p);
    if (p.end === undefined) return pages;
    from = p.end;
  }
  throw new Error("pagination did not end");
}

const expected = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

describe("/messages pagination", () => {
  test("backwards from the end through 1,000 messages: no gaps, no duplicates, then the room's first events", async () => {
    const pages = await paginateAll(alice, big, { dir: "b", limit: 37 });
    const all = pages.flatMap((p) => p.chunk);
    const ids = all.map((e) => e.event_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(bodies(all)).toEqual(expected(0, N).reverse());
    expect(all.at(-1)?.type).toBe("m.room.create");
    // Every page but the last is full; the last one has no `end`.
    for (const p of pages.slice(0, -1)) expect(p.chunk.length).toBe(37);
    expect(pages.at(-1)?.end).toBeUndefined();
  });

  test("forwards from the start gives the same events in chronological order", async () => {
    const back = (await paginateAll(alice, big, { dir: "b", limit: 100 })).flatMap((p) => p.chunk);
    const fwd = (await paginateAll(alice, big, { dir: "f", limit: 41 })).flatMap((p) => p.chunk);
    expect(fwd.map((e) => e.event_id)).toEqual(back.map((e) => e.event_id).reverse());
    expect(bodies(fwd)).toEqual(expected(0, N));
    expect(fwd[0]?.type).toBe("m.room.create");
  });

  test("back and forth: forwards from a backward page's end returns the same pages reversed", async () => {
    const p1 = await page(alice, big, { dir: "b", limit: 25 });
    const p2 = await page(alice, big, { dir: "b", limit: 25, from: p1.end! });
    const p3 = await page(alice, big, { dir: "b", limit: 25, from: p2.end! });
    expect(bodies(p3.chunk)).toEqual(expected(N - 75, N - 50).reverse());
    // From the end of page 3, forwards: pages 3, 2, 1 again in order, then nothing newer.
    const f1 = await page(alice, big, { dir: "f", limit: 25, from: p3.end! });
    expect(f1.chunk.map((e) => e.event_id)).toEqual([...p3.chunk].reverse().map((e) => e.event_id));
    const f2 = await page(alice, big, { dir: "f", limit: 25, from: f1.end! });
    expect(f2.chunk.map((e) => e.event_id)).toEqual([...p2.chunk].reverse().map((e) => e.event_id));
    const f3 = await page(alice, big, { dir: "f", limit: 25, from: f2.end! });
    expect(f3.chunk.map((e) => e.event_id)).toEqual([...p1.chunk].reverse().map((e) => e.event_id));
    // Backwards again from there continues without a gap.
    const b = await page(alice, big, { dir: "b", limit: 10, from: f1.end! });
    expect(bodies(b.chunk)).toEqual(expected(N - 60, N - 50).reverse());
    // `start` echoes `from`.
    expect(b.start).toBe(f1.end!);
  });

  test("`to` stops at a token", async () => {
    const p1 = await page(alice, big, { dir: "b", limit: 30 });
    const p2 = await page(alice, big, { dir: "b", limit: 30, from: p1.end! });
    const between = await page(alice, big, { dir: "b", limit: 1000, to: p2.end! });
    expect(bodies(between.chunk)).toEqual(expected(N - 60, N).reverse());
    const fwd = await page(alice, big, { dir: "f", limit: 1000, from: p2.end!, to: p1.end! });
    expect(bodies(fwd.chunk)).toEqual(expected(N - 60, N - 30));
  });

  test("a /sync token works as `from` (its room-events position)", async () => {
    const db = hs.server.db.sqlite;
    const ev = db
      .query<{ stream_ordering: number }, [string]>(
        "SELECT stream_ordering FROM events WHERE json LIKE ? AND type = 'm.room.message'",
      )
      .get('%"body":"m499"%');
    const token = formatSyncToken({ ...ZERO_TOKEN, events: ev!.stream_ordering });
    const back = await page(alice, big, { dir: "b", limit: 3, from: token });
    expect(bodies(back.chunk)).toEqual(["m499", "m498", "m497"]);
    expect(back.start).toBe(token);
    const fwd = await page(alice, big, { dir: "f", limit: 2, from: token });
    expect(bodies(fwd.chunk)).toEqual(["m500", "m501"]);
  });

  test("limit: default 10, capped at 1,000, 0 gives an empty chunk", async () => {
    expect((await page(alice, big, { dir: "b" })).chunk).toHaveLength(10);
    expect((await page(alice, big, { dir: "b", limit: 5000 })).chunk).toHaveLength(1000);
    const zero = await page(alice, big, { dir: "b", limit: 0 });
    expect(zero.chunk).toEqual([]);
    expect(zero.end).toBeString();
  });

  test("events come in the client format with unsigned.age and the sender's transaction_id", async () => {
    const roomId = await createRoom(hs, alice);
    const id = await send(hs, alice, roomId, text("hello"));
    const p = await page(alice, roomId, { dir: "b", limit: 1 });
    const ev = p.chunk[0]!;
    expect(ev.event_id).toBe(id);
    expect(ev).toMatchObject({ type: "m.room.message", sender: alice.userId, room_id: roomId, content: text("hello") });
    expect(ev.unsigned?.age).toBeNumber();
    expect(ev.unsigned?.transaction_id).toBeString();
    expect(Object.keys(ev)).not.toContain("hashes");
  });
});

describe("/messages filters", () => {
  let roomId: string;
  beforeAll(async () => {
    roomId = await createRoom(hs, alice, { preset: "public_chat" });
    await join(hs, bob, roomId);
    await join(hs, carol, roomId);
    await send(hs, alice, roomId, text("a1"));
    await send(hs, bob, roomId, text("b1"));
    await send(hs, bob, roomId, { msgtype: "m.image", body: "pic", url: "mxc://hs1.test/pic" });
    await send(hs, alice, roomId, { key: "v" }, "org.example.custom");
    await setState(hs, alice, roomId, "m.room.topic", "", { topic: "t" });
    await send(hs, alice, roomId, text("a2"));
  });
  const withFilter = (filter: unknown, extra: Record<string, string | number> = {}) =>
    page(alice, roomId, { dir: "b", limit: 50, filter: JSON.stringify(filter), ...extra });

  test("types (with a wildcard) and not_types", async () => {
    const msgs = await withFilter({ types: ["m.room.message"] });
    expect(msgs.chunk.every((e) => e.type === "m.room.message")).toBe(true);
    expect(bodies(msgs.chunk)).toEqual(["a2", "pic", "b1", "a1"]);
    const rooms = await withFilter({ types: ["m.room.*"], not_types: ["m.room.message", "m.room.member"] });
    expect(new Set(rooms.chunk.map((e) => e.type)).has("m.room.topic")).toBe(true);
    expect(rooms.chunk.some((e) => e.type === "m.room.message" || e.type === "m.room.member")).toBe(false);
    expect(rooms.chunk.some((e) => e.type === "org.example.custom")).toBe(false);
    const custom = await withFilter({ types: ["org.*"] });
    expect(custom.chunk.map((e) => e.type)).toEqual(["org.example.custom"]);
  });

  test("senders and not_senders", async () => {
    const bobs = await withFilter({ senders: [bob.userId], types: ["m.room.message"] });
    expect(bodies(bobs.chunk)).toEqual(["pic", "b1"]);
    const notBob = await withFilter({ not_senders: [bob.userId], types: ["m.room.message"] });
    expect(bodies(notBob.chunk)).toEqual(["a2", "a1"]);
  });

  test("contains_url", async () => {
    const urls = await withFilter({ contains_url: true });
    expect(bodies(urls.chunk)).toEqual(["pic"]);
    const noUrls = await withFilter({ contains_url: false, types: ["m.room.message"] });
    expect(bodies(noUrls.chunk)).toEqual(["a2", "b1", "a1"]);
  });

  test("rooms / not_rooms exclude the room entirely; an empty types list matches nothing", async () => {
    expect((await withFilter({ not_rooms: [roomId] })).chunk).toEqual([]);
    expect((await withFilter({ rooms: [big] })).chunk).toEqual([]);
    expect((await withFilter({ rooms: [roomId], types: ["m.room.message"] })).chunk).toHaveLength(4);
    expect((await withFilter({ types: [] })).chunk).toEqual([]);
  });

  test("a filtered page stays full and paginates on without gaps", async () => {
    const p1 = await withFilter({ types: ["m.room.message"] }, { limit: 2 });
    expect(bodies(p1.chunk)).toEqual(["a2", "pic"]);
    const p2 = await withFilter({ types: ["m.room.message"] }, { limit: 2, from: p1.end! });
    expect(bodies(p2.chunk)).toEqual(["b1", "a1"]);
  });

  test("lazy_load_members: state holds the member events of the chunk's senders only", async () => {
    const p = await withFilter({ lazy_load_members: true, types: ["m.room.message"] }, { limit: 2 });
    // a2 (alice) and pic (bob): their member events, not carol's.
    expect(p.state?.map((e) => e.state_key).sort()).toEqual([alice.userId, bob.userId].sort());
    expect(p.state?.every((e) => e.type === "m.room.member" && e.content.membership === "join")).toBe(true);
    const noLazy = await withFilter({ types: ["m.room.message"] }, { limit: 2 });
    expect(noLazy.state).toBeUndefined();
  });
});

describe("/messages access and bad input", () => {
  test("a user who is not in the room gets 403; an unknown room 404", async () => {
    const priv = await createRoom(hs, alice, { preset: "private_chat" });
    const r = await messages(stranger, priv, { dir: "b" });
    expect(r.status).toBe(403);
    expect((r.body as unknown as { errcode: string }).errcode).toBe("M_FORBIDDEN");
    const u = await messages(alice, "!unknown:hs1.test", { dir: "b" });
    expect(u.status).toBe(404);
  });

  test("bad tokens, directions, limits and filters are 400 M_INVALID_PARAM, and nothing changes", async () => {
    const before = tableCounts(hs);
    const cases: Record<string, string | number>[] = [
      {},
      { dir: "x" },
      { dir: "b", from: "garbage" },
      { dir: "b", from: "t1" },
      { dir: "b", from: "t1_2_3" },
      { dir: "b", from: "tX_1" },
      { dir: "b", from: "s1_2" },
      { dir: "b", to: "nope" },
      { dir: "f", from: "t99999999999999999_1" },
      { dir: "b", limit: -1 },
      { dir: "b", limit: "ten" },
      { dir: "b", filter: "{" },
      { dir: "b", filter: "[]" },
      { dir: "b", filter: "7" },
      { dir: "b", filter: JSON.stringify({ types: "m.room.message" }) },
      { dir: "b", filter: JSON.stringify({ senders: ["not-a-user"] }) },
      { dir: "b", filter: JSON.stringify({ contains_url: "yes" }) },
    ];
    for (const q of cases) {
      const r = await messages(alice, big, q);
      expect({ q, status: r.status, errcode: (r.body as unknown as { errcode: string }).errcode }).toEqual({
        q,
        status: 400,
        errcode: "M_INVALID_PARAM",
      });
    }
    const badRoom = await call(hs, alice, "GET", "/_matrix/client/v3/rooms/not-a-room/messages?dir=b");
    expect(badRoom.status).toBe(400);
    expect(tableCounts(hs)).toEqual(before);
  });

  test("a guest may not read a private room; reading needs an access token", async () => {
    const r = await call(hs, null, "GET", `/_matrix/client/v3/rooms/${enc(big)}/messages?dir=b`);
    expect(r.status).toBe(401);
  });
});

test("ok() helper sanity: the room has the bulk history", async () => {
  const p = await ok<Page>(hs, alice, "GET", `/_matrix/client/v3/rooms/${enc(big)}/messages?dir=b&limit=1`);
  expect(bodies(p.chunk)).toEqual([`m${N - 1}`]);
});
