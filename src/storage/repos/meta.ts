import type { Db } from "../db";

export class ServerNameMismatchError extends Error {
  constructor(recorded: string, configured: string) {
    super(
      `This database belongs to server "${recorded}", but the config says server_name = "${configured}". ` +
        "The server name can never change once the server has been used; restore the old name in the config.",
    );
    this.name = "ServerNameMismatchError";
  }
}

export function getMeta(db: Db, key: string): string | null {
  return db.sqlite.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get(key)?.value ?? null;
}

export function setMeta(db: Db, key: string, value: string): void {
  db.sqlite
    .query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    .run(key, value);
}

/** Records the server name on first start and refuses any other name afterwards. */
export function checkServerName(db: Db, serverName: string): void {
  const recorded = getMeta(db, "server_name");
  if (recorded === null) setMeta(db, "server_name", serverName);
  else if (recorded !== serverName) throw new ServerNameMismatchError(recorded, serverName);
}
