/** Push rules and notification counts as clients see them in /sync. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import { enc, ok, receipt, roomWith, send, setDisplayName } from "./push-fixtures";

let hs: TestServer;
let alice: TestUser; // "Alice Liddell"
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  await setDisplayName(hs, alice, "Alice Liddell");
});
afterAll(() => hs.stop());

interface Counts {
  notification_count: number;
  highlight_count: number;
}
interface SyncBody {
  next_batch: string;
  account_data: { events: { type: string; content: Record<string, unknown> }[] };
  rooms: {
    join: Record<string, { unread_notifications?: Counts; unread_thread_notifications?: Record<string, Counts> }>;
  };
}

const THREAD_FILTER = JSON.stringify({ room: { timeline: { unread_thread_notifications: true } } });

async function sync(u: TestUser, opts: { since?: string; filter?: string } = {}): Promise<SyncBody> {
  const q = new URLSearchParams({ timeout: "0" });
  if (opts.since) q.set("since", opts.since);
  if (opts.filter) q.set("filter", opts.filter);
  return ok<SyncBody>(hs, u, "GET", `/_matrix/client/v3/sync?${q}`);
}

/** The room's unread_notifications in an initial sync. */
async function unread(u: TestUser, roomId: string): Promise<Counts | undefined> {
  return (await sync(u)).rooms.join[roomId]?.unread_notifications;
}

describe("m.push_rules in account data", () => {
  test("an initial sync carries the server-default rules when the user has changed nothing", async () => {
    const u = createUserDirect(hs, "fresh");
    const first = await sync(u);
    const rules = first.account_data.events.filter((e) => e.type === "m.push_rules");
    expect(rules).toHaveLength(1);
    const global = rules[0]!.content.global as Record<string, { rule_id: string }[]>;
    expect(global.override![0]!.rule_id).toBe(".m.rule.master");
    expect(global.underride!.map((r) => r.rule_id)).toContain(".m.rule.message");
    // Incremental syncs do not repeat it while nothing changes.
    await send(hs, u, await roomWith(hs, u, []), { msgtype: "m.text", body: "x" });
    const next = await sync(u, { since: first.next_batch });
    expect(next.account_data.events.filter((e) => e.type === "m.push_rules")).toEqual([]);
  });

  test("a change to the rules reaches the next sync, and initial syncs show it once", async () => {
    const u = createUserDirect(hs, "changer");
    const first = await sync(u);
    await ok(hs, u, "PUT", "/_matrix/client/v3/pushrules/global/content/cake", {
      pattern: "cake",
      actions: ["notify"],
    });
    const next = await sync(u, { since: first.next_batch });
    const changed = next.account_data.events.filter((e) => e.type === "m.push_rules");
    expect(changed).toHaveLength(1);
    const content = (changed[0]!.content.global as Record<string, { rule_id: string }[]>).content!;
    expect(content.map((r) => r.rule_id)).toEqual(["cake", ".m.rule.contains_user_name"]);
    const again = (await sync(u)).account_data.events.filter((e) => e.type === "m.push_rules");
    expect(again).toEqual(changed);
  });
});

describe("unread counts in /sync, and receipts clearing them", () => {
  test("a mention by display name highlights; a receipt clears the room", async () => {
    const room = await roomWith(hs, bob, [alice, carol]);
    await send(hs, bob, room, { msgtype: "m.text", body: "hello all" });
    const last = await send(hs, bob, room, { msgtype: "m.text", body: "right, Alice Liddell?" });
    expect(await unread(alice, room)).toEqual({ notification_count: 2, highlight_count: 1 });
    expect(await unread(carol, room)).toEqual({ notification_count: 2, highlight_count: 0 });
    expect(await unread(bob, room)).toEqual({ notification_count: 0, highlight_count: 0 });
    await receipt(hs, alice, room, last);
    expect(await unread(alice, room)).toEqual({ notification_count: 0, highlight_count: 0 });
    expect(await unread(carol, room)).toEqual({ notification_count: 2, highlight_count: 0 });
  });

  test("a mention through m.mentions highlights; a receipt on an earlier event clears only up to it", async () => {
    const room = await roomWith(hs, bob, [alice, carol]);
    const early = await send(hs, bob, room, { msgtype: "m.text", body: "one", "m.mentions": {} });
    await send(hs, bob, room, { msgtype: "m.text", body: "two", "m.mentions": { user_ids: [alice.userId] } });
    expect(await unread(alice, room)).toEqual({ notification_count: 2, highlight_count: 1 });
    await receipt(hs, alice, room, early);
    expect(await unread(alice, room)).toEqual({ notification_count: 1, highlight_count: 1 });
  });

  test("a one-to-one room counts every message, encrypted ones too", async () => {
    const room = await roomWith(hs, bob, [alice], { preset: "trusted_private_chat", is_direct: true });
    await send(hs, bob, room, { msgtype: "m.text", body: "psst" });
    await send(hs, bob, room, { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "AwgA" }, "m.room.encrypted");
    expect(await unread(alice, room)).toEqual({ notification_count: 2, highlight_count: 0 });
  });

  test("in an encrypted group room every encrypted event counts, without highlight", async () => {
    const room = await roomWith(hs, bob, [alice, carol], {
      preset: "public_chat",
      initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    });
    const e1 = await send(hs, bob, room, { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "a" }, "m.room.encrypted");
    await send(hs, bob, room, { algorithm: "m.megolm.v1.aes-sha2", ciphertext: "b" }, "m.room.encrypted");
    expect(await unread(alice, room)).toEqual({ notification_count: 2, highlight_count: 0 });
    await receipt(hs, alice, room, e1);
    expect(await unread(alice, room)).toEqual({ notification_count: 1, highlight_count: 0 });
  });

  test("the count appears in the same incremental sync as the event; the user's own message reads the room", async () => {
    const room = await roomWith(hs, bob, [alice, carol]);
    const before = await sync(alice);
    await send(hs, bob, room, { msgtype: "m.text", body: "Alice Liddell!" });
    const next = await sync(alice, { since: before.next_batch });
    expect(next.rooms.join[room]?.unread_notifications).toEqual({ notification_count: 1, highlight_count: 1 });
    await send(hs, alice, room, { msgtype: "m.text", body: "yes?" });
    const after = await sync(alice, { since: next.next_batch });
    expect(after.rooms.join[room]?.unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
  });

  test("threads: counted apart with unread_thread_notifications; a threaded receipt clears only its thread", async () => {
    const room = await roomWith(hs, bob, [alice, carol]);
    const root = await send(hs, bob, room, { msgtype: "m.text", body: "root" });
    const inThread = (body: string, extra: Record<string, unknown> = {}) =>
      send(hs, bob, room, {
        msgtype: "m.text",
        body,
        "m.relates_to": { rel_type: "m.thread", event_id: root },
        ...extra,
      });
    await inThread("t1");
    const t2 = await inThread("t2", { "m.mentions": { user_ids: [alice.userId] } });
    const main = await send(hs, bob, room, { msgtype: "m.text", body: "main again" });

    const plain = (await sync(alice)).rooms.join[room]!;
    expect(plain.unread_notifications).toEqual({ notification_count: 4, highlight_count: 1 });
    expect(plain.unread_thread_notifications).toBeUndefined();

    const threaded = async () => (await sync(alice, { filter: THREAD_FILTER })).rooms.join[room]!;
    let t = await threaded();
    expect(t.unread_notifications).toEqual({ notification_count: 2, highlight_count: 0 });
    expect(t.unread_thread_notifications).toEqual({ [root]: { notification_count: 2, highlight_count: 1 } });

    await receipt(hs, alice, room, t2, root);
    t = await threaded();
    expect(t.unread_notifications).toEqual({ notification_count: 2, highlight_count: 0 });
    expect(t.unread_thread_notifications).toBeUndefined();

    await receipt(hs, alice, room, main, "main");
    t = await threaded();
    expect(t.unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
  });

  test("an unthreaded receipt clears every thread up to its event", async () => {
    const room = await roomWith(hs, bob, [alice, carol]);
    const root = await send(hs, bob, room, { msgtype: "m.text", body: "root" });
    await send(hs, bob, room, {
      msgtype: "m.text",
      body: "t",
      "m.relates_to": { rel_type: "m.thread", event_id: root },
    });
    const last = await send(hs, bob, room, { msgtype: "m.text", body: "main" });
    await receipt(hs, alice, room, last);
    const t = (await sync(alice, { filter: THREAD_FILTER })).rooms.join[room]!;
    expect(t.unread_notifications).toEqual({ notification_count: 0, highlight_count: 0 });
    expect(t.unread_thread_notifications).toBeUndefined();
  });

  test("/notifications marks what a receipt covers as read", async () => {
    const room = await roomWith(hs, bob, [alice, carol]);
    const a = await send(hs, bob, room, { msgtype: "m.text", body: "a" });
    const b = await send(hs, bob, room, { msgtype: "m.text", body: "b" });
    await receipt(hs, alice, room, a);
    const list = await ok<{ notifications: { event: { event_id: string }; read: boolean }[] }>(
      hs,
      alice,
      "GET",
      "/_matrix/client/v3/notifications?limit=2",
    );
    expect(list.notifications.map((n) => [n.event.event_id, n.read])).toEqual([
      [b, false],
      [a, true],
    ]);
  });

  test("a private read receipt clears counts too", async () => {
    const room = await roomWith(hs, bob, [alice, carol]);
    const id = await send(hs, bob, room, { msgtype: "m.text", body: "quiet" });
    await ok(hs, alice, "POST", `/_matrix/client/v3/rooms/${enc(room)}/receipt/m.read.private/${enc(id)}`, {});
    expect(await unread(alice, room)).toEqual({ notification_count: 0, highlight_count: 0 });
  });
});
