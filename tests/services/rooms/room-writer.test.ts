/**
 * What the write path hands back and leaves behind: the event it returns is exactly the stored row,
 * and the forward extremities and current state are right whether or not every extremity was cited.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../../src/config/load";
import { signingKeyFromSeed } from "../../../src/core/crypto/ed25519";
import { type Pdu, roomEventOf } from "../../../src/core/events";
import type { EventId } from "../../../src/core/ids";
import { createRoomServices } from "../../../src/services/rooms/create-room-services";
import { type Db, openDb } from "../../../src/storage/db";
import { migrate } from "../../../src/storage/migrate";
import { manualClock } from "../../../src/util/clock";
import { silentLogger } from "../../../src/util/log";

const key = signingKeyFromSeed(new Uint8Array(32).fill(7), "test");
const alice = "@alice:hs1.test";

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

describe("room writer", () => {
  test("the event it returns is the stored row, parsed as a reader would parse it", () => {
    const { room_id } = rs.rooms.createRoom(alice, {});
    const { writer, events, store } = rs.internals;
    const rules = store.rulesOf(rs.internals.rooms.byId(room_id)!);
    const sameAsStored = (w: ReturnType<typeof writer.createLocalEvent>) => {
      const row = events.byNid(w.stored.eventNid)!;
      expect(w.stored).toEqual(row);
      expect(w.event).toEqual(roomEventOf(JSON.parse(row.json) as Pdu, rules, row.eventId as EventId));
      return w;
    };
    const target = sameAsStored(
      writer.createLocalEvent(room_id, {
        type: "m.room.message",
        sender: alice,
        content: { body: "hi", msgtype: "m.text" },
      }),
    ).event.eventId;
    sameAsStored(
      writer.createLocalEvent(room_id, { type: "m.room.topic", stateKey: "", sender: alice, content: { topic: "t" } }),
    );
    sameAsStored(
      writer.createLocalEvent(room_id, {
        type: "m.room.message",
        sender: alice,
        content: { body: "in thread", "m.relates_to": { rel_type: "m.thread", event_id: "$root" } },
      }),
    );
    const redaction = sameAsStored(
      writer.createLocalEvent(room_id, { type: "m.room.redaction", sender: alice, content: {}, redacts: target }),
    );
    // The redacted target reads as redacted.
    expect(store.byId(target)!.stored.redactedBy).toBe(redaction.event.eventId);
  });

  test("with more extremities than an event cites, the others stay and the current state is still right", () => {
    const { room_id } = rs.rooms.createRoom(alice, {});
    const { writer, events, rooms } = rs.internals;
    const room = rooms.byId(room_id)!;
    const older: number[] = [];
    for (let i = 0; i < 12; i++) {
      older.push(
        writer.createLocalEvent(room_id, { type: "m.room.message", sender: alice, content: { body: `${i}` } }).stored
          .eventNid,
      );
    }
    // Make the first 11 messages extremities again (as after a fork): 12 in all, more than the 10 an event cites.
    for (const nid of older.slice(0, 11)) {
      db.sqlite
        .query("INSERT OR IGNORE INTO forward_extremities (room_nid, event_nid) VALUES (?, ?)")
        .run(room.roomNid, nid);
    }
    expect(events.forwardExtremities(room.roomNid)).toHaveLength(12);
    const topic = writer.createLocalEvent(room_id, {
      type: "m.room.topic",
      stateKey: "",
      sender: alice,
      content: { topic: "x" },
    });
    const after = events.forwardExtremities(room.roomNid).map((e) => e.eventNid);
    expect(after).toHaveLength(3); // the new event, and two it did not cite
    expect(after).toContain(topic.stored.eventNid);
    expect(rs.rooms.getStateEvent({ userId: alice, deviceId: "D" }, room_id, "m.room.topic", "").content).toEqual({
      topic: "x",
    });

    // A message citing every extremity leaves only itself.
    const msg = writer.createLocalEvent(room_id, { type: "m.room.message", sender: alice, content: { body: "end" } });
    expect(events.forwardExtremities(room.roomNid).map((e) => e.eventNid)).toEqual([msg.stored.eventNid]);
    expect(rooms.byNid(room.roomNid)!.currentSnapshotNid).toBe(topic.stored.stateAfterNid);
  });
});
