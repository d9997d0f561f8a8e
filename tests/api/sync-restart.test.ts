/** What /sync keeps across a restart: receipts, the last presence, and stream positions that keep growing. */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseSyncToken } from "../../src/services/sync/token";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect } from "../helpers/users";
import { createRoom, enc, member, sync, text } from "./sync-helpers";

const dir = mkdtempSync(join(tmpdir(), "hearth-sync-restart-"));
const dbPath = join(dir, "homeserver.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("receipts, presence and positions survive a restart; old tokens stay usable", async () => {
  let hs: TestServer = await startTestServer({ dbPath, config: { sync: { offline_timeout_ms: 600_000 } } });
  const alice = createUserDirect(hs, "alice");
  const bob = createUserDirect(hs, "bob");
  const room = await createRoom(hs, alice, { preset: "public_chat", name: "Durable" });
  await member(hs, bob, room, "join");
  const ev = await text(hs, alice, room, "read me");
  await call(hs, "POST", `/_matrix/client/v3/rooms/${enc(room)}/receipt/m.read/${enc(ev)}`, {
    token: bob.accessToken,
    body: {},
  });
  await call(hs, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/typing/${enc(alice.userId)}`, {
    token: alice.accessToken,
    body: { typing: true, timeout: 30_000 },
  });
  // After the typing: typing is activity, which would bring alice back online.
  await call(hs, "PUT", `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, {
    token: alice.accessToken,
    body: { presence: "unavailable", status_msg: "away for a bit" },
  });
  const before = await sync(hs, bob);
  const t1 = parseSyncToken(before.next_batch);
  expect(t1.typing).toBeGreaterThan(0);
  await hs.stop();

  hs = await startTestServer({ dbPath, config: { sync: { offline_timeout_ms: 600_000 } } });
  try {
    // The old token still works, and nothing is new in it.
    const again = await sync(hs, bob, { since: before.next_batch });
    expect(again.rooms.join[room]?.timeline.events ?? []).toEqual([]);

    const full = await sync(hs, alice);
    const receipts = full.rooms.join[room]!.ephemeral.events.filter((e) => e.type === "m.receipt");
    expect(receipts).toHaveLength(1);
    expect(Object.keys(receipts[0]!.content)).toEqual([ev]);
    // Typing is not kept over a restart.
    expect(full.rooms.join[room]!.ephemeral.events.some((e) => e.type === "m.typing")).toBe(false);

    const presence = await call(hs, "GET", `/_matrix/client/v3/presence/${enc(alice.userId)}/status`, {
      token: bob.accessToken,
    });
    expect(presence.body).toMatchObject({ presence: "unavailable", status_msg: "away for a bit" });

    // New typing takes a position after the old ones, so the old token sees it.
    await call(hs, "PUT", `/_matrix/client/v3/rooms/${enc(room)}/typing/${enc(alice.userId)}`, {
      token: alice.accessToken,
      body: { typing: true, timeout: 30_000 },
    });
    const after = await sync(hs, bob, { since: before.next_batch });
    expect(after.rooms.join[room]!.ephemeral.events).toContainEqual({
      type: "m.typing",
      content: { user_ids: [alice.userId] },
    });
    expect(parseSyncToken(after.next_batch).typing).toBeGreaterThan(t1.typing);
    expect(parseSyncToken(after.next_batch).receipts).toBeGreaterThanOrEqual(t1.receipts);
  } finally {
    await hs.stop();
  }
});
