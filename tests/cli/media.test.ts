/** `homeserver media purge` against a server's data directory. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseBefore } from "../../src/cli/media";
import { loadConfigFile } from "../../src/config/load";
import { createServer, type Server } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import { initServer, runCli, tempDir } from "./harness";

const dir = tempDir();
let live: Server;
let mxc: string;

beforeAll(async () => {
  await initServer(dir.path);
  const loaded = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
  live = createServer(loaded.config, { dataDir: loaded.dataDir, logger: silentLogger });
  live.listen("127.0.0.1", 0);
  const body = new Response("hello media").body!;
  mxc = (
    await live.services.media.upload({
      userId: "@alice:hs.test",
      contentType: "text/plain",
      filename: "a.txt",
      body,
      contentLength: 11,
    })
  ).contentUri;
});
afterAll(async () => {
  await live.stop();
  dir.cleanup();
});
const cli = (...argv: string[]) => runCli(argv, { cwd: dir.path });

describe("media purge", () => {
  test("dates, times and ages", () => {
    const now = Date.parse("2026-11-22T12:00:00Z");
    expect(parseBefore("2026-01-31", now)).toBe(Date.parse("2026-01-31T00:00:00Z"));
    expect(parseBefore("2026-01-31T12:30:00Z", now)).toBe(Date.parse("2026-01-31T12:30:00Z"));
    expect(parseBefore("30d", now)).toBe(now - 30 * 86_400_000);
    expect(parseBefore("12h", now)).toBe(now - 12 * 3_600_000);
    expect(() => parseBefore("yesterday", now)).toThrow("--before");
  });

  test("usage errors exit 2", async () => {
    expect((await cli("media", "purge")).code).toBe(2);
    expect((await cli("media", "purge", "--before", "soon")).code).toBe(2);
    expect((await cli("media", "purge", "--before", "1d", "--larger-than", "10")).code).toBe(2);
  });

  test("without --local, local media is kept; with --local and a date after the upload, it is deleted", async () => {
    const [server, id] = mxc.slice("mxc://".length).split("/") as [string, string];
    const download = () =>
      live.services.media.download({
        serverName: server,
        mediaId: id,
        timeoutMs: 0,
        allowRemote: false,
        legacy: false,
      });
    const kept = await cli("media", "purge", "--before", "2999-01-01");
    expect(kept.code).toBe(0);
    expect(kept.out).toContain("Deleted 0 cached remote media items");
    expect(await download()).toBeDefined();
    const old = await cli("media", "purge", "--before", "2000-01-01", "--local");
    expect(old.out).toContain("Deleted 0 local media items");
    const gone = await cli("media", "purge", "--before", "2999-01-01", "--local");
    expect(gone.code).toBe(0);
    expect(gone.out).toContain("Deleted 1 local media item uploaded before");
    await expect(download()).rejects.toMatchObject({ errcode: "M_NOT_FOUND" });
  });
});
