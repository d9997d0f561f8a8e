import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { AsyncTransactionError, openDb } from "../../src/storage/db";
import { migrate, SchemaTooNewError, schemaVersion } from "../../src/storage/migrate";
import { MIGRATIONS } from "../../src/storage/migrations.gen";

const tables = (db: ReturnType<typeof openDb>) =>
  db.sqlite
    .query<{ name: string }, []>("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);

describe("migrations", () => {
  test("every migration file in migrations/ is embedded, with its exact text", () => {
    const dir = join(import.meta.dir, "../../migrations");
    const files = readdirSync(dir)
      .filter((f) => f.endsWith(".sql"))
      .sort();
    expect(MIGRATIONS.map((m) => `${String(m.version).padStart(4, "0")}_${m.name}.sql`)).toEqual(files);
    for (const m of MIGRATIONS) {
      const file = `${String(m.version).padStart(4, "0")}_${m.name}.sql`;
      expect(m.sql).toBe(readFileSync(join(dir, file), "utf8"));
    }
  });

  test("versions are unique and increasing", () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(versions.length);
  });

  test("all apply to an empty database, in order, and are recorded", () => {
    const db = openDb(":memory:");
    const applied = migrate(db, undefined, 1234);
    expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
    expect(schemaVersion(db)).toBe(MIGRATIONS.at(-1)!.version);
    const rows = db.sqlite.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version").all();
    expect(rows).toEqual(MIGRATIONS.map((m) => ({ version: m.version, name: m.name, applied_at: 1234 })));
    expect(db.sqlite.query("PRAGMA foreign_key_check").all()).toEqual([]);
    expect(db.sqlite.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()?.integrity_check).toBe(
      "ok",
    );
    db.close();
  });

  test("running again applies nothing and changes nothing", () => {
    const db = openDb(":memory:");
    migrate(db);
    const before = tables(db);
    expect(migrate(db)).toEqual([]);
    expect(tables(db)).toEqual(before);
    db.close();
  });

  test("every ordinary table is STRICT", () => {
    const db = openDb(":memory:");
    migrate(db);
    const loose = db.sqlite
      .query<{ name: string }, []>(
        "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND strict = 0 AND name NOT LIKE 'sqlite_%'",
      )
      .all()
      .map((r) => r.name)
      // Tables that SQLite makes for FTS5 virtual tables cannot be STRICT.
      .filter((name) => !tables(db).some((t) => name.startsWith(`${t}_`) && isVirtual(db, t)));
    expect(loose).toEqual([]);
    db.close();
  });

  test("a later migration is applied to a database that has the earlier ones", () => {
    const db = openDb(":memory:");
    const first = [{ version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER) STRICT;" }];
    expect(migrate(db, first)).toEqual([1]);
    const both = [...first, { version: 2, name: "two", sql: "CREATE TABLE b (y INTEGER) STRICT;" }];
    expect(migrate(db, both)).toEqual([2]);
    expect(tables(db)).toEqual(["a", "b", "schema_migrations"]);
    db.close();
  });

  test("a failing migration is rolled back entirely and not recorded; earlier ones stay", () => {
    const db = openDb(":memory:");
    const list = [
      { version: 1, name: "good", sql: "CREATE TABLE a (x INTEGER) STRICT;" },
      { version: 2, name: "bad", sql: "CREATE TABLE b (y INTEGER) STRICT; INSERT INTO nowhere VALUES (1);" },
    ];
    expect(() => migrate(db, list)).toThrow(/no such table: nowhere/);
    expect(tables(db)).toEqual(["a", "schema_migrations"]);
    expect(schemaVersion(db)).toBe(1);
    db.close();
  });

  test("a database newer than the binary is refused with a clear message, and left alone", () => {
    const db = openDb(":memory:");
    migrate(db);
    const known = MIGRATIONS.at(-1)!.version;
    db.sqlite.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)").run(known + 5);
    let error: unknown;
    try {
      migrate(db, [...MIGRATIONS, { version: known + 1, name: "x", sql: "CREATE TABLE never (x INTEGER) STRICT;" }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SchemaTooNewError);
    expect((error as Error).message).toBe(
      `The database is at schema version ${known + 5}, but this homeserver only knows up to ${known + 1}. ` +
        "It was used by a newer release: run that release, or restore a backup.",
    );
    expect(tables(db)).not.toContain("never");
    db.close();
  });
});

function isVirtual(db: ReturnType<typeof openDb>, name: string): boolean {
  const row = db.sqlite.query<{ sql: string }, [string]>("SELECT sql FROM sqlite_schema WHERE name = ?").get(name);
  return row?.sql.startsWith("CREATE VIRTUAL") ?? false;
}

describe("db.tx", () => {
  const fresh = () => {
    const db = openDb(":memory:");
    db.sqlite.exec("CREATE TABLE t (x INTEGER) STRICT");
    return db;
  };
  const count = (db: ReturnType<typeof openDb>) =>
    db.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM t").get()!.n;

  test("commits a synchronous callback and returns its value", () => {
    const db = fresh();
    expect(db.tx(() => db.sqlite.query("INSERT INTO t VALUES (1)").run().changes)).toBe(1);
    expect(count(db)).toBe(1);
  });

  test("throws on an async callback and rolls back what it did before its first await", async () => {
    const db = fresh();
    let later = false;
    expect(() =>
      db.tx(async () => {
        db.sqlite.query("INSERT INTO t VALUES (1)").run();
        await Promise.resolve();
        later = true;
      }),
    ).toThrow(AsyncTransactionError);
    expect(count(db)).toBe(0);
    await Bun.sleep(0);
    expect(later).toBe(true); // the async body ran on, but outside any transaction of ours
    expect(db.sqlite.inTransaction).toBe(false);
  });

  test("throws on a callback returning any thenable", () => {
    const db = fresh();
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is exactly what is tested
    expect(() => db.tx(() => ({ then() {} }))).toThrow(AsyncTransactionError);
    expect(db.sqlite.inTransaction).toBe(false);
  });

  test("an error rolls back; nested calls are savepoints", () => {
    const db = fresh();
    expect(() =>
      db.tx(() => {
        db.sqlite.query("INSERT INTO t VALUES (1)").run();
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(count(db)).toBe(0);

    db.tx(() => {
      db.sqlite.query("INSERT INTO t VALUES (1)").run();
      expect(() =>
        db.tx(() => {
          db.sqlite.query("INSERT INTO t VALUES (2)").run();
          throw new Error("inner");
        }),
      ).toThrow("inner");
      db.sqlite.query("INSERT INTO t VALUES (3)").run();
    });
    expect(db.sqlite.query("SELECT x FROM t ORDER BY x").values()).toEqual([[1], [3]]);
  });
});
