/**
 * Rooms figures (group "Rooms"): message sends per second over real HTTP on loopback against an
 * in-process server (one client sequentially; 10 concurrent clients in one room and in ten rooms),
 * send latency p50/p99, `/messages` page time (limit 50, room with 10,000 messages), database bytes
 * per message, and resident memory after 100,000 events (100 users, 100 rooms; in a fresh process).
 *   bun run bench rooms
 * The HTTP load generator runs in a Worker so the server keeps the main thread, as with real clients.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer, type Server } from "../../src/server";
import { hashToken } from "../../src/services/auth/auth-service";
import { silentLogger } from "../../src/util/log";
import { randomToken } from "../../src/util/random";
import type { BenchResult } from "./types";

const GROUP = "Rooms";
const SEND_SECONDS = 6;

interface BenchServer {
  server: Server;
  url: string;
  dir: string;
  user(localpart: string): { userId: string; deviceId: string; token: string };
  close(): Promise<void>;
}

function startServer(): BenchServer {
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
    async close() {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

function runLoad(job: {
  baseUrl: string;
  clients: { token: string; roomId: string }[];
  seconds: number;
  warmup: number;
}): Promise<{ sent: number; seconds: number; latenciesMs: number[] }> {
  const worker = new Worker(new URL("./_rooms-load.ts", import.meta.url).href);
  return new Promise((resolve, reject) => {
    worker.onmessage = (e) => {
      worker.terminate();
      resolve(e.data);
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message));
    };
    worker.postMessage(job);
  });
}

async function sends(clients: number, rooms: number): Promise<{ rate: number; p50: number; p99: number }> {
  const s = startServer();
  try {
    const users = Array.from({ length: clients }, (_, i) => s.user(`sender${i}`));
    const roomIds = Array.from(
      { length: rooms },
      (_, i) => s.server.services.rooms.createRoom(users[i % clients]!.userId, { preset: "public_chat" }).room_id,
    );
    for (const [i, u] of users.entries()) {
      const roomId = roomIds[i % rooms]!;
      if (s.server.services.rooms.membershipOf(roomId, u.userId) !== "join")
        s.server.services.rooms.membership.join(roomId, u.userId);
    }
    const out = await runLoad({
      baseUrl: s.url,
      clients: users.map((u, i) => ({ token: u.token, roomId: roomIds[i % rooms]! })),
      seconds: SEND_SECONDS,
      warmup: 300,
    });
    return { rate: out.sent / out.seconds, p50: percentile(out.latenciesMs, 50), p99: percentile(out.latenciesMs, 99) };
  } finally {
    await s.close();
  }
}

/** /messages page time and database bytes per message, on a room with 10,000 messages. */
async function history(): Promise<BenchResult[]> {
  const s = startServer();
  try {
    const alice = s.user("alice");
    const bob = s.user("bob");
    const { rooms } = s.server.services;
    const roomId = rooms.createRoom(alice.userId, { preset: "public_chat" }).room_id;
    rooms.membership.join(roomId, bob.userId);
    const db = s.server.db.sqlite;
    const bytes = () => {
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      const pc = db.query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
      const ps = db.query<{ page_size: number }, []>("PRAGMA page_size").get()!.page_size;
      return pc * ps;
    };
    const before = bytes();
    const N = 10_000;
    for (let i = 0; i < N; i++) {
      const sender = i % 2 ? alice : bob;
      rooms.send(
        sender,
        roomId,
        "m.room.message",
        { msgtype: "m.text", body: `Message number ${i}: a chat line of a fairly typical length, about 70 chars.` },
        `h${i}`,
      );
    }
    const perMessage = (bytes() - before) / N;

    // Tokens spread over the whole history, then timed pages from each.
    const tokens: string[] = [];
    let from: string | undefined;
    for (;;) {
      const p = s.server.services.roomHistory.messages(alice, roomId, {
        dir: "b",
        limit: 50,
        ...(from ? { from } : {}),
      });
      if (!p.end) break;
      tokens.push(p.end);
      from = p.end;
    }
    const get = async (token: string) => {
      const res = await fetch(
        `${s.url}/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=50&from=${encodeURIComponent(token)}`,
        { headers: { authorization: `Bearer ${alice.token}` } },
      );
      if (res.status !== 200) throw new Error(`messages: ${res.status}`);
      return (await res.json()) as { chunk: unknown[] };
    };
    for (const t of tokens.slice(0, 20)) await get(t);
    const httpTimes: number[] = [];
    const serviceTimes: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const t of tokens) {
        let start = performance.now();
        const page = await get(t);
        httpTimes.push(performance.now() - start);
        if (page.chunk.length !== 50 && t !== tokens.at(-1)) throw new Error("short page");
        start = performance.now();
        s.server.services.roomHistory.messages(alice, roomId, { dir: "b", limit: 50, from: t });
        serviceTimes.push(performance.now() - start);
      }
    }
    return [
      {
        group: GROUP,
        name: "/messages page (limit 50, 10k-message room), over HTTP, p50",
        value: percentile(httpTimes, 50),
        unit: "ms",
        note: `p99 ${percentile(httpTimes, 99).toFixed(2)} ms; ${httpTimes.length} pages from tokens spread over the history`,
      },
      {
        group: GROUP,
        name: "/messages page (limit 50), in the service (no HTTP), p50",
        value: percentile(serviceTimes, 50),
        unit: "ms",
        note: `p99 ${percentile(serviceTimes, 99).toFixed(2)} ms; visibility, aggregations, client format`,
      },
      {
        group: GROUP,
        name: "database bytes per message event (text)",
        value: perMessage,
        unit: "bytes",
        budget: { op: "<=", value: 2048 },
        note: "page_count × page_size growth over 10,000 messages, WAL checkpointed",
      },
    ];
  } finally {
    await s.close();
  }
}

async function memory(): Promise<BenchResult[]> {
  const proc = Bun.spawn(["bun", join(import.meta.dir, "_rooms-memory.ts")], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(proc.stdout).text();
  if ((await proc.exited) !== 0) throw new Error("memory benchmark failed");
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as {
    rssMiB: number;
    heapMiB: number;
    baselineMiB: number;
    events: number;
    writeSeconds: number;
  };
  return [
    {
      group: GROUP,
      name: "resident memory after 100k events (100 users, 100 rooms)",
      value: r.rssMiB,
      unit: "MiB",
      budget: { op: "<=", value: 150 },
      note: `fresh process running from source, after GC; ${r.baselineMiB.toFixed(0)} MiB before the events (users and rooms set up); JS heap ${r.heapMiB.toFixed(1)} MiB; events written in ${r.writeSeconds.toFixed(1)} s (${Math.round(r.events / r.writeSeconds)}/s through the service, no HTTP)`,
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  const out: BenchResult[] = [];
  const seq = await sends(1, 1);
  out.push({
    group: GROUP,
    name: "message sends/s, one client, sequential (HTTP)",
    value: seq.rate,
    unit: "sends/s",
    budget: { op: ">=", value: 1500 },
    note: "PUT /rooms/{roomId}/send on loopback; client in a Worker",
  });
  out.push({
    group: GROUP,
    name: "send latency p50, one client",
    value: seq.p50,
    unit: "ms",
    note: `p99 ${seq.p99.toFixed(2)} ms`,
  });
  out.push({ group: GROUP, name: "send latency p99, one client", value: seq.p99, unit: "ms" });
  for (const rooms of [1, 10]) {
    const c = await sends(10, rooms);
    out.push({
      group: GROUP,
      name: `message sends/s, 10 concurrent clients, ${rooms === 1 ? "one room" : "ten rooms"} (HTTP)`,
      value: c.rate,
      unit: "sends/s",
      budget: { op: ">=", value: 4000 },
      note: `latency p50 ${c.p50.toFixed(2)} ms, p99 ${c.p99.toFixed(2)} ms`,
    });
  }
  out.push(...(await history()));
  out.push(...(await memory()));
  return out;
}
