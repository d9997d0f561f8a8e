import { Database } from "bun:sqlite";
import { afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDb } from "../../src/storage/db";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Rows in a copy of the main database file alone (what reached it from the log). */
function rowsInMainFile(dir: string): number {
  copyFileSync(join(dir, "hs.db"), join(dir, "copy.db"));
  const copy = new Database(join(dir, "copy.db"), { readonly: true });
  try {
    return copy.query<{ n: number }, []>("SELECT count(*) AS n FROM t").get()!.n;
  } catch {
    return 0;
  } finally {
    copy.close();
  }
}

describe("background checkpoints", () => {
  test("after enough commits the log is copied into the database file without the writer checkpointing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-ckpt-"));
    dirs.push(dir);
    const db = openDb(join(dir, "hs.db"));
    db.sqlite.exec("PRAGMA wal_autocheckpoint = 0"); // only the background worker checkpoints here
    db.sqlite.exec("CREATE TABLE t (x TEXT) STRICT");
    const insert = db.sqlite.query("INSERT INTO t VALUES (?)");
    for (let i = 0; i < 1200; i++) {
      db.tx(() => insert.run(`row ${i}`));
      if (i % 50 === 0) await Bun.sleep(1);
    }
    const deadline = Date.now() + 10_000;
    let inFile = rowsInMainFile(dir);
    while (inFile < 1000 && Date.now() < deadline) {
      await Bun.sleep(20);
      inFile = rowsInMainFile(dir);
    }
    expect(inFile).toBeGreaterThanOrEqual(1000);
    // The writer's own view is complete and it keeps working while the worker runs.
    db.tx(() => insert.run("last"));
    expect(db.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM t").get()!.n).toBe(1201);
    db.close();
  });
});
