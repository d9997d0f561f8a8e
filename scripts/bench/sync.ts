/**
 * Sync figures (group "Sync"), against an in-process server over real HTTP on loopback, clients in a
 * Worker (scripts/bench/_sync-clients.ts):
 * - wake-up latency from a send to the waiting /sync returning, with 100 clients waiting: each in
 *   its own room (one send wakes one of them), and all in one room (one send wakes all 100);
 * - initial /sync of a user in 100 rooms with 50 messages each;
 * - incremental /sync with nothing new;
 * - resident memory after 10,000 more syncs (must not grow).
 *   bun run bench sync
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer, type Server } from "../../src/server";
import { hashToken } from "../../src/services/auth/auth-service";
import { silentLogger } from "../../src/util/log";
import { randomToken } from "../../src/util/random";
import type { SyncClientsJob } from "./_sync-clients";
import type { BenchResult } from "./types";

const GROUP = "Sync";

interface User {
  userId: string;
  deviceId: string;
  token: string;
}

function startServer(): { server: Server; url: string; dir: string; user(localpart: string): User } {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
  const config = parseConfig({
    server_name: "bench.test",
    public_base_url: "http://127.0.0.1:1",
    data_dir: dir,
    rate_limits: { enabled: false },
    logging: { access_log: false, level: "error" },
  });
  const server = createServer(config, { dataDir: dir, dbPath: join(dir, "bench.db"), logger: silentLogger });
  const { url } = server.listen("127.0.0.1", 0);
  return {
    server,
    url,
    dir,
    user(localpart) {
      const db = server.db.sqlite;
      const userId = `@${localpart}:bench.test`;
      const deviceId = `DEV${localpart}`;
      const token = randomToken();
      const now = Date.now();
      db.query("INSERT INTO users (user_id, localpart, is_admin, created_at) VALUES (?, ?, 0, ?)").run(
        userId,
        localpart,
        now,
      );
      db.query("INSERT INTO devices (user_id, device_id, created_at) VALUES (?, ?, ?)").run(userId, deviceId, now);
      db.query("INSERT INTO access_tokens (token_hash, user_id, device_id, created_at) VALUES (?, ?, ?, ?)").run(
        hashToken(token),
        userId,
        deviceId,
        now,
      );
      return { userId, deviceId, token };
    },
  };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const median = (xs: number[]) => percentile(xs, 50);

async function get(url: string, token: string): Promise<{ ms: number; body: { next_batch: string } }> {
  const t0 = performance.now();
  const r = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const body = (await r.json()) as { next_batch: string };
  const ms = performance.now() - t0;
  if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`);
  return { ms, body };
}

function runClients(server: Server, job: SyncClientsJob): Promise<number[]> {
  const worker = new Worker(new URL("./_sync-clients.ts", import.meta.url).href);
  return new Promise((resolve, reject) => {
    worker.onmessage = async (e: MessageEvent) => {
      const msg = e.data as { type: string; count?: number; result?: number[]; error?: string };
      if (msg.type === "wait") {
        while (server.services.notifier.waiting() < msg.count!) await Bun.sleep(1);
        worker.postMessage({ type: "go" });
      } else if (msg.type === "done") {
        worker.terminate();
        resolve(msg.result!);
      } else {
        worker.terminate();
        reject(new Error(msg.error));
      }
    };
    worker.postMessage({ type: "run", job });
  });
}

async function wakeUp(scenario: "own" | "shared"): Promise<number[]> {
  const s = startServer();
  try {
    const sender = s.user("sender");
    const rooms = s.server.services.rooms;
    const shared = scenario === "shared" ? rooms.createRoom(sender.userId, { preset: "public_chat" }).room_id : "";
    const clients: SyncClientsJob["clients"] = [];
    for (let i = 0; i < 100; i++) {
      const u = s.user(`c${i}`);
      const roomId = shared || rooms.createRoom(sender.userId, { preset: "public_chat" }).room_id;
      rooms.membership.join(roomId, u.userId);
      clients.push({ token: u.token, roomId, since: "" });
    }
    // Tokens taken once everyone has joined, so that every client starts with nothing new.
    for (const c of clients) c.since = (await get(`${s.url}/_matrix/client/v3/sync`, c.token)).body.next_batch;
    return await runClients(s.server, {
      baseUrl: s.url,
      sender: { token: sender.token },
      scenario,
      clients,
      rounds: scenario === "own" ? 3 : 10,
    });
  } finally {
    await s.server.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
}

function rssMiB(): number {
  Bun.gc(true);
  return process.memoryUsage().rss / 2 ** 20;
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];

  for (const scenario of ["own", "shared"] as const) {
    const lat = await wakeUp(scenario);
    const label =
      scenario === "own"
        ? "100 clients waiting, each in its own room; a send wakes one"
        : "100 clients waiting in one room; a send wakes all 100";
    const note = `${lat.length} wake-ups, real HTTP on loopback, clients in a Worker`;
    out.push({
      group: GROUP,
      name: `wake-up latency p50, ${label}`,
      value: median(lat),
      unit: "ms",
      budget: { op: "<=", value: 5 },
      note,
    });
    out.push({
      group: GROUP,
      name: `wake-up latency p99, ${label}`,
      value: percentile(lat, 99),
      unit: "ms",
      budget: { op: "<=", value: 50 },
      note,
    });
  }

  // One user in 100 rooms of 50 messages.
  const s = startServer();
  try {
    const user = s.user("reader");
    const other = s.user("writer");
    const rooms = s.server.services.rooms;
    const roomIds: string[] = [];
    for (let r = 0; r < 100; r++) {
      const roomId = rooms.createRoom(other.userId, { preset: "public_chat", name: `Room ${r}` }).room_id;
      rooms.membership.join(roomId, user.userId);
      for (let m = 0; m < 50; m++) {
        rooms.send(
          { userId: other.userId, deviceId: other.deviceId },
          roomId,
          "m.room.message",
          { msgtype: "m.text", body: `message ${m} in room ${r}` },
          `t${r}-${m}`,
        );
      }
      roomIds.push(roomId);
    }
    const initialUrl = `${s.url}/_matrix/client/v3/sync`;
    const cold = await get(initialUrl, user.token);
    const warm: number[] = [];
    for (let i = 0; i < 10; i++) warm.push((await get(initialUrl, user.token)).ms);
    out.push({
      group: GROUP,
      name: "initial /sync, user in 100 rooms of 50 messages (median of 10)",
      value: median(warm),
      unit: "ms",
      budget: { op: "<=", value: 150 },
      note: `first one after start: ${cold.ms.toFixed(0)} ms; default filter (10 events per room)`,
    });

    let since = cold.body.next_batch;
    const quiet: number[] = [];
    for (let i = 0; i < 500; i++) {
      const r = await get(`${s.url}/_matrix/client/v3/sync?since=${since}&timeout=0`, user.token);
      quiet.push(r.ms);
      since = r.body.next_batch;
    }
    out.push({
      group: GROUP,
      name: "incremental /sync with nothing new (median of 500)",
      value: median(quiet),
      unit: "ms",
      note: `p99 ${percentile(quiet, 99).toFixed(2)} ms; same user, 100 rooms`,
    });

    // Memory: syncs through the app in-process (no client in this thread's heap), a message every 10.
    const lazy = encodeURIComponent(JSON.stringify({ room: { state: { lazy_load_members: true } } }));
    const syncOnce = async (i: number) => {
      if (i % 10 === 0) {
        rooms.send(
          { userId: other.userId, deviceId: other.deviceId },
          roomIds[i % 100]!,
          "m.room.message",
          { msgtype: "m.text", body: `more ${i}` },
          `m${i}`,
        );
      }
      const url =
        i % 2 === 0
          ? `http://bench.test/_matrix/client/v3/sync?since=${since}&timeout=0`
          : `http://bench.test/_matrix/client/v3/sync?since=${since}&timeout=0&filter=${lazy}`;
      const res = await s.server.fetch(new Request(url, { headers: { authorization: `Bearer ${user.token}` } }));
      since = ((await res.json()) as { next_batch: string }).next_batch;
    };
    for (let i = 0; i < 2000; i++) await syncOnce(i);
    const before = rssMiB();
    for (let i = 0; i < 10_000; i++) await syncOnce(i);
    const after = rssMiB();
    out.push({
      group: GROUP,
      name: "resident memory after 10,000 more syncs",
      value: after,
      unit: "MiB",
      note: `${before.toFixed(1)} MiB before them (after 2,000 warm-up syncs): ${after - before >= 0 ? "+" : ""}${(after - before).toFixed(1)} MiB; a message every 10 syncs, half with lazy-loading; whole process`,
    });
  } finally {
    await s.server.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
  return out;
}
