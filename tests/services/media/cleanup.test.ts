/** The media cleanup, the crash sweep, and the remote-media seam (a fake RemoteMediaFetcher stands in for federation). */
import { afterEach, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../../src/config/load";
import { createServer, type Server } from "../../../src/server";
import type { RemoteMediaFetcher } from "../../../src/services/media/remote";
import { manualClock } from "../../../src/util/clock";
import { silentLogger } from "../../../src/util/log";
import { png } from "../../helpers/media-images";
import { createUserDirect } from "../../helpers/users";

const DAY = 86_400_000;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function start(opts: { remote?: RemoteMediaFetcher; dataDir?: string; dbPath?: string; user?: string } = {}) {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "hearth-cleanup-"));
  const clock = manualClock();
  const config = parseConfig({
    server_name: "hs1.test",
    public_base_url: "http://127.0.0.1:1",
    data_dir: dataDir,
    rate_limits: { enabled: false },
    logging: { access_log: false, level: "error" },
    media: { remote_retention_ms: 7 * DAY },
  });
  const server: Server = createServer(config, {
    dataDir,
    dbPath: opts.dbPath ?? ":memory:",
    logger: silentLogger,
    clock,
    ...(opts.remote ? { media: { remote: opts.remote } } : {}),
  });
  const { url } = server.listen("127.0.0.1", 0);
  const hs = { baseUrl: url, server, dataDir };
  const alice = createUserDirect(hs as never, opts.user ?? "alice");
  const call = (method: string, path: string, body?: NonNullable<RequestInit["body"]>) =>
    fetch(`${url}${path}`, { method, headers: { authorization: `Bearer ${alice.accessToken}` }, body });
  const files = () => {
    const walk = (d: string): string[] => {
      try {
        return readdirSync(d, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(join(d, e.name)) : [e.name],
        );
      } catch {
        return [];
      }
    };
    return walk(join(dataDir, "media/content"));
  };
  const stop = async (keep = false) => {
    await server.stop();
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  };
  return { server, clock, call, files, dataDir, stop, url };
}

test("a file shared by two media IDs is deleted only when neither refers to it", async () => {
  const s = start();
  cleanups.push(() => s.stop());
  const up = async () =>
    ((await (await s.call("POST", "/_matrix/media/v3/upload", "shared")).json()) as { content_uri: string })
      .content_uri;
  const a = (await up()).split("/").pop()!;
  const b = (await up()).split("/").pop()!;
  const repoDelete = (id: string) => s.server.db.sqlite.query("DELETE FROM media WHERE media_id = ?").run(id);
  expect(s.files()).toHaveLength(1);
  repoDelete(a);
  expect((await s.server.services.media.runCleanup()).filesDeleted).toBe(0);
  expect(s.files()).toHaveLength(1);
  expect((await s.call("GET", `/_matrix/client/v1/media/download/hs1.test/${b}`)).status).toBe(200);
  repoDelete(b);
  expect((await s.server.services.media.runCleanup()).filesDeleted).toBe(1);
  expect(s.files()).toHaveLength(0);
});

test("thumbnails keep their files until their media is deleted", async () => {
  const s = start();
  cleanups.push(() => s.stop());
  const img = png(400, 300, (x) => [x & 255, 0, 0]);
  const mxc = ((await (await s.call("POST", "/_matrix/media/v3/upload", img)).json()) as { content_uri: string })
    .content_uri;
  const id = mxc.split("/").pop()!;
  expect(
    (await s.call("GET", `/_matrix/client/v1/media/thumbnail/hs1.test/${id}?width=32&height=32&method=crop`)).status,
  ).toBe(200);
  expect(s.files()).toHaveLength(2);
  expect((await s.server.services.media.runCleanup()).filesDeleted).toBe(0);
  s.server.db.sqlite.query("DELETE FROM media WHERE media_id = ?").run(id);
  expect((await s.server.services.media.runCleanup()).filesDeleted).toBe(2);
  expect(s.files()).toHaveLength(0);
});

test("remote media: fetched through the seam once, cached, served, and dropped after the retention", async () => {
  let fetches = 0;
  const remote: RemoteMediaFetcher = {
    async fetchContent(serverName, mediaId) {
      if (serverName !== "remote.test" || mediaId !== "pic1") return null;
      fetches++;
      return { contentType: "text/plain", filename: "far.txt", body: new Blob(["from afar"]).stream() };
    },
  };
  const s = start({ remote });
  cleanups.push(() => s.stop());
  const path = "/_matrix/client/v1/media/download/remote.test/pic1";
  const first = await s.call("GET", path);
  expect(first.status).toBe(200);
  expect(await first.text()).toBe("from afar");
  expect(first.headers.get("content-disposition")).toBe('inline; filename="far.txt"');
  expect(await (await s.call("GET", path)).text()).toBe("from afar");
  expect(fetches).toBe(1);
  expect((await s.call("GET", "/_matrix/client/v1/media/download/remote.test/missing")).status).toBe(404);
  // allow_remote=false never fetches.
  const legacy = await fetch(`${s.url}/_matrix/media/v3/download/remote.test/pic1?allow_remote=false`);
  expect(legacy.status).toBe(200); // cached already: served
  expect((await fetch(`${s.url}/_matrix/media/v3/download/remote.test/pic2?allow_remote=false`)).status).toBe(404);
  expect(fetches).toBe(1);

  s.clock.advance(8 * DAY);
  const report = await s.server.services.media.runCleanup();
  expect(report.remoteDeleted).toBe(1);
  expect(report.filesDeleted).toBe(1);
  expect(await (await s.call("GET", path)).text()).toBe("from afar");
  expect(fetches).toBe(2);

  // The admin purge (POST /_synapse/admin/v1/purge_media_cache) drops it too.
  expect(await s.server.services.media.admin.purgeRemoteBefore(s.clock.now() + 1)).toBe(1);
  expect(s.files()).toHaveLength(0);
  expect(await (await s.call("GET", path)).text()).toBe("from afar");
  expect(fetches).toBe(3);
});

test("after a crash: temp files and content files without a database row are swept at start", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "hearth-crash-"));
  const dbPath = join(dataDir, "homeserver.db");
  const s1 = start({ dataDir, dbPath });
  const kept = ((await (await s1.call("POST", "/_matrix/media/v3/upload", "kept")).json()) as { content_uri: string })
    .content_uri;
  await s1.stop(true);
  // What a crash between "renamed into place" and "row written", or mid-upload, leaves behind:
  const orphan = "ab".repeat(32);
  mkdirSync(join(dataDir, "media/content/ab/ab"), { recursive: true });
  writeFileSync(join(dataDir, "media/content/ab/ab", orphan), "never recorded");
  writeFileSync(join(dataDir, "media/tmp/upload-0123456789ab-cafe"), "half");

  const s2 = start({ dataDir, dbPath, user: "bob" });
  cleanups.push(() => s2.stop());
  await s2.server.services.media.runCleanup(); // runs after the start-up sweep
  expect(s2.files()).toHaveLength(1);
  expect(readdirSync(join(dataDir, "media/tmp"))).toEqual([]);
  const res = await s2.call("GET", `/_matrix/client/v1/media/download/${kept.slice(6)}`);
  expect(await res.text()).toBe("kept");
});
