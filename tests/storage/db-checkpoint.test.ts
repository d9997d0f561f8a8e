import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb, WAL_AUTOCHECKPOINT_PAGES } from "../../src/storage/db";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What a copy of the main database file alone (its write-ahead log lost) holds. */
function rowsInMainFile(dir: string): number[] {
  copyFileSync(join(dir, "hs.db"), join(dir, "copy.db"));
  const copy = new Database(join(dir, "copy.db"), { readonly: true });
  try {
    return copy
      .query<{ x: number }, []>("SELECT x FROM t ORDER BY x")
      .all()
      .map((r) => r.x);
  } catch {
    return []; // the table itself is still only in the log
  } finally {
    copy.close();
  }
}

describe("write-ahead log", () => {
  test("a commit is in the log at once; checkpoint() puts it in the database file", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-db-"));
    dirs.push(dir);
    const db = openDb(join(dir, "hs.db"));
    expect(db.sqlite.query<{ wal_autocheckpoint: number }, []>("PRAGMA wal_autocheckpoint").get()).toEqual({
      wal_autocheckpoint: WAL_AUTOCHECKPOINT_PAGES,
    });
    db.sqlite.exec("CREATE TABLE t (x INTEGER) STRICT");
    db.checkpoint();
    db.tx(() => db.sqlite.query("INSERT INTO t VALUES (1)").run());
    // Another connection (another process after a crash of this one) sees the commit through the log.
    const other = new Database(join(dir, "hs.db"), { readonly: true });
    expect(other.query("SELECT x FROM t").values()).toEqual([[1]]);
    other.close();
    expect(rowsInMainFile(dir)).toEqual([]);

    db.checkpoint();
    expect(rowsInMainFile(dir)).toEqual([1]);
    db.close();
  });

  test("checkpoint() inside a transaction does nothing and leaves the transaction alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-db-"));
    dirs.push(dir);
    const db = openDb(join(dir, "hs.db"));
    db.sqlite.exec("CREATE TABLE t (x INTEGER) STRICT");
    db.checkpoint();
    db.tx(() => {
      db.sqlite.query("INSERT INTO t VALUES (2)").run();
      db.checkpoint();
    });
    expect(db.sqlite.query("SELECT x FROM t").values()).toEqual([[2]]);
    expect(rowsInMainFile(dir)).toEqual([]);
    db.close();
  });
});
