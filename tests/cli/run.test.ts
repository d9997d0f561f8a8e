/** `homeserver run` refusing to start: each refusal is one clear line and exit status 1. */

import { Database } from "bun:sqlite";
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MIGRATIONS } from "../../src/storage/migrations.gen";
import { initServer, runCli, tempDir } from "./harness";

let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  dir = tempDir();
  await initServer(dir.path);
});
afterEach(() => dir.cleanup());

describe("homeserver run refuses to start", () => {
  test("with another server name than the database's", async () => {
    const r = await runCli(["run"], { cwd: dir.path, env: { HEARTH_SERVER_NAME: "renamed.test" } });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'homeserver run: This database belongs to server "hs.test", but the config says server_name = "renamed.test". ' +
        "The server name can never change once the server has been used; restore the old name in the config.\n",
    );
  });

  test("on a database written by a newer release", async () => {
    const db = new Database(join(dir.path, "data", "homeserver.db"));
    const future = MIGRATIONS.at(-1)!.version + 1;
    db.query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)").run(future);
    db.close();
    const r = await runCli(["run"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`The database is at schema version ${future}, but this homeserver only knows up to`);
    expect(r.err).toContain("run that release, or restore a backup");
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });

  test("with a damaged signing key", async () => {
    writeFileSync(join(dir.path, "data", "signing.key"), "ed25519 a_x not-base64!\n");
    const r = await runCli(["run"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^homeserver run: .*signing\.key, line 1: /);
    expect(r.err.trim().split("\n")).toHaveLength(1);
  });

  test("without its data directory", async () => {
    rmSync(join(dir.path, "data"), { recursive: true });
    const r = await runCli(["run"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the data directory .*data does not exist: run `homeserver init` first/);
  });
});
