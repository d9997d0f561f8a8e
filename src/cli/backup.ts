import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { backupDatabase, checkDatabaseFile } from "../storage/backup";
import { openDb } from "../storage/db";
import { positionals, rejectUnknownFlags } from "./args";
import { CliError, type Command } from "./command";
import { CONFIG_FLAG_HELP, databasePath, loadConfig, refuseRootOnServiceData } from "./open-server";

export const backupCommand: Command = {
  summary: "Write a consistent copy of the database (safe while the server runs)",
  help: `Usage: homeserver backup FILE [--config PATH] [--force]

Writes a consistent, compacted copy of the database to FILE while the server keeps running, checks
it with SQLite's integrity check, and makes it readable only by you (it holds password hashes).
Back up <data_dir>/signing.key and <data_dir>/media as well: they are ordinary files.
To restore: stop the server, copy FILE to <data_dir>/homeserver.db, delete homeserver.db-wal and
homeserver.db-shm next to it, and start the server.

Options:
${CONFIG_FLAG_HELP}  --force         Replace FILE if it exists
`,
  valueFlags: ["config"],
  async run(args, ctx) {
    rejectUnknownFlags(args, ["config", "force"]);
    const [file] = positionals(args, ["FILE"]);
    const target = resolve(ctx.cwd, file!);
    if (existsSync(target) && !args.flags.get("force")) {
      throw new CliError(`${target} exists; pass --force to replace it`);
    }
    if (!existsSync(dirname(target))) throw new CliError(`directory ${dirname(target)} does not exist`);
    const loaded = await loadConfig(args, ctx);
    refuseRootOnServiceData(loaded.dataDir);
    const source = databasePath(loaded);
    if (!existsSync(source)) throw new CliError(`no database at ${source}: nothing to back up`);

    // Written next to the target and renamed into place, so FILE is never a partial copy.
    const partial = join(dirname(target), `.${basename(target)}.partial-${process.pid}`);
    closeSync(openSync(partial, "w", 0o600)); // VACUUM INTO accepts an empty file: create it private
    const db = openDb(source);
    try {
      backupDatabase(db, partial);
      const check = checkDatabaseFile(partial);
      if (check.integrity !== "ok") throw new CliError(`the copy failed SQLite's integrity check: ${check.integrity}`);
      renameSync(partial, target);
      ctx.out(
        `Wrote ${target} (${statSync(target).size} bytes, schema version ${check.schemaVersion}, integrity ok).\n` +
          `Also keep a copy of ${join(loaded.dataDir, "signing.key")}.\n`,
      );
      return 0;
    } finally {
      db.close();
      rmSync(partial, { force: true });
    }
  },
};
