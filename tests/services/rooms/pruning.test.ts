/**
 * Redaction pruning: after the retention, a redacted event's stored JSON becomes the redacted PDU;
 * it keeps its event ID, hashes and signatures (valid for federation), and reads the same to clients.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { parseConfig } from "../../../src/config/load";
import { signingKeyFromSeed } from "../../../src/core/crypto/ed25519";
import { type Pdu, verifyPdu } from "../../../src/core/events";
import { roomVersion } from "../../../src/core/rooms/versions";
import { createRoomServices } from "../../../src/services/rooms/create-room-services";
import { createRedactionPruner, type RedactionPruner } from "../../../src/services/rooms/pruning";
import { type Db, openDb } from "../../../src/storage/db";
import { migrate } from "../../../src/storage/migrate";
import { manualClock } from "../../../src/util/clock";
import { silentLogger } from "../../../src/util/log";

const DAY = 86_400_000;
const key = signingKeyFromSeed(new Uint8Array(32).fill(7), "test");
const alice = { userId: "@alice:hs1.test", deviceId: "DEV" };

let db: Db;
let clock: ReturnType<typeof manualClock>;
let rs: ReturnType<typeof createRoomServices>;
let pruner: RedactionPruner;

beforeEach(() => {
  clock = manualClock(1_700_000_000_000);
  db = openDb(":memory:");
  migrate(db, undefined, clock.now());
  const config = parseConfig({ server_name: "hs1.test", public_base_url: "http://127.0.0.1:1" });
  rs = createRoomServices({ db, config, clock, logger: silentLogger, signingKey: key, profileOf: () => ({}) });
  pruner = createRedactionPruner({
    db,
    ...rs.internals,
    clock,
    logger: silentLogger,
    retentionMs: 7 * DAY,
  });
});
afterEach(() => {
  pruner.stop();
  db.close();
});

const storedJson = (eventId: string) =>
  db.sqlite
    .query<{ json: string; pruned_at: number | null }, [string]>(
      "SELECT json, pruned_at FROM events WHERE event_id = ?",
    )
    .get(eventId)!;

function setup(version: string) {
  const { room_id } = rs.rooms.createRoom(alice.userId, { room_version: version });
  const secret = rs.rooms.send(
    alice,
    room_id,
    "m.room.message",
    { msgtype: "m.text", body: "my secret" },
    "t1",
  ).event_id;
  const kept = rs.rooms.send(alice, room_id, "m.room.message", { msgtype: "m.text", body: "kept" }, "t2").event_id;
  return { roomId: room_id, secret, kept };
}

describe("redaction pruning", () => {
  for (const version of ["12", "10", "4", "1"]) {
    test(`v${version}: content stays until the retention passes, then only the redacted PDU is stored`, () => {
      const { roomId, secret, kept } = setup(version);
      clock.advance(1000);
      rs.rooms.redact(alice, roomId, secret, "r1", "oops");
      expect(storedJson(secret).json).toContain("my secret");

      clock.advance(7 * DAY - 2000);
      expect(pruner.runOnce()).toBe(0);
      expect(storedJson(secret).json).toContain("my secret");

      clock.advance(5000);
      expect(pruner.runOnce()).toBe(1);
      const row = storedJson(secret);
      expect(row.json).not.toContain("my secret");
      expect(row.pruned_at).toBe(clock.now());
      // Unredacted events are untouched; a second run has nothing to do.
      expect(storedJson(kept).json).toContain('"kept"');
      expect(pruner.runOnce()).toBe(0);

      // Still a valid PDU: same event ID, signature verifies, content hash marks it redacted.
      const rules = roomVersion(version)!;
      const pdu = JSON.parse(row.json) as Pdu;
      expect(pdu.content).toEqual({});
      const v = verifyPdu(pdu, rules, (server, keyId) =>
        server === "hs1.test" && keyId === key.keyId ? key.verifyKey : null,
      );
      expect(v.ok).toBe(true);
      if (v.ok) {
        expect(v.redacted).toBe(true);
        if (rules.eventFormat.eventIdFormat !== "domain") expect(v.eventId as string).toBe(secret);
      }

      // Clients read it exactly as before pruning: redacted content, redacted_because.
      const ev = rs.rooms.getEvent(alice, roomId, secret);
      expect(ev.content).toEqual({});
      expect((ev.unsigned?.redacted_because as { content?: object })?.content).toMatchObject({ reason: "oops" });
    });
  }

  test("retention 0 prunes on the next run; the background task starts and stops", () => {
    const fast = createRedactionPruner({ db, ...rs.internals, clock, logger: silentLogger, retentionMs: 0 });
    const { roomId, secret } = setup("12");
    rs.rooms.redact(alice, roomId, secret, "r1");
    clock.advance(1);
    expect(fast.runOnce()).toBe(1);
    fast.start();
    fast.start();
    fast.stop();
    fast.stop();
  });
});
