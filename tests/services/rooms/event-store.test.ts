/**
 * The parsed-event cache: bounded by size (least recently used out), and never serving what the
 * database does not hold (rolled-back writes, redactions).
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
  const config = parseConfig({ server_name: "hs1.test", public_base_url: "http://127.0.0.1:1" });
  rs = createRoomServices({ db, config, clock, logger: silentLogger, signingKey: key, profileOf: () => ({}) });
});
afterEach(() => db.close());

const send = (roomId: string, body: string, txn: string) =>
  rs.rooms.send(alice, roomId, "m.room.message", { msgtype: "m.text", body }, txn).event_id;

describe("event store cache", () => {
  test("events pushed out by newer ones (more than the cache holds) read back the same", () => {
    const { room_id } = rs.rooms.createRoom(alice.userId, {});
    const ids: string[] = [];
    // ~3 MB of events: more than the cache keeps.
    for (let i = 0; i < 50; i++) ids.push(send(room_id, `${i} ${"x".repeat(60_000)}`, `t${i}`));
    const { store } = rs.internals;
    for (const [i, id] of ids.entries()) {
      const loaded = store.byId(id)!;
      expect(loaded.event.eventId as string).toBe(id);
      expect(String(loaded.event.content.body).startsWith(`${i} `)).toBe(true);
      expect(store.byNid(loaded.stored.eventNid)!.event.eventId as string).toBe(id);
    }
  });

  test("an event written in a transaction that rolled back is not served in place of the next one", () => {
    const { room_id } = rs.rooms.createRoom(alice.userId, {});
    const { store } = rs.internals;
    let rolledBackNid = 0;
    expect(() =>
      db.tx(() => {
        const id = send(room_id, "never happened", "t1");
        rolledBackNid = store.byId(id)!.stored.eventNid;
        throw new Error("roll back");
      }),
    ).toThrow("roll back");
    const id = send(room_id, "the real one", "t2");
    const loaded = store.byId(id)!;
    expect(loaded.stored.eventNid).toBe(rolledBackNid); // the number is reused
    expect(store.byNid(rolledBackNid)!.event.content.body).toBe("the real one");
  });

  test("a redaction is seen at once by readers of the cached target", () => {
    const { room_id } = rs.rooms.createRoom(alice.userId, {});
    const target = send(room_id, "oops", "t1");
    const { store } = rs.internals;
    expect(store.byId(target)!.stored.redactedBy).toBeNull();
    const { event_id: redaction } = rs.rooms.redact(alice, room_id, target, "r1", "typo");
    expect(store.byId(target)!.stored.redactedBy).toBe(redaction);
  });
});
