/**
 * Online backup: a consistent copy of the live database (VACUUM INTO reads one snapshot, so writers
 * in this or another process are neither blocked for long nor half-copied).
 */
import { Database } from "bun:sqlite";
import type { Db } from "./db";

/** Writes a compacted copy of `db` to `target`, which must not exist or be an empty file. */
export function backupDatabase(db: Db, target: string): void {
  db.sqlite.query("VACUUM INTO ?").run(target);
}

/** Result of SQLite's integrity check on a database file ("ok" when sound), opened read-only. */
export function checkDatabaseFile(path: string): { integrity: string; schemaVersion: number } {
  const sqlite = new Database(path, { readonly: true });
  try {
    const rows = sqlite.query<{ integrity_check: string }, []>("PRAGMA integrity_check").all();
    const v = sqlite.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_migrations").get();
    return { integrity: rows.map((r) => r.integrity_check).join("; "), schemaVersion: v?.v ?? 0 };
  } finally {
    sqlite.close();
  }
}
