/**
 * Purging a room: every row that points at the room, its events or its snapshots goes, in one
 * transaction, including rows of tables other features add later (found by their foreign keys);
 * other rooms keep theirs; caches do not serve purged rows.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { createUserDirect, type TestUser } from "../../helpers/users";

let hs: TestServer;
let alice: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  // A feature table that references rooms, events and snapshots, as later migrations may add.
  hs.server.db.sqlite.exec(`CREATE TABLE feature_rows (
    id INTEGER PRIMARY KEY,
    room_nid INTEGER REFERENCES rooms (room_nid),
    event_nid INTEGER REFERENCES events (event_nid),
    snapshot_nid INTEGER REFERENCES state_snapshots (snapshot_nid)
  ) STRICT`);
  // And one that references the feature table: deletion order among them must not matter.
  hs.server.db.sqlite.exec(`CREATE TABLE feature_children (
    id INTEGER PRIMARY KEY,
    parent INTEGER REFERENCES feature_rows (id),
    room_nid INTEGER REFERENCES rooms (room_nid)
  ) STRICT`);
});
afterAll(() => hs.stop());

const db = () => hs.server.db.sqlite;
const n = (sql: string, ...args: number[]) =>
  db()
    .query<{ n: number }, number[]>(sql)
    .get(...args)!.n;

function makeRoom(name: string): { roomId: string; roomNid: number } {
  const { room_id } = hs.server.services.rooms.createRoom(alice.userId, { name, preset: "public_chat" });
  hs.server.services.rooms.send(
    { userId: alice.userId, deviceId: alice.deviceId },
    room_id,
    "m.room.message",
    { body: name },
    `t-${name}`,
  );
  const roomNid = db()
    .query<{ room_nid: number }, [string]>("SELECT room_nid FROM rooms WHERE room_id = ?")
    .get(room_id)!.room_nid;
  const ev = n("SELECT max(event_nid) AS n FROM events WHERE room_nid = ?", roomNid);
  const snap = n("SELECT max(snapshot_nid) AS n FROM state_snapshots WHERE room_nid = ?", roomNid);
  const id = db()
    .query<{ id: number }, number[]>(
      "INSERT INTO feature_rows (room_nid, event_nid, snapshot_nid) VALUES (?, ?, ?) RETURNING id",
    )
    .get(roomNid, ev, snap)!.id;
  db().query("INSERT INTO feature_children (parent, room_nid) VALUES (?, ?)").run(id, roomNid);
  return { roomId: room_id, roomNid };
}

describe("room purge", () => {
  test("deletes the room's rows everywhere, keeps other rooms' rows", () => {
    const keep = makeRoom("keep");
    const gone = makeRoom("gone");
    const result = hs.server.services.roomAdmin.deleteRoom(alice.userId, gone.roomId, { block: false, purge: true });
    expect(result.kicked_users).toEqual([alice.userId]);
    expect(n("SELECT count(*) AS n FROM feature_rows WHERE room_nid = ?", gone.roomNid)).toBe(0);
    expect(n("SELECT count(*) AS n FROM feature_children WHERE room_nid = ?", gone.roomNid)).toBe(0);
    expect(n("SELECT count(*) AS n FROM feature_rows WHERE room_nid = ?", keep.roomNid)).toBe(1);
    expect(n("SELECT count(*) AS n FROM feature_children WHERE room_nid = ?", keep.roomNid)).toBe(1);
    expect(
      n("SELECT count(*) AS n FROM events WHERE room_nid = ? AND rejected_reason IS NOT 'purged'", gone.roomNid),
    ).toBe(0);
    expect(
      n(
        "SELECT count(*) AS n FROM state_snapshot_entries e JOIN state_snapshots s USING (snapshot_nid) WHERE s.room_nid = ?",
        gone.roomNid,
      ),
    ).toBe(0);
    expect(db().query("PRAGMA foreign_key_check").all()).toEqual([]);
    // The kept room still reads and writes.
    const state = hs.server.services.rooms.getState({ userId: alice.userId, deviceId: alice.deviceId }, keep.roomId);
    expect(state.find((e) => e.type === "m.room.name")?.content).toEqual({ name: "keep" });
  });

  test("a purge that cannot finish changes nothing and leaves the database usable", () => {
    const room = makeRoom("stuck");
    // A row the sweep cannot find (it points at a feature row, not at the room) holds the room's rows.
    db().exec("CREATE TABLE grandchildren (id INTEGER PRIMARY KEY, row INTEGER REFERENCES feature_rows (id)) STRICT");
    const row = n("SELECT id AS n FROM feature_rows WHERE room_nid = ?", room.roomNid);
    db().query("INSERT INTO grandchildren (row) VALUES (?)").run(row);
    const before = n("SELECT count(*) AS n FROM events WHERE room_nid = ?", room.roomNid);
    expect(() =>
      hs.server.services.roomAdmin.deleteRoom(alice.userId, room.roomId, { block: false, purge: true }),
    ).toThrow(/FOREIGN KEY/);
    // The member left (a write of its own before the purge); no history was deleted.
    expect(n("SELECT count(*) AS n FROM events WHERE room_nid = ?", room.roomNid)).toBe(before + 1);
    expect(n("SELECT count(*) AS n FROM feature_rows WHERE room_nid = ?", room.roomNid)).toBe(1);
    expect(n("SELECT count(*) AS n FROM feature_children WHERE room_nid = ?", room.roomNid)).toBe(1);
    expect(n("SELECT count(*) AS n FROM current_state WHERE room_nid = ?", room.roomNid)).toBeGreaterThan(0);
    // No transaction was left open: the server goes on writing.
    const next = makeRoom("after");
    expect(n("SELECT count(*) AS n FROM events WHERE room_nid = ?", next.roomNid)).toBeGreaterThan(0);
  });
});
