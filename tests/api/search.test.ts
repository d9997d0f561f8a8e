/**
 * POST /search (room_events): what a user finds, ranked or newest first, with the filter, keys, event
 * context, groups, state and pagination; never what history visibility, a leave, a redaction or
 * encryption hides; bad input changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  call,
  createRoom,
  type Ev,
  enc,
  invite,
  join,
  leave,
  ok,
  redact,
  send,
  setState,
  tableCounts,
  text,
} from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let n = 0;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
});
afterAll(() => hs.stop());

interface Result {
  rank: number;
  result: Ev & { room_id: string };
  context?: {
    start: string;
    end: string;
    events_before: Ev[];
    events_after: Ev[];
    profile_info?: Record<string, { displayname?: string; avatar_url?: string }>;
  };
}
interface RoomEvents {
  count: number;
  highlights: string[];
  results: Result[];
  next_batch?: string;
  state?: Record<string, Ev[]>;
  groups?: Record<string, Record<string, { results: string[]; order: number; next_batch?: string }>>;
}

async function search(
  user: TestUser,
  criteria: Record<string, unknown>,
  nextBatch?: string,
): Promise<{ status: number; body: { search_categories: { room_events: RoomEvents } } & Record<string, unknown> }> {
  const path = `/_matrix/client/v3/search${nextBatch ? `?next_batch=${enc(nextBatch)}` : ""}`;
  return call(hs, user, "POST", path, { search_categories: { room_events: criteria } });
}

async function found(user: TestUser, criteria: Record<string, unknown>): Promise<RoomEvents> {
  const r = await search(user, criteria);
  expect(r.status).toBe(200);
  return r.body.search_categories.room_events;
}

const bodiesOf = (r: RoomEvents) => r.results.map((x) => x.result.content.body ?? x.result.content.name);

/** Every page of a search, following next_batch. */
async function allPages(user: TestUser, criteria: Record<string, unknown>): Promise<RoomEvents[]> {
  const pages: RoomEvents[] = [];
  let token: string | undefined;
  for (let i = 0; i < 20; i++) {
    const r = await search(user, criteria, token);
    expect(r.status).toBe(200);
    pages.push(r.body.search_categories.room_events);
    token = r.body.search_categories.room_events.next_batch;
    if (!token) break;
  }
  return pages;
}

function newUser(name: string): TestUser {
  n++;
  return createUserDirect(hs, `${name}${n}`);
}

describe("POST /search", () => {
  test("finds messages by word and word prefix, ignoring case and accents, with rank, count and highlights", async () => {
    const u = newUser("finder");
    const roomId = await createRoom(hs, u);
    const martians = await send(hs, u, roomId, text("The Martians are coming to the café"));
    await send(hs, u, roomId, text("Men of Mars"));
    await send(hs, u, roomId, text("nothing to see here"));

    const r = await found(u, { search_term: "martians" });
    expect(r.results.map((x) => x.result.event_id)).toEqual([martians]);
    expect(r.count).toBe(1);
    expect(r.results[0]!.rank).toBeGreaterThan(0);
    expect(r.results[0]!.result.room_id).toBe(roomId);
    expect(r.results[0]!.result.sender).toBe(u.userId);
    expect(r.highlights).toContain("martians");

    const prefix = await found(u, { search_term: "MART" });
    expect(bodiesOf(prefix)).toEqual(["The Martians are coming to the café"]);
    expect(prefix.highlights).toContain("Martians");
    expect(bodiesOf(await found(u, { search_term: "CAFE" }))).toEqual(["The Martians are coming to the café"]);
    // Every word must match; a quoted phrase matches in order; a minus excludes.
    expect(bodiesOf(await found(u, { search_term: "men mars" }))).toEqual(["Men of Mars"]);
    expect(bodiesOf(await found(u, { search_term: '"of mars"' }))).toEqual(["Men of Mars"]);
    expect(await found(u, { search_term: '"mars of"' })).toMatchObject({ results: [], count: 0 });
    expect(bodiesOf(await found(u, { search_term: "ma -mars" }))).toEqual(["The Martians are coming to the café"]);
    // Query syntax in the term is only text.
    expect((await found(u, { search_term: 'body:* OR NEAR( "' })).results).toEqual([]);
    expect((await found(u, { search_term: "   " })).results).toEqual([]);
  });

  test("the better match ranks first; recent puts the newest first", async () => {
    const u = newUser("ranker");
    const roomId = await createRoom(hs, u);
    await send(hs, u, roomId, text("pizza pizza pizza tonight"));
    await send(
      hs,
      u,
      roomId,
      text("a very long message that mentions pizza once among many other different words here"),
    );
    const ranked = await found(u, { search_term: "pizza" });
    expect(bodiesOf(ranked)[0]).toBe("pizza pizza pizza tonight");
    expect(ranked.results[0]!.rank).toBeGreaterThan(ranked.results[1]!.rank);
    const recent = await found(u, { search_term: "pizza", order_by: "recent" });
    expect(bodiesOf(recent)[0]).toStartWith("a very long message");
  });

  test("keys choose between message bodies, room names and topics (with m.topic)", async () => {
    const u = newUser("keys");
    const roomId = await createRoom(hs, u, { name: "Zeppelin lounge" });
    await setState(hs, u, roomId, "m.room.topic", "", {
      topic: "airships only",
      "m.topic": { "m.text": [{ body: "<b>dirigibles</b>", mimetype: "text/html" }, { body: "Blimps and zeppelins" }] },
    });
    await send(hs, u, roomId, text("my zeppelin is late"));

    const all = await found(u, { search_term: "zeppelin" });
    expect(all.results.map((x) => x.result.type).sort()).toEqual(["m.room.message", "m.room.name", "m.room.topic"]);
    const names = await found(u, { search_term: "zeppelin", keys: ["content.name"] });
    expect(names.results.map((x) => x.result.type)).toEqual(["m.room.name"]);
    const bodies = await found(u, { search_term: "zeppelin", keys: ["content.body"] });
    expect(bodies.results.map((x) => x.result.type)).toEqual(["m.room.message"]);
    const topics = await found(u, { search_term: "blimps", keys: ["content.topic"] });
    expect(topics.results.map((x) => x.result.type)).toEqual(["m.room.topic"]);
    // HTML representations are not indexed.
    expect((await found(u, { search_term: "dirigibles" })).results).toEqual([]);
  });

  test("only rooms the user is or was in, and only what history visibility lets them see (count too)", async () => {
    const owner = newUser("owner");
    const late = newUser("late");
    const stranger = newUser("stranger");
    const roomId = await createRoom(hs, owner, { preset: "public_chat" });
    await setState(hs, owner, roomId, "m.room.history_visibility", "", { history_visibility: "joined" });
    await send(hs, owner, roomId, text("secret plan alpha"));
    await join(hs, late, roomId);
    await send(hs, owner, roomId, text("secret plan beta"));
    await leave(hs, late, roomId);
    await send(hs, owner, roomId, text("secret plan gamma"));

    expect(bodiesOf(await found(owner, { search_term: "secret" })).sort()).toEqual([
      "secret plan alpha",
      "secret plan beta",
      "secret plan gamma",
    ]);
    // Joined after alpha, left before gamma: only beta, and the count tells nothing about the others.
    const lateFound = await found(late, { search_term: "secret" });
    expect(bodiesOf(lateFound)).toEqual(["secret plan beta"]);
    expect(lateFound.count).toBe(1);
    expect((await found(late, { search_term: "secret", order_by: "recent" })).count).toBe(1);
    expect((await found(stranger, { search_term: "secret" })).results).toEqual([]);
    // A forgotten room is not searched any more.
    await ok(hs, late, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/forget`, {});
    expect((await found(late, { search_term: "secret" })).results).toEqual([]);
  });

  test("an invitee sees history only as far as the room allows", async () => {
    const owner = newUser("inviter");
    const guest = newUser("invitee");
    const roomId = await createRoom(hs, owner);
    await setState(hs, owner, roomId, "m.room.history_visibility", "", { history_visibility: "invited" });
    await send(hs, owner, roomId, text("walrus before invite"));
    await invite(hs, owner, roomId, guest.userId);
    await send(hs, owner, roomId, text("walrus after invite"));
    expect(bodiesOf(await found(guest, { search_term: "walrus" }))).toEqual(["walrus after invite"]);
  });

  test("redacted messages and messages in encrypted rooms are not found", async () => {
    const u = newUser("redactor");
    const roomId = await createRoom(hs, u);
    const gone = await send(hs, u, roomId, text("embarrassing typo kumquat"));
    await send(hs, u, roomId, text("kumquat is fine"));
    await redact(hs, u, roomId, gone);
    expect(bodiesOf(await found(u, { search_term: "kumquat" }))).toEqual(["kumquat is fine"]);

    const secretRoom = await createRoom(hs, u);
    await send(hs, u, secretRoom, text("quince before encryption"));
    await setState(hs, u, secretRoom, "m.room.encryption", "", { algorithm: "m.megolm.v1.aes-sha2" });
    await send(hs, u, secretRoom, text("quince sent in plain text after encryption"));
    await send(hs, u, secretRoom, { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "quince" }, "m.room.encrypted");
    expect(bodiesOf(await found(u, { search_term: "quince" }))).toEqual(["quince before encryption"]);
  });

  test("the filter restricts rooms, senders, types and the page size", async () => {
    const a = newUser("fa");
    const b = newUser("fb");
    const room1 = await createRoom(hs, a, { preset: "public_chat" });
    const room2 = await createRoom(hs, a, { preset: "public_chat" });
    await join(hs, b, room1);
    await send(hs, a, room1, text("mango from a in room1"));
    await send(hs, b, room1, text("mango from b in room1"));
    await send(hs, a, room2, text("mango from a in room2"));
    await send(hs, a, room2, { msgtype: "m.image", body: "mango.png", url: "mxc://hs1.test/abc" });

    const q = (filter: Record<string, unknown>) => found(a, { search_term: "mango", order_by: "recent", filter });
    expect(bodiesOf(await q({ rooms: [room1] })).sort()).toEqual(["mango from a in room1", "mango from b in room1"]);
    expect(bodiesOf(await q({ not_rooms: [room1] })).sort()).toEqual(["mango from a in room2", "mango.png"]);
    expect(bodiesOf(await q({ senders: [b.userId] }))).toEqual(["mango from b in room1"]);
    expect((await q({ not_senders: [a.userId] })).count).toBe(1);
    expect(bodiesOf(await q({ contains_url: true }))).toEqual(["mango.png"]);
    expect((await q({ types: ["m.room.name"] })).results).toEqual([]);
    expect((await q({ types: ["m.room.*"] })).results.length).toBe(4);
    expect((await q({ not_types: ["m.room.message"] })).results).toEqual([]);
    const one = await q({ limit: 1 });
    expect(one.results.length).toBe(1);
    expect(one.count).toBe(4);
    expect(one.next_batch).toBeString();
  });

  for (const order of ["recent", "rank"] as const) {
    test(`next_batch pages through every result once (order_by ${order})`, async () => {
      const u = newUser(`pager${order}`);
      const roomId = await createRoom(hs, u);
      const sent: string[] = [];
      for (let i = 0; i < 7; i++) sent.push(await send(hs, u, roomId, text(`papaya number ${i} ${"x ".repeat(i)}`)));
      const pages = await allPages(u, { search_term: "papaya", order_by: order, filter: { limit: 3 } });
      expect(pages.map((p) => p.results.length)).toEqual([3, 3, 1]);
      expect(pages.at(-1)!.next_batch).toBeUndefined();
      const ids = pages.flatMap((p) => p.results.map((r) => r.result.event_id));
      expect([...ids].sort()).toEqual([...sent].sort());
      if (order === "recent") expect(ids).toEqual([...sent].reverse());
      else {
        const ranks = pages.flatMap((p) => p.results.map((r) => r.rank));
        expect([...ranks].sort((x, y) => y - x)).toEqual(ranks);
      }
    });
  }

  test("groups by room and by sender; a group's next_batch stays in that group", async () => {
    const a = newUser("ga");
    const b = newUser("gb");
    const room1 = await createRoom(hs, a, { preset: "public_chat" });
    const room2 = await createRoom(hs, a, { preset: "public_chat" });
    await join(hs, b, room2);
    for (let i = 0; i < 3; i++) await send(hs, a, room1, text(`guava one ${i}`));
    for (let i = 0; i < 3; i++) await send(hs, b, room2, text(`guava two ${i}`));

    const r = await found(a, {
      search_term: "guava",
      order_by: "recent",
      filter: { limit: 4 },
      groupings: { group_by: [{ key: "room_id" }, { key: "sender" }] },
    });
    const byRoom = r.groups!.room_id!;
    expect(Object.keys(byRoom).sort()).toEqual([room1, room2].sort());
    expect(byRoom[room2]!.order).toBe(1); // room2 holds the newest result
    expect(byRoom[room2]!.results.length).toBe(3);
    expect(byRoom[room1]!.results.length).toBe(1);
    expect(r.groups!.sender![b.userId]!.results).toEqual(byRoom[room2]!.results);
    expect(r.results.map((x) => x.result.event_id)).toEqual([...byRoom[room2]!.results, ...byRoom[room1]!.results]);

    const more = await search(
      a,
      { search_term: "guava", order_by: "recent", filter: { limit: 4 } },
      byRoom[room1]!.next_batch,
    );
    expect(more.status).toBe(200);
    expect(bodiesOf(more.body.search_categories.room_events)).toEqual(["guava one 1", "guava one 0"]);
  });

  test("event_context gives the events around each result, tokens and the senders' profiles at the time", async () => {
    const u = newUser("ctx");
    await ok(hs, u, "PUT", `/_matrix/client/v3/profile/${enc(u.userId)}/displayname`, { displayname: "Ctx Person" });
    const roomId = await createRoom(hs, u);
    for (const w of ["one", "two", "three", "kiwi in the middle", "four", "five"]) await send(hs, u, roomId, text(w));
    const r = await found(u, {
      search_term: "kiwi",
      event_context: { before_limit: 2, after_limit: 1, include_profile: true },
    });
    const ctx = r.results[0]!.context!;
    expect(ctx.events_before.map((e) => e.content.body)).toEqual(["three", "two"]);
    expect(ctx.events_after.map((e) => e.content.body)).toEqual(["four"]);
    expect(ctx.profile_info![u.userId]).toEqual({ displayname: "Ctx Person" });
    // The tokens continue the room's history with /messages.
    const older = await ok<{ chunk: Ev[] }>(
      hs,
      u,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=1&from=${enc(ctx.start)}`,
    );
    expect(older.chunk.map((e) => e.content.body)).toEqual(["one"]);
    const newer = await ok<{ chunk: Ev[] }>(
      hs,
      u,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=f&limit=1&from=${enc(ctx.end)}`,
    );
    expect(newer.chunk.map((e) => e.content.body)).toEqual(["five"]);
    expect((await found(u, { search_term: "kiwi" })).results[0]!.context).toBeUndefined();
  });

  test("include_state gives the state of each room with results", async () => {
    const u = newUser("state");
    const roomId = await createRoom(hs, u, { name: "Lychee room" });
    await send(hs, u, roomId, text("lychee"));
    const r = await found(u, { search_term: "lychee", keys: ["content.body"], include_state: true });
    expect(Object.keys(r.state!)).toEqual([roomId]);
    const types = r.state![roomId]!.map((e) => e.type);
    expect(types).toContain("m.room.create");
    expect(types).toContain("m.room.name");
  });

  test("a search without room_events answers an empty set of categories", async () => {
    const r = await call(hs, alice, "POST", "/_matrix/client/v3/search", { search_categories: {} });
    expect(r).toEqual({ status: 200, body: { search_categories: {} } });
  });

  test("bad input is refused with the spec's errors and changes nothing", async () => {
    const roomId = await createRoom(hs, alice);
    await send(hs, alice, roomId, text("durian"));
    await send(hs, alice, roomId, text("durian again"));
    expect((await found(alice, { search_term: "durian" })).count).toBe(2); // indexes what waits
    const before = tableCounts(hs);
    const post = (body: unknown, q = "") => call(hs, alice, "POST", `/_matrix/client/v3/search${q}`, body);
    const bad = [
      await post({}),
      await post({ search_categories: { room_events: {} } }),
      await post({ search_categories: { room_events: { search_term: 5 } } }),
      await post({ search_categories: { room_events: { search_term: "x", order_by: "oldest" } } }),
      await post({ search_categories: { room_events: { search_term: "x", keys: ["content.sender"] } } }),
      await post({ search_categories: { room_events: { search_term: "x", filter: { limit: -1 } } } }),
      await post({ search_categories: { room_events: { search_term: "x", event_context: { before_limit: "5" } } } }),
      await post({
        search_categories: { room_events: { search_term: "x", groupings: { group_by: [{ key: "type" }] } } },
      }),
    ];
    for (const r of bad) expect(r).toMatchObject({ status: 400, body: { errcode: "M_BAD_JSON" } });
    const badToken = await post(
      { search_categories: { room_events: { search_term: "durian" } } },
      "?next_batch=nonsense",
    );
    expect(badToken).toMatchObject({ status: 400, body: { errcode: "M_INVALID_PARAM" } });
    const page = await found(alice, { search_term: "durian", order_by: "recent", filter: { limit: 1 } });
    expect(page.next_batch).toBeString();
    const wrongOrder = await post(
      { search_categories: { room_events: { search_term: "durian" } } },
      `?next_batch=${page.next_batch}`,
    );
    expect(wrongOrder).toMatchObject({ status: 400, body: { errcode: "M_INVALID_PARAM" } });
    const noToken = await hs.request("POST", "/_matrix/client/v3/search", { body: { search_categories: {} } });
    expect(noToken.status).toBe(401);
    expect(tableCounts(hs)).toEqual(before);
  });
});
