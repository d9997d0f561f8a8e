import { beforeEach, describe, expect, test } from "bun:test";
import { type Db, openDb } from "../../src/storage/db";
import { migrate } from "../../src/storage/migrate";
import { createStateStore, type StateStore } from "../../src/storage/repos/state-store";

let db: Db;
let store: StateStore;
const ROOM = 1;

beforeEach(() => {
  db = openDb(":memory:");
  migrate(db);
  db.sqlite
    .query("INSERT INTO rooms (room_nid, room_id, room_version, created_at) VALUES (1, '!r:hs1.test', '12', 0)")
    .run();
  store = createStateStore(db);
});

const count = (table: string) => db.sqlite.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table}`).get()!.n;

describe("state store", () => {
  test("interned keys are stable and distinct", () => {
    const a = store.internKey("m.room.member", "@a:hs1.test");
    const b = store.internKey("m.room.member", "@b:hs1.test");
    expect(a).not.toBe(b);
    expect(store.internKey("m.room.member", "@a:hs1.test")).toBe(a);
    expect(store.keyOf(b)).toEqual({ type: "m.room.member", stateKey: "@b:hs1.test" });
    expect(store.lookupKey("m.room.topic", "")).toBeNull();
  });

  test("a delta snapshot reads back as parent plus changes, removals included", () => {
    const k1 = store.internKey("m.room.create", "");
    const k2 = store.internKey("m.room.name", "");
    const k3 = store.internKey("m.room.topic", "");
    const s1 = store.derive(
      ROOM,
      null,
      new Map([
        [k1, 10],
        [k2, 11],
        [k3, 12],
      ]),
    );
    const s2 = store.derive(
      ROOM,
      s1,
      new Map([
        [k2, 20],
        [k3, 0],
      ]),
    );
    expect([...store.load(s2)].sort()).toEqual([
      [k1, 10],
      [k2, 20],
    ]);
    expect([...store.load(s1)].sort()).toEqual([
      [k1, 10],
      [k2, 11],
      [k3, 12],
    ]);
  });

  test("identical states share one snapshot, however they were reached", () => {
    const k1 = store.internKey("a", "");
    const k2 = store.internKey("b", "");
    const s1 = store.derive(ROOM, null, new Map([[k1, 1]]));
    const s2 = store.derive(ROOM, s1, new Map([[k2, 2]]));
    const s3 = store.derive(ROOM, s2, new Map([[k2, 3]]));
    const back = store.derive(ROOM, s3, new Map([[k2, 2]]));
    expect(back).toBe(s2);
    expect(store.derive(ROOM, s2, new Map())).toBe(s2);
    expect(
      store.store(
        ROOM,
        new Map([
          [k1, 1],
          [k2, 2],
        ]),
        null,
      ),
    ).toBe(s2);
  });

  test("reads stay correct after the cache is cold (fresh store over the same db)", () => {
    const keys = Array.from({ length: 100 }, (_, i) => store.internKey("m.room.member", `@u${i}:hs1.test`));
    let s = store.derive(ROOM, null, new Map([[keys[0]!, 1]]));
    const expected = new Map([[keys[0]!, 1]]);
    for (let i = 1; i < 100; i++) {
      s = store.derive(ROOM, s, new Map([[keys[i]!, i + 1]]));
      expected.set(keys[i]!, i + 1);
    }
    const cold = createStateStore(db);
    expect(new Map(cold.load(s))).toEqual(expected);
  });

  test("a snapshot created in a rolled-back transaction is not served from the cache later", () => {
    const k = store.internKey("a", "");
    const base = store.derive(ROOM, null, new Map([[k, 1]]));
    let doomed = 0;
    expect(() =>
      db.tx(() => {
        doomed = store.derive(ROOM, base, new Map([[k, 2]]));
        throw new Error("abort");
      }),
    ).toThrow("abort");
    const kb = store.internKey("b", "");
    const again = store.derive(ROOM, base, new Map([[kb, 5]]));
    expect(again).toBe(doomed); // the number was reused...
    expect(new Map(store.load(again))).toEqual(
      new Map([
        [k, 1],
        [kb, 5],
      ]),
    ); // ...with the right content
  });

  test("10,000 membership changes in one room: O(delta) rows, bounded reads", () => {
    let s = store.derive(ROOM, null, new Map([[store.internKey("m.room.create", ""), 1]]));
    db.tx(() => {
      for (let i = 0; i < 10_000; i++) {
        // 2,000 users join, then each changes membership four more times.
        const k = store.internKey("m.room.member", `@u${i % 2000}:hs1.test`);
        s = store.derive(ROOM, s, new Map([[k, 100 + i]]));
      }
    });
    const final = createStateStore(db).load(s);
    expect(final.size).toBe(2001);
    expect(final.get(store.internKey("m.room.member", "@u1999:hs1.test"))).toBe(100 + 9999);
    // O(n log n) delta rows: far below the 10,000 × 2,000 of full copies.
    expect(count("state_snapshot_entries")).toBeLessThan(10_000 * 14);
    const depth = db.sqlite.query<{ d: number }, []>("SELECT max(seq) AS d FROM state_snapshots").get()!.d;
    expect(depth).toBeGreaterThan(0);
  });
});

describe("transactions", () => {
  test("a COMMIT that fails rolls back and runs the rollback hooks", () => {
    db.sqlite.exec("PRAGMA foreign_keys = ON");
    db.sqlite.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY) STRICT");
    db.sqlite.exec("CREATE TABLE child (pid INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED) STRICT");
    let rolledBack = false;
    let committed = false;
    expect(() =>
      db.tx(() => {
        db.sqlite.exec("INSERT INTO child (pid) VALUES (42)");
        db.onRollback(() => {
          rolledBack = true;
        });
        db.afterCommit(() => {
          committed = true;
        });
      }),
    ).toThrow();
    expect(rolledBack).toBe(true);
    expect(committed).toBe(false);
    expect(db.sqlite.inTransaction).toBe(false);
    expect(db.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM child").get()!.n).toBe(0);
  });

  test("an async callback is refused and rolled back", () => {
    db.sqlite.exec("CREATE TABLE t (x INTEGER) STRICT");
    expect(() =>
      db.tx(() => {
        db.sqlite.exec("INSERT INTO t VALUES (1)");
        return Promise.resolve();
      }),
    ).toThrow("async callback");
    expect(db.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM t").get()!.n).toBe(0);
  });
});
