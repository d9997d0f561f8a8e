/** Relations and threads: bundled aggregations, /relations (pagination, recurse), /threads, bad input. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "../../src/util/clock";
import {
  call,
  createRoom as createRoomAt,
  type Ev,
  enc,
  join,
  ok,
  redact,
  send,
  tableCounts,
  text,
} from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const clock = manualClock(1_700_000_000_000);
let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let stranger: TestUser;

beforeAll(async () => {
  hs = await startTestServer({ clock });
  [alice, bob, carol, stranger] = ["alice", "bob", "carol", "stranger"].map((u) => createUserDirect(hs, u)) as [
    TestUser,
    TestUser,
    TestUser,
    TestUser,
  ];
});
afterAll(() => hs.stop());

function createRoom(...args: Parameters<typeof createRoomAt>): ReturnType<typeof createRoomAt> {
  clock.advance(1);
  return createRoomAt(...args);
}
/** Sends with the clock one millisecond on, so timestamps order the events. */
function sendAt(...args: Parameters<typeof send>): ReturnType<typeof send> {
  clock.advance(1);
  return send(...args);
}

const edit = (target: string, body: string, newContent = true) => ({
  msgtype: "m.text",
  body: `* ${body}`,
  ...(newContent ? { "m.new_content": { msgtype: "m.text", body } } : {}),
  "m.relates_to": { rel_type: "m.replace", event_id: target },
});
const inThread = (root: string, body: string) => ({
  msgtype: "m.text",
  body,
  "m.relates_to": { rel_type: "m.thread", event_id: root },
});
const reference = (target: string) => ({ "m.relates_to": { rel_type: "m.reference", event_id: target } });
const reaction = (target: string, key: string) => ({
  "m.relates_to": { rel_type: "m.annotation", event_id: target, key },
});

async function room(): Promise<string> {
  const roomId = await createRoom(hs, alice, { preset: "public_chat" });
  await join(hs, bob, roomId);
  await join(hs, carol, roomId);
  return roomId;
}
const getEvent = (user: TestUser, roomId: string, id: string) =>
  ok<Ev>(hs, user, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/event/${enc(id)}`);
const relationsOf = (ev: Ev) => (ev.unsigned?.["m.relations"] ?? {}) as Record<string, Record<string, unknown>>;

describe("m.replace aggregation", () => {
  test("the newest valid edit by the original sender is bundled; the original content is left as it was", async () => {
    const roomId = await room();
    const orig = await sendAt(hs, alice, roomId, text("I like cake"));
    await sendAt(hs, alice, roomId, edit(orig, "I like pie"));
    const e2 = await sendAt(hs, alice, roomId, edit(orig, "I like chocolate cake"));
    // Not valid: another sender, no m.new_content.
    await sendAt(hs, bob, roomId, edit(orig, "bob's edit"));
    await sendAt(hs, alice, roomId, edit(orig, "no new content", false));
    const ev = await getEvent(bob, roomId, orig);
    expect(ev.content).toEqual(text("I like cake"));
    const replace = relationsOf(ev)["m.replace"] as unknown as Ev;
    expect(replace.event_id).toBe(e2);
    expect(replace.content["m.new_content"]).toEqual({ msgtype: "m.text", body: "I like chocolate cake" });
    expect(replace.sender).toBe(alice.userId);
    // The same in /messages and /context.
    const page = await ok<{ chunk: Ev[] }>(
      hs,
      bob,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=50`,
    );
    const inPage = page.chunk.find((e) => e.event_id === orig)!;
    expect((relationsOf(inPage)["m.replace"] as unknown as Ev).event_id).toBe(e2);
    const ctx = await ok<{ event: Ev }>(hs, bob, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(orig)}`);
    expect((relationsOf(ctx.event)["m.replace"] as unknown as Ev).event_id).toBe(e2);
  });

  test("redacting the newest edit falls back to the previous one; redacting the original drops the edit", async () => {
    const roomId = await room();
    const orig = await sendAt(hs, alice, roomId, text("v0"));
    const e1 = await sendAt(hs, alice, roomId, edit(orig, "v1"));
    const e2 = await sendAt(hs, alice, roomId, edit(orig, "v2"));
    expect((relationsOf(await getEvent(alice, roomId, orig))["m.replace"] as unknown as Ev).event_id).toBe(e2);
    await redact(hs, alice, roomId, e2);
    expect((relationsOf(await getEvent(alice, roomId, orig))["m.replace"] as unknown as Ev).event_id).toBe(e1);
    await redact(hs, alice, roomId, orig);
    const redacted = await getEvent(alice, roomId, orig);
    expect(redacted.content).toEqual({});
    expect(relationsOf(redacted)["m.replace"]).toBeUndefined();
  });

  test("edits with the same timestamp: the lexicographically largest event ID wins", async () => {
    const roomId = await room();
    const orig = await sendAt(hs, alice, roomId, text("v0"));
    clock.advance(10);
    const a = await send(hs, alice, roomId, edit(orig, "a"));
    const b = await send(hs, alice, roomId, edit(orig, "b"));
    const winner = [a, b].sort().at(-1)!;
    expect((relationsOf(await getEvent(alice, roomId, orig))["m.replace"] as unknown as Ev).event_id).toBe(winner);
  });

  test("edits of an edit are not aggregated on it", async () => {
    const roomId = await room();
    const orig = await sendAt(hs, alice, roomId, text("v0"));
    const e1 = await sendAt(hs, alice, roomId, edit(orig, "v1"));
    await sendAt(hs, alice, roomId, edit(e1, "edit of an edit"));
    expect(relationsOf(await getEvent(alice, roomId, e1))["m.replace"]).toBeUndefined();
  });
});

describe("m.thread and m.reference aggregation", () => {
  test("count, latest event (with its own edit aggregated) and participation per user", async () => {
    const roomId = await room();
    const root = await sendAt(hs, alice, roomId, text("root"));
    const t1 = await sendAt(hs, bob, roomId, inThread(root, "t1"));
    const t2 = await sendAt(hs, bob, roomId, inThread(root, "t2"));
    const t2edit = await sendAt(hs, bob, roomId, edit(t2, "t2 edited"));
    const forAlice = relationsOf(await getEvent(alice, roomId, root))["m.thread"]!;
    expect(forAlice.count).toBe(2);
    expect(forAlice.current_user_participated).toBe(true); // sent the root
    const latest = forAlice.latest_event as Ev;
    expect(latest.event_id).toBe(t2);
    expect((relationsOf(latest)["m.replace"] as unknown as Ev).event_id).toBe(t2edit);
    expect(relationsOf(await getEvent(bob, roomId, root))["m.thread"]!.current_user_participated).toBe(true);
    expect(relationsOf(await getEvent(carol, roomId, root))["m.thread"]!.current_user_participated).toBe(false);
    // A redacted thread reply no longer counts.
    await redact(hs, bob, roomId, t2);
    const after = relationsOf(await getEvent(alice, roomId, root))["m.thread"]!;
    expect(after.count).toBe(1);
    expect((after.latest_event as Ev).event_id).toBe(t1);
    // A redacted root keeps its thread summary (but no edits).
    await redact(hs, alice, roomId, root);
    const redactedRoot = await getEvent(alice, roomId, root);
    expect(redactedRoot.content).toEqual({});
    expect(relationsOf(redactedRoot)["m.thread"]?.count).toBe(1);
  });

  test("m.reference lists the referencing events; annotations are not aggregated", async () => {
    const roomId = await room();
    const target = await sendAt(hs, alice, roomId, text("target"));
    const r1 = await sendAt(hs, bob, roomId, reference(target), "org.example.ref");
    const r2 = await sendAt(hs, carol, roomId, reference(target), "org.example.ref");
    await sendAt(hs, bob, roomId, reaction(target, "👍"), "m.reaction");
    const rel = relationsOf(await getEvent(alice, roomId, target));
    expect(rel["m.reference"]).toEqual({ chunk: [{ event_id: r1 }, { event_id: r2 }] });
    expect(rel["m.annotation"]).toBeUndefined();
  });

  test("an event without children has no m.relations", async () => {
    const roomId = await room();
    const lone = await sendAt(hs, alice, roomId, text("alone"));
    expect((await getEvent(alice, roomId, lone)).unsigned?.["m.relations"]).toBeUndefined();
  });
});

interface Relations {
  chunk: Ev[];
  next_batch?: string;
  prev_batch?: string;
  recursion_depth?: number;
}

describe("/relations", () => {
  let roomId: string;
  let root: string;
  const thread: string[] = [];
  let reactionOnT0: string;
  let editOfT0: string;
  beforeAll(async () => {
    roomId = await room();
    root = await sendAt(hs, alice, roomId, text("root"));
    for (let i = 0; i < 5; i++) thread.push(await sendAt(hs, i % 2 ? alice : bob, roomId, inThread(root, `t${i}`)));
    reactionOnT0 = await sendAt(hs, carol, roomId, reaction(thread[0]!, "👍"), "m.reaction");
    editOfT0 = await sendAt(hs, bob, roomId, edit(thread[0]!, "t0 edited"));
    await sendAt(hs, carol, roomId, reaction(root, "🎉"), "m.reaction");
  });
  const rel = (path: string, q = "", user = alice) =>
    call<Relations>(hs, user, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${path}${q}`);
  const ids = (r: { body: Relations }) => r.body.chunk.map((e) => e.event_id);

  test("all direct children, newest first; by rel_type; by rel_type and event type", async () => {
    const all = await rel(enc(root));
    expect(all.status).toBe(200);
    expect(all.body.chunk).toHaveLength(6);
    expect(all.body.chunk[0]?.type).toBe("m.reaction");
    expect(all.body.recursion_depth).toBeUndefined();
    const threads = await rel(`${enc(root)}/m.thread`);
    expect(ids(threads)).toEqual([...thread].reverse());
    const typed = await rel(`${enc(root)}/m.annotation/m.reaction`);
    expect(typed.body.chunk.map((e) => e.type)).toEqual(["m.reaction"]);
    expect((await rel(`${enc(root)}/m.thread/m.reaction`)).body.chunk).toEqual([]);
    // Children carry their own aggregations.
    const t0 = threads.body.chunk.find((e) => e.event_id === thread[0])!;
    expect((relationsOf(t0)["m.replace"] as unknown as Ev).event_id).toBe(editOfT0);
  });

  test("pagination with limit, next_batch and prev_batch, in both directions, without gaps", async () => {
    const seen: string[] = [];
    let from: string | undefined;
    let pages = 0;
    for (;;) {
      const r = await rel(`${enc(root)}/m.thread`, `?limit=2${from ? `&from=${enc(from)}` : ""}`);
      pages++;
      seen.push(...ids(r));
      if (from) expect(r.body.prev_batch).toBe(from);
      else expect(r.body.prev_batch).toBeUndefined();
      if (!r.body.next_batch) break;
      from = r.body.next_batch;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...thread].reverse());
    const fwd = await rel(`${enc(root)}/m.thread`, "?dir=f&limit=10");
    expect(ids(fwd)).toEqual(thread);
    expect(fwd.body.next_batch).toBeUndefined();
    // from page 1 to page 2's token: exactly the first two pages.
    const p1 = await rel(`${enc(root)}/m.thread`, "?limit=2");
    const p2 = await rel(`${enc(root)}/m.thread`, `?limit=2&from=${enc(p1.body.next_batch!)}`);
    const range = await rel(`${enc(root)}/m.thread`, `?limit=50&to=${enc(p2.body.next_batch!)}`);
    expect(ids(range)).toEqual([...ids(p1), ...ids(p2)]);
  });

  test("recurse follows children of children (filters apply at every hop) and reports recursion_depth", async () => {
    const flat = await rel(enc(root));
    expect(ids(flat)).not.toContain(reactionOnT0);
    const deep = await rel(enc(root), "?recurse=true&limit=50");
    expect(deep.body.recursion_depth).toBe(3);
    expect(ids(deep)).toContain(reactionOnT0);
    expect(ids(deep)).toContain(editOfT0);
    expect(deep.body.chunk).toHaveLength(8);
    // rel_type m.thread: the reaction to a thread event relates through m.annotation, so it is left out.
    const threadOnly = await rel(`${enc(root)}/m.thread`, "?recurse=true&limit=50");
    expect(ids(threadOnly)).toEqual([...thread].reverse());
    const notRecursing = await rel(enc(root), "?recurse=false");
    expect(notRecursing.body.recursion_depth).toBe(1);
  });

  test("redacted children are not relations any more", async () => {
    const r = await redact(hs, carol, roomId, reactionOnT0);
    expect(r).toStartWith("$");
    const deep = await rel(enc(root), "?recurse=true&limit=50");
    expect(ids(deep)).not.toContain(reactionOnT0);
  });

  test("unknown event, event in another room, outsiders: 404; bad parameters: 400; nothing changes", async () => {
    const other = await room();
    const elsewhere = await sendAt(hs, alice, other, text("elsewhere"));
    const priv = await createRoom(hs, alice, { preset: "private_chat" });
    const hidden = await sendAt(hs, alice, priv, text("hidden"));
    const before = tableCounts(hs);
    expect((await rel(enc(`$${"B".repeat(43)}`))).status).toBe(404);
    expect((await rel(enc(elsewhere))).status).toBe(404);
    const outsider = await call(hs, stranger, "GET", `/_matrix/client/v1/rooms/${enc(priv)}/relations/${enc(hidden)}`);
    expect(outsider.status).toBe(404);
    for (const q of ["?from=xyz", "?to=t1", "?limit=0", "?limit=abc", "?dir=up", "?recurse=maybe"]) {
      const r = await rel(enc(root), q);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
    }
    expect((await rel("not-an-event")).status).toBe(400);
    expect(tableCounts(hs)).toEqual(before);
  });
});

describe("/threads", () => {
  let roomId: string;
  let rootA: string;
  let rootB: string;
  let rootC: string;
  beforeAll(async () => {
    roomId = await room();
    rootA = await sendAt(hs, alice, roomId, text("A"));
    rootB = await sendAt(hs, bob, roomId, text("B"));
    rootC = await sendAt(hs, bob, roomId, text("C"));
    await sendAt(hs, bob, roomId, inThread(rootA, "a1"));
    await sendAt(hs, bob, roomId, inThread(rootB, "b1"));
    await sendAt(hs, carol, roomId, inThread(rootC, "c1"));
    // A is the most recently active thread.
    await sendAt(hs, bob, roomId, inThread(rootA, "a2"));
  });
  const threads = (q = "", user = alice) =>
    call<{ chunk: Ev[]; next_batch?: string }>(hs, user, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/threads${q}`);

  test("all thread roots, most recently active first, with their thread summaries", async () => {
    const r = await threads();
    expect(r.status).toBe(200);
    expect(r.body.chunk.map((e) => e.event_id)).toEqual([rootA, rootC, rootB]);
    const summary = relationsOf(r.body.chunk[0]!)["m.thread"]!;
    expect(summary.count).toBe(2);
    expect((summary.latest_event as Ev).content.body).toBe("a2");
    expect(r.body.next_batch).toBeUndefined();
  });

  test("include=participated: threads the user started or posted in", async () => {
    expect((await threads("?include=participated", alice)).body.chunk.map((e) => e.event_id)).toEqual([rootA]);
    expect((await threads("?include=participated", carol)).body.chunk.map((e) => e.event_id)).toEqual([rootC]);
    expect((await threads("?include=participated", bob)).body.chunk.map((e) => e.event_id)).toEqual([
      rootA,
      rootC,
      rootB,
    ]);
  });

  test("paginates with limit and next_batch", async () => {
    const p1 = await threads("?limit=2");
    expect(p1.body.chunk.map((e) => e.event_id)).toEqual([rootA, rootC]);
    const p2 = await threads(`?limit=2&from=${enc(p1.body.next_batch!)}`);
    expect(p2.body.chunk.map((e) => e.event_id)).toEqual([rootB]);
    expect(p2.body.next_batch).toBeUndefined();
  });

  test("outsiders 403; bad parameters 400", async () => {
    const priv = await createRoom(hs, alice, { preset: "private_chat" });
    const r = await call(hs, stranger, "GET", `/_matrix/client/v1/rooms/${enc(priv)}/threads`);
    expect(r.status).toBe(403);
    for (const q of ["?include=some", "?limit=0", "?from=garbage"]) {
      const bad = await threads(q);
      expect({ q, status: bad.status }).toEqual({ q, status: 400 });
    }
  });
});

describe("ignored users (m.ignored_user_list)", () => {
  test("their messages are not served, their state events are; aggregations leave them out; their thread roots come redacted", async () => {
    const roomId = await room();
    const root = await sendAt(hs, alice, roomId, text("root"));
    const fromBob = await sendAt(hs, bob, roomId, inThread(root, "bob in thread"));
    await sendAt(hs, carol, roomId, inThread(root, "carol in thread"));
    const carolSays = await sendAt(hs, carol, roomId, text("carol says"));
    const carolRoot = await sendAt(hs, carol, roomId, text("carol's thread"));
    await sendAt(hs, bob, roomId, inThread(carolRoot, "bob answers carol"));
    await ok(hs, alice, "PUT", `/_matrix/client/v3/user/${enc(alice.userId)}/account_data/m.ignored_user_list`, {
      ignored_users: { [carol.userId]: {} },
    });

    const page = await ok<{ chunk: Ev[] }>(
      hs,
      alice,
      "GET",
      `/_matrix/client/v3/rooms/${enc(roomId)}/messages?dir=b&limit=50`,
    );
    expect(page.chunk.some((e) => e.sender === carol.userId && e.type === "m.room.message")).toBe(false);
    expect(page.chunk.some((e) => e.sender === carol.userId && e.type === "m.room.member")).toBe(true);
    const ctx = await call(hs, alice, "GET", `/_matrix/client/v3/rooms/${enc(roomId)}/context/${enc(carolSays)}`);
    expect(ctx.status).toBe(404);

    const summary = relationsOf(page.chunk.find((e) => e.event_id === root)!)["m.thread"]!;
    expect(summary.count).toBe(1);
    expect((summary.latest_event as Ev).event_id).toBe(fromBob);
    const inThreadForAlice = await ok<Relations>(
      hs,
      alice,
      "GET",
      `/_matrix/client/v1/rooms/${enc(roomId)}/relations/${enc(root)}/m.thread`,
    );
    expect(inThreadForAlice.chunk.map((e) => e.event_id)).toEqual([fromBob]);

    const threads = await ok<{ chunk: Ev[] }>(hs, alice, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/threads`);
    const redactedRoot = threads.chunk.find((e) => e.event_id === carolRoot)!;
    expect(redactedRoot.content).toEqual({});
    expect(relationsOf(redactedRoot)["m.thread"]?.count).toBe(1);

    // Bob ignores nobody: he sees everything.
    const forBob = relationsOf(await getEvent(bob, roomId, root))["m.thread"]!;
    expect(forBob.count).toBe(2);
    const bobsThreads = await ok<{ chunk: Ev[] }>(hs, bob, "GET", `/_matrix/client/v1/rooms/${enc(roomId)}/threads`);
    expect(bobsThreads.chunk.find((e) => e.event_id === carolRoot)?.content).toEqual(text("carol's thread"));
  });
});

describe("sending into threads", () => {
  test("a thread cannot start from an event that has a relation: 400 M_UNKNOWN, and nothing is stored", async () => {
    const roomId = await room();
    const root = await sendAt(hs, alice, roomId, text("root"));
    const inside = await sendAt(hs, bob, roomId, inThread(root, "in thread"));
    const anEdit = await sendAt(hs, alice, roomId, edit(root, "edited"));
    const reply = await sendAt(hs, bob, roomId, {
      ...text("a plain reply"),
      "m.relates_to": { "m.in_reply_to": { event_id: root } },
    });
    const before = tableCounts(hs);
    for (const target of [inside, anEdit]) {
      const r = await call(
        hs,
        carol,
        "PUT",
        `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/nested-${target.slice(1, 9)}`,
        inThread(target, "nested"),
      );
      expect(r.status).toBe(400);
      expect((r.body as { errcode?: string }).errcode).toBe("M_UNKNOWN");
    }
    expect(tableCounts(hs)).toEqual(before);
    // A reply without rel_type can start a thread.
    expect(await sendAt(hs, carol, roomId, inThread(reply, "thread off a reply"))).toStartWith("$");
  });
});
