/**
 * Server-side search figures: what indexing costs per message (time, bytes on disk; sends only
 * schedule it, batches of events are indexed after them) and how long POST /search takes on 100,000 messages, for a user in 10 rooms
 * and a user in all 100, with a rare, a medium and a common word (messages are sentences drawn from a
 * 2,000-word vocabulary with Zipf frequencies, as in real chat), ranked and newest first.
 * Measured on the real server (SQLite file, the search service as wired in src/server.ts).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { createServer } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import type { BenchResult } from "./types";

const GROUP = "Search";
const EVENTS = Number(process.env.HEARTH_BENCH_SEARCH_EVENTS ?? 100_000);
const USERS = 100;
const ROOMS = 100;
const MEMBERS = 10;
const VOCABULARY = 2_000;

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function vocabulary(rand: () => number): string[] {
  const syllables = ["ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "pe", "do", "gan", "tur", "bel", "sor", "fin"];
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    let w = "";
    const n = 2 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++) w += syllables[Math.floor(rand() * syllables.length)];
    words.add(w);
  }
  return [...words];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-search-"));
  const out: BenchResult[] = [];
  try {
    const config = parseConfig({
      server_name: "bench.test",
      public_base_url: "http://127.0.0.1:1",
      data_dir: dir,
      rate_limits: { enabled: false },
      logging: { access_log: false, level: "error" },
    });
    const server = createServer(config, { dataDir: dir, dbPath: join(dir, "bench.db"), logger: silentLogger });
    const { rooms, search } = server.services;
    const sqlite = server.db.sqlite;
    const rand = prng(42);
    const words = vocabulary(rand);
    // Zipf: the word of rank r is drawn with probability proportional to 1/r.
    const cumulative: number[] = [];
    let total = 0;
    for (let r = 1; r <= VOCABULARY; r++) {
      total += 1 / r;
      cumulative.push(total);
    }
    const word = () => {
      const x = rand() * total;
      let lo = 0;
      let hi = VOCABULARY - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cumulative[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return words[lo]!;
    };
    const sentence = () => Array.from({ length: 5 + Math.floor(rand() * 11) }, word).join(" ");

    const users = Array.from({ length: USERS }, (_, i) => ({ userId: `@u${i}:bench.test`, deviceId: `D${i}` }));
    const watcher = { userId: "@watcher:bench.test", deviceId: "W" };
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
      rooms.membership.join(room_id, watcher.userId);
      roomIds.push(room_id);
      membersOf.push(members);
    }

    // Sends only schedule indexing; it runs in batches after them (here: all at once, as for a backlog).
    const sendStart = performance.now();
    for (let i = 0; i < EVENTS; i++) {
      const r = i % ROOMS;
      const sender = membersOf[r]![Math.floor(i / ROOMS) % membersOf[r]!.length]!;
      rooms.send(sender, roomIds[r]!, "m.room.message", { msgtype: "m.text", body: sentence() }, `m${i}`);
    }
    const sendMs = performance.now() - sendStart;
    const indexStart = performance.now();
    while (search.indexPending(10_000) > 0) {}
    const indexMs = performance.now() - indexStart;
    const allEvents = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM events").get()!.n;
    out.push({
      group: GROUP,
      name: "indexing, per message",
      value: (indexMs * 1000) / EVENTS,
      unit: "µs",
      note: `${EVENTS.toLocaleString("en-US")} messages of 5–15 words (${allEvents.toLocaleString("en-US")} events with state) in transactions of 500, after the sends (${Math.round((EVENTS * 1000) / sendMs).toLocaleString("en-US")} sends/s); ${Math.round((EVENTS * 1000) / indexMs).toLocaleString("en-US")} messages/s`,
    });

    server.db.checkpoint();
    const pages = (like: string) =>
      sqlite.query<{ b: number | null }, [string]>("SELECT sum(pgsize) AS b FROM dbstat WHERE name LIKE ?").get(like)!
        .b ?? 0;
    const indexBytes = pages("search%");
    const allBytes = pages("%");
    out.push({
      group: GROUP,
      name: "index size per message",
      value: indexBytes / EVENTS,
      unit: "bytes",
      note: `search_docs + FTS5 index: ${(indexBytes / 2 ** 20).toFixed(1)} MiB of ${(allBytes / 2 ** 20).toFixed(1)} MiB in all (${Math.round(allBytes / EVENTS).toLocaleString("en-US")} bytes per message)`,
    });

    // Queries: medians of 15 after 3 warm-up runs.
    const frequency = (w: string) =>
      sqlite
        .query<{ n: number }, [string]>("SELECT count(*) AS n FROM search_fts WHERE search_fts MATCH ?")
        .get(`"${w}"`)!.n;
    const terms: [string, string][] = [
      ["rare word", words[1_500]!],
      ["medium word", words[60]!],
      ["common word", words[0]!],
      ["two words", `${words[3]!} ${words[8]!}`],
    ];
    const inTen = users[0]!;
    const tenRooms = rooms.joinedRooms(inTen.userId).length;
    for (const [label, term] of terms) {
      const hits = term.includes(" ") ? null : frequency(term);
      for (const [who, viewer] of [
        [`user in ${tenRooms} rooms`, inTen],
        [`user in all ${ROOMS} rooms`, watcher],
      ] as const) {
        for (const orderBy of ["rank", "recent"] as const) {
          const criteria = { searchTerm: term, orderBy, includeState: false, groupBy: [] };
          const times: number[] = [];
          let count = 0;
          for (let i = 0; i < 18; i++) {
            const t = performance.now();
            count = search.searchRoomEvents(viewer, criteria).count;
            if (i >= 3) times.push(performance.now() - t);
          }
          out.push({
            group: GROUP,
            name: `POST /search, ${label}, ${who}, order_by ${orderBy}`,
            value: median(times),
            unit: "ms",
            note: `${count.toLocaleString("en-US")} matches in the user's rooms${hits !== null ? ` (${hits.toLocaleString("en-US")} in all)` : ""}; first page of 10`,
          });
        }
      }
    }
    await server.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}
