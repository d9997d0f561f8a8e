import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { initServer, runCli, tempDir } from "../cli/harness";

// A second process writes pairs of rows, each pair in one transaction, as fast as it can, while
// `homeserver backup` copies the database from this process. Every copy must be sound and hold whole
// transactions only.
const WRITER = `
import { openDb } from ${JSON.stringify(join(import.meta.dir, "../../src/storage/db.ts"))};
const db = openDb(process.argv[2]);
const ins = db.sqlite.query("INSERT INTO meta (key, value) VALUES (?, ?)");
let n = 0;
process.stdout.write("ready\\n");
for (;;) {
  db.tx(() => { ins.run("pair-" + n + "-a", "x".repeat(200)); ins.run("pair-" + n + "-b", "y".repeat(200)); });
  n++;
  if (n % 50 === 0) await Bun.sleep(0);
}
`;

const dir = tempDir();
let writer: ReturnType<typeof Bun.spawn> | null = null;
beforeAll(async () => {
  await initServer(dir.path);
  writeFileSync(join(dir.path, "writer.ts"), WRITER);
});
afterAll(() => {
  writer?.kill("SIGKILL");
  dir.cleanup();
});

function pairs(path: string): { a: number; b: number; integrity: string } {
  const db = new Database(path, { readonly: true });
  try {
    const n = (suffix: string) =>
      db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM meta WHERE key LIKE ?").get(`pair-%-${suffix}`)!.n;
    const integrity = db.query<{ integrity_check: string }, []>("PRAGMA integrity_check").get()!.integrity_check;
    return { a: n("a"), b: n("b"), integrity };
  } finally {
    db.close();
  }
}

describe("homeserver backup", () => {
  test("copies of a database being written to are sound and hold whole transactions", async () => {
    const dbPath = join(dir.path, "data", "homeserver.db");
    const proc = Bun.spawn(["bun", join(dir.path, "writer.ts"), dbPath], { stdout: "pipe", stderr: "inherit" });
    writer = proc;
    const reader = proc.stdout.getReader();
    await reader.read(); // "ready"
    await Bun.sleep(100);

    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      const file = `copy-${i}.db`;
      const r = await runCli(["backup", file], { cwd: dir.path });
      expect(r.err).toBe("");
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Wrote .*copy-\d\.db \(\d+ bytes, schema version \d+, integrity ok\)\./);
      const path = join(dir.path, file);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const p = pairs(path);
      expect(p.integrity).toBe("ok");
      expect(p.a).toBe(p.b); // never half a transaction
      counts.push(p.a);
      await Bun.sleep(30);
    }
    proc.kill("SIGKILL");
    await proc.exited;
    writer = null;
    // The writer really was writing throughout.
    expect(counts[4]!).toBeGreaterThan(counts[0]!);
    const live = pairs(dbPath);
    expect(live.a).toBeGreaterThanOrEqual(counts[4]!);
  });

  test("the copy is a working database: the server's accounts are in it", async () => {
    const r = await runCli(["backup", "full.db"], { cwd: dir.path });
    expect(r.code).toBe(0);
    const db = new Database(join(dir.path, "full.db"), { readonly: true });
    expect(db.query("SELECT user_id, is_admin FROM users").all()).toEqual([{ user_id: "@alice:hs.test", is_admin: 1 }]);
    expect(db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'server_name'").get()?.value).toBe(
      "hs.test",
    );
    db.close();
  });

  test("an existing file is not replaced without --force", async () => {
    writeFileSync(join(dir.path, "keep.db"), "precious");
    const r = await runCli(["backup", "keep.db"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toContain("exists; pass --force");
    expect(await Bun.file(join(dir.path, "keep.db")).text()).toBe("precious");
    const forced = await runCli(["backup", "keep.db", "--force"], { cwd: dir.path });
    expect(forced.code).toBe(0);
    expect(pairs(join(dir.path, "keep.db")).integrity).toBe("ok");
  });

  test("a target in a missing directory is refused and leaves no partial file", async () => {
    const r = await runCli(["backup", "nowhere/x.db"], { cwd: dir.path });
    expect(r.code).toBe(1);
    expect(r.err).toContain("does not exist");
    expect(existsSync(join(dir.path, "nowhere"))).toBe(false);
  });
});
