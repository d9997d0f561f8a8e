/**
 * Subprocess for scripts/bench/rooms.ts: a fresh server with 100 users in 100 rooms (10 members
 * each) and 100,000 message events written through the rooms service, then some reads; prints the
 * resident memory after a full GC as JSON on stdout, with the baseline measured after setting up the
 * users and rooms (runtime, modules, caches). Run alone so nothing else is in the heap. This runs
 * from source: the compiled binary starts about 40 MiB smaller (see "Startup and memory").
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer } from "../../src/server";
import { silentLogger } from "../../src/util/log";

const USERS = 100;
const ROOMS = 100;
const MEMBERS = 10;
const EVENTS = Number(process.env.HEARTH_BENCH_EVENTS ?? 100_000);

const dir = mkdtempSync(join(tmpdir(), "hearth-bench-"));
const config = parseConfig({
  server_name: "bench.test",
  public_base_url: "http://127.0.0.1:1",
  data_dir: dir,
  rate_limits: { enabled: false },
  logging: { access_log: false, level: "error" },
});
const server = createServer(config, { dataDir: dir, dbPath: join(dir, "bench.db"), logger: silentLogger });
const { rooms, roomHistory } = server.services;
const users = Array.from({ length: USERS }, (_, i) => ({ userId: `@u${i}:bench.test`, deviceId: `D${i}` }));
const roomIds: string[] = [];
const membersOf: (typeof users)[] = [];
for (let r = 0; r < ROOMS; r++) {
  const creator = users[r % USERS]!;
  const { room_id } = rooms.createRoom(creator.userId, { preset: "public_chat" });
  const members = [creator];
  for (let m = 1; m < MEMBERS; m++) {
    const u = users[(r + m * 7) % USERS]!;
    if (members.includes(u)) continue;
    rooms.membership.join(room_id, u.userId);
    members.push(u);
  }
  roomIds.push(room_id);
  membersOf.push(members);
}
Bun.gc(true);
const baselineMiB = process.memoryUsage().rss / 2 ** 20;
const started = performance.now();
for (let i = 0; i < EVENTS; i++) {
  const r = i % ROOMS;
  const sender = membersOf[r]![Math.floor(i / ROOMS) % membersOf[r]!.length]!;
  rooms.send(sender, roomIds[r]!, "m.room.message", { msgtype: "m.text", body: `message ${i} in a room` }, `m${i}`);
}
const writeSeconds = (performance.now() - started) / 1000;
// Some reads, as a live server would serve.
for (let r = 0; r < ROOMS; r++) roomHistory.messages(membersOf[r]![0]!, roomIds[r]!, { dir: "b", limit: 50 });
Bun.gc(true);
await Bun.sleep(50);
Bun.gc(true);
const rssMiB = process.memoryUsage().rss / 2 ** 20;
const heapMiB = process.memoryUsage().heapUsed / 2 ** 20;
await server.stop();
rmSync(dir, { recursive: true, force: true });
console.log(JSON.stringify({ rssMiB, heapMiB, baselineMiB, events: EVENTS, writeSeconds }));
