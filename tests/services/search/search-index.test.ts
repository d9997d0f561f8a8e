/**
 * The search index follows the events table: what was committed but not indexed (a crash between the
 * two, or a database from before search existed) is indexed at the next start, and new events within
 * a moment without any search; a purged room leaves nothing in the index.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { call, createRoom, enc, ok, send, text } from "../../helpers/room-calls";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { createUserDirect, type TestUser } from "../../helpers/users";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(dbPath?: string): Promise<TestServer> {
  const hs = await startTestServer(dbPath ? { dbPath } : {});
  cleanups.push(() => hs.stop());
  return hs;
}

async function searchIds(hs: TestServer, user: TestUser, term: string): Promise<string[]> {
  const r = await ok<{ search_categories: { room_events: { results: { result: { event_id: string } }[] } } }>(
    hs,
    user,
    "POST",
    "/_matrix/client/v3/search",
    { search_categories: { room_events: { search_term: term, order_by: "recent" } } },
  );
  return r.search_categories.room_events.results.map((x) => x.result.event_id);
}

const ftsMatches = (hs: TestServer, term: string) =>
  hs.server.db.sqlite
    .query<{ n: number }, [string]>("SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH ?")
    .get(term)!.n;

describe("search index", () => {
  test("events committed but never indexed are indexed when the server starts again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-search-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const dbPath = join(dir, "hs.db");
    const first = await startTestServer({ dbPath });
    const alice = createUserDirect(first, "alice");
    const roomId = await createRoom(first, alice);
    const ids = [
      await send(first, alice, roomId, text("nectarine one")),
      await send(first, alice, roomId, text("nectarine two")),
    ];
    expect(await searchIds(first, alice, "nectarine")).toEqual([...ids].reverse());
    // What a crash between the event's commit and its indexing leaves behind: the events, no index entries.
    first.server.db.sqlite.exec("DELETE FROM search_docs; UPDATE search_progress SET indexed_up_to = 0");
    expect(ftsMatches(first, "nectarine")).toBe(0);
    await first.stop();

    const second = await server(dbPath);
    // The background work indexes the backlog without waiting for a search.
    for (let i = 0; i < 200 && ftsMatches(second, "nectarine") < 2; i++) await Bun.sleep(5);
    expect(ftsMatches(second, "nectarine")).toBe(2);
    expect(second.server.services.search.indexPending()).toBe(0);
    expect(await searchIds(second, alice, "nectarine")).toEqual([...ids].reverse());
  });

  test("new events are indexed in the background shortly after they are written", async () => {
    const hs = await server();
    const alice = createUserDirect(hs, "alice");
    const roomId = await createRoom(hs, alice);
    await send(hs, alice, roomId, text("tamarind"));
    for (let i = 0; i < 400 && ftsMatches(hs, "tamarind") === 0; i++) await Bun.sleep(5);
    expect(ftsMatches(hs, "tamarind")).toBe(1);
  });

  test("a purged room leaves nothing in the index", async () => {
    const hs = await server();
    const admin = createUserDirect(hs, "admin", { admin: true });
    const roomId = await createRoom(hs, admin);
    await send(hs, admin, roomId, text("persimmon"));
    hs.server.services.search.indexPending();
    expect(ftsMatches(hs, "persimmon")).toBe(1);
    const r = await call(hs, admin, "DELETE", `/_synapse/admin/v1/rooms/${enc(roomId)}`, { purge: true });
    expect(r.status).toBe(200);
    expect(ftsMatches(hs, "persimmon")).toBe(0);
    expect(hs.server.db.sqlite.query("SELECT count(*) AS n FROM search_docs").get()).toEqual({ n: 0 });
  });
});
