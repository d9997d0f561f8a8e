/**
 * State storage figures (group "Rooms: state storage"): 10,000 membership changes in one room through
 * the real write path (joins, leaves and profile changes of 2,000 users), with the database bytes each
 * state change costs, the state rows written, and the time to read the room's full state at an old
 * event (a delta chain walk, cache cold).
 * *   bun run bench state-storage      (CHANGES and USERS in the environment change the sizes)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer } from "../../src/server";
import { createStateStore } from "../../src/storage/repos/state-store";
import { silentLogger } from "../../src/util/log";
import type { BenchResult } from "./types";

const GROUP = "Rooms: state storage";
const CHANGES = Number(process.env.CHANGES ?? 10_000);
const USERS = Number(process.env.USERS ?? 2_000);

function dbBytes(db: import("bun:sqlite").Database): number {
  db.query<unknown, []>("PRAGMA wal_checkpoint(TRUNCATE)").get();
  const pc = db.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
  const ps = db.query<{ page_size: number }, []>("PRAGMA page_size").get()!.page_size;
  return pc * ps;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-state-"));
  try {
    const config = parseConfig({
      server_name: "bench.test",
      public_base_url: "http://127.0.0.1:1",
      data_dir: dir,
      rate_limits: { enabled: false },
      logging: { access_log: false, level: "error" },
    });
    const server = createServer(config, { dataDir: dir, dbPath: join(dir, "state.db"), logger: silentLogger });
    const { rooms } = server.services;
    const owner = "@owner:bench.test";
    const { room_id } = rooms.createRoom(owner, { preset: "public_chat", room_version: "12" });
    const users = Array.from({ length: USERS }, (_, i) => `@u${i}:bench.test`);
    // Everybody joins first (2,000 changes), then the rest are leaves, rejoins and display name changes.
    for (const u of users) rooms.membership.join(room_id, u);
    const sqlite = server.db.sqlite;
    const before = dbBytes(sqlite);
    const rowsBefore = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM state_snapshot_entries").get()!.n;
    const snapsBefore = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM state_snapshots").get()!.n;
    const started = performance.now();
    const rest = CHANGES - USERS;
    for (let i = 0; i < rest; i++) {
      const u = users[i % USERS]!;
      const kind = Math.floor(i / USERS) % 3;
      if (kind === 0) rooms.membership.leave(room_id, u);
      else if (kind === 1) rooms.membership.join(room_id, u);
      else
        rooms.setState({ userId: u, deviceId: "D" }, room_id, "m.room.member", u, {
          membership: "join",
          displayname: `User ${i}`,
        });
    }
    const ms = performance.now() - started;
    const after = dbBytes(sqlite);
    const rows =
      sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM state_snapshot_entries").get()!.n - rowsBefore;
    const snaps = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM state_snapshots").get()!.n - snapsBefore;
    const eventsBytes = sqlite
      .query<{ b: number }, []>("SELECT sum(length(json)) AS b FROM events WHERE type = 'm.room.member'")
      .get()!.b;
    // Reading the full state at an event from the middle of the run, with a cold cache.
    const mid = sqlite
      .query<{ s: number }, [number]>(
        "SELECT state_after_nid AS s FROM events WHERE type = 'm.room.member' ORDER BY stream_ordering LIMIT 1 OFFSET ?",
      )
      .get(USERS + Math.floor(rest / 2))!.s;
    const cold = createStateStore(server.db);
    const readStart = performance.now();
    const size = cold.load(mid).size;
    const readMs = performance.now() - readStart;
    await server.stop();
    const perChange = (after - before) / rest;
    return [
      {
        group: GROUP,
        name: "database bytes per state change (membership), all tables",
        value: perChange,
        unit: "bytes",
        note: `${rest.toLocaleString("en-US")} changes after ${USERS.toLocaleString("en-US")} joins; includes the event itself (${Math.round(eventsBytes / (rest + USERS))} bytes of PDU JSON on average) and its indexes`,
      },
      {
        group: GROUP,
        name: "state snapshot rows per state change",
        value: rows / rest,
        unit: "rows",
        note: `${snaps.toLocaleString("en-US")} snapshots; a full copy per change would be ~${USERS.toLocaleString("en-US")} rows`,
      },
      {
        group: GROUP,
        name: "membership changes per second (service, no HTTP)",
        value: (rest / ms) * 1000,
        unit: "changes/s",
      },
      {
        group: GROUP,
        name: "read the full state at an old event, cold cache",
        value: readMs,
        unit: "ms",
        note: `${size.toLocaleString("en-US")} state entries`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
