/**
 * Listeners of committed events (push, receipts, e2ee) run after the event's commit, and their own
 * writes share one transaction: one listener's failure neither loses the event nor the others' writes.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../../src/config/load";
import { signingKeyFromSeed } from "../../../src/core/crypto/ed25519";
import { createRoomServices } from "../../../src/services/rooms/create-room-services";
import { type Db, openDb } from "../../../src/storage/db";
import { migrate } from "../../../src/storage/migrate";
import { manualClock } from "../../../src/util/clock";
import { silentLogger } from "../../../src/util/log";

const key = signingKeyFromSeed(new Uint8Array(32).fill(7), "test");
const alice = { userId: "@alice:hs1.test", deviceId: "DEV" };

let db: Db;
let rs: ReturnType<typeof createRoomServices>;

beforeEach(() => {
  const clock = manualClock(1_700_000_000_000);
  db = openDb(":memory:");
  migrate(db, undefined, clock.now());
  db.sqlite.exec("CREATE TABLE seen (event_id TEXT NOT NULL, by_listener TEXT NOT NULL) STRICT");
  const config = parseConfig({ server_name: "hs1.test", public_base_url: "http://127.0.0.1:1" });
  rs = createRoomServices({ db, config, clock, logger: silentLogger, signingKey: key, profileOf: () => ({}) });
});
afterEach(() => db.close());

const record = (eventId: string, by: string) =>
  db.sqlite.query("INSERT INTO seen (event_id, by_listener) VALUES (?, ?)").run(eventId, by);
const seenBy = (eventId: string) =>
  db.sqlite
    .query<{ by_listener: string }, [string]>("SELECT by_listener FROM seen WHERE event_id = ? ORDER BY by_listener")
    .all(eventId)
    .map((r) => r.by_listener);

describe("listeners of persisted events", () => {
  test("see the event committed, and their writes stay when another listener fails", () => {
    const { room_id } = rs.rooms.createRoom(alice.userId, {});
    const committedBefore: boolean[] = [];
    const inListenerTx: boolean[] = [];
    rs.onPersisted((e) => {
      const stored = db.sqlite.query("SELECT 1 AS one FROM events WHERE event_id = ?").get(e.event.eventId);
      committedBefore.push(stored !== null);
      inListenerTx.push(db.sqlite.inTransaction); // all listeners' writes: one commit
      record(e.event.eventId, "a");
    });
    rs.onPersisted((e) => {
      record(e.event.eventId, "b");
      throw new Error("listener b failed after writing");
    });
    rs.onPersisted((e) => {
      try {
        db.tx(() => {
          record(e.event.eventId, "c");
          throw new Error("listener c rolls back its own transaction");
        });
      } catch {
        // c's failure is its own
      }
      record(e.event.eventId, "d");
    });
    const { event_id } = rs.rooms.send(alice, room_id, "m.room.message", { msgtype: "m.text", body: "hi" }, "t1");
    expect(committedBefore).toEqual([true]);
    expect(inListenerTx).toEqual([true]);
    // b's write before its throw is kept as before (listeners are independent); c's rolled-back one is not.
    expect(seenBy(event_id)).toEqual(["a", "b", "d"]);
    expect(String(rs.rooms.getEvent(alice, room_id, event_id).event_id)).toBe(event_id);
    expect(db.sqlite.inTransaction).toBe(false);
  });
});
