import type { Db } from "./db";
import { MIGRATIONS, type Migration } from "./migrations.gen";

export class SchemaTooNewError extends Error {
  constructor(dbVersion: number, known: number) {
    super(
      `The database is at schema version ${dbVersion}, but this homeserver only knows up to ${known}. ` +
        "It was used by a newer release: run that release, or restore a backup.",
    );
    this.name = "SchemaTooNewError";
  }
}

/** Applies every embedded migration the database does not have yet, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS, now = Date.now()): number[] {
  db.sqlite.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT",
  );
  const applied = new Set(
    db.sqlite
      .query<{ version: number }, []>("SELECT version FROM schema_migrations")
      .all()
      .map((r) => r.version),
  );
  const known = migrations.reduce((m, x) => Math.max(m, x.version), 0);
  const newest = Math.max(0, ...applied);
  if (newest > known) throw new SchemaTooNewError(newest, known);
  const done: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (applied.has(m.version)) continue;
    db.tx(() => {
      db.sqlite.exec(m.sql);
      db.sqlite
        .query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
        .run(m.version, m.name, now);
    });
    done.push(m.version);
  }
  return done;
}

export function schemaVersion(db: Db): number {
  const row = db.sqlite.query<{ v: number | null }, []>("SELECT max(version) AS v FROM schema_migrations").get();
  return row?.v ?? 0;
}
