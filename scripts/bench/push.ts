/**
 * Push rule figures: evaluations per second of the default ruleset (core, no I/O), and the cost of
 * push processing per message in rooms of 100 and 1,000 local members: evaluating every member's
 * (cached) ruleset and storing the notifications, measured on the real rooms and push services over
 * a SQLite file. The events are sent first with push processing detached, then processed one by one
 * under the clock, so the figure is the push work alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../src/config/load";
import { defaultPushRules, evaluatePushRules, type PushContext } from "../../src/core/push";
import { createAccountServices } from "../../src/services/accounts/create-account-services";
import { createPushServices } from "../../src/services/push/create-push-services";
import { createRateLimiter } from "../../src/services/ratelimit/rate-limiter";
import { createRoomServices } from "../../src/services/rooms/create-room-services";
import type { PersistedEvent } from "../../src/services/rooms/write/room-writer";
import { openDb } from "../../src/storage/db";
import { migrate } from "../../src/storage/migrate";
import { loadOrCreateSigningKey } from "../../src/storage/signing-key-file";
import { systemClock } from "../../src/util/clock";
import { silentLogger } from "../../src/util/log";
import type { BenchResult } from "./types";

const GROUP = "Push";

function rate(fn: () => void, ms = 1500): number {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 64; i++) fn();
    n += 64;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

function evaluationRates(): BenchResult[] {
  const me = "@alice:bench.test";
  const rules = defaultPushRules(me);
  const ctx: PushContext = {
    userId: me,
    displayName: "Alice Liddell",
    memberCount: 100,
    senderPowerLevel: 0,
    notificationPowerLevel: () => 50,
  };
  const base = { type: "m.room.message", sender: "@bob:bench.test", room_id: "!room:bench.test" };
  const plain = { ...base, content: { msgtype: "m.text", body: "Shall we have lunch at the usual place today?" } };
  const mention = { ...base, content: { msgtype: "m.text", body: "x", "m.mentions": { user_ids: [me] } } };
  const byName = { ...base, content: { msgtype: "m.text", body: "what do you think, alice liddell?" } };
  return [
    ["plain message (falls through to .m.rule.message)", plain],
    ["m.mentions mention (.m.rule.is_user_mention)", mention],
    ["display name in the body (.m.rule.contains_display_name)", byName],
  ].map(([label, ev]) => ({
    group: GROUP,
    name: `push rule evaluations/s, default ruleset, ${label}`,
    value: rate(() => evaluatePushRules(rules, ev as Record<string, unknown>, ctx)),
    unit: "evals/s",
  }));
}

async function perMessage(members: number, messages: number): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), "hearth-bench-push-"));
  try {
    const config = parseConfig({
      server_name: "bench.test",
      public_base_url: "http://127.0.0.1:1",
      data_dir: dir,
      logging: { access_log: false, level: "error" },
    });
    const db = openDb(join(dir, "bench.db"));
    migrate(db);
    const clock = systemClock;
    const logger = silentLogger;
    const account = createAccountServices({
      db,
      config,
      clock,
      logger,
      rateLimiter: createRateLimiter({ enabled: false, perMinute: { login: 1, register: 1 } }, clock),
    });
    const rooms = createRoomServices({
      db,
      config,
      clock,
      logger,
      signingKey: loadOrCreateSigningKey(join(dir, "signing.key")).key,
      profileOf: () => ({}),
    });
    const push = createPushServices({
      db,
      config,
      clock,
      logger,
      accountData: account.services.accountData,
      accountEvents: account.services.accountEvents,
      rooms: rooms.rooms,
      roomInternals: rooms.internals,
      userAgent: "bench",
    });
    const users = Array.from({ length: members }, (_, i) => `@u${i}:bench.test`);
    const { room_id } = rooms.rooms.createRoom(users[0]!, { preset: "public_chat" } as never);
    db.tx(() => {
      for (const u of users.slice(1)) rooms.rooms.membership.join(room_id, u);
    });
    const captured: PersistedEvent[] = [];
    rooms.onPersisted((e) => {
      if (e.event.type === "m.room.message") captured.push(e);
    });
    const send = (i: number) =>
      rooms.rooms.send(
        { userId: users[i % members]!, deviceId: "D" },
        room_id,
        "m.room.message",
        {
          msgtype: "m.text",
          body: `message ${i} for everyone`,
        },
        `t${i}`,
      );
    // Warm-up: caches (rulesets, state, statements), then the measured run.
    for (let i = 0; i < 20; i++) send(i);
    for (const e of captured.splice(0)) push.onPersisted(e);
    for (let i = 20; i < 20 + messages; i++) send(i);
    const started = performance.now();
    for (const e of captured) push.onPersisted(e);
    const ms = (performance.now() - started) / captured.length;
    const stored = push.services.notifications.list({ userId: users[1]!, deviceId: "D" }, { limit: 1 });
    if (stored.notifications.length !== 1) throw new Error("push processing stored nothing");
    db.close();
    return [
      {
        group: GROUP,
        name: `push processing per message, room of ${members.toLocaleString("en-US")} local members`,
        value: ms,
        unit: "ms",
        note: `each message: ${members - 1} rulesets evaluated and ${members - 1} notifications stored (SQLite file, WAL), ${Math.round((members - 1) / (ms / 1000)).toLocaleString("en-US")} members/s; mean of ${captured.length} messages`,
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  return [...evaluationRates(), ...(await perMessage(100, 300)), ...(await perMessage(1000, 100))];
}

if (import.meta.main) console.log(await run());
