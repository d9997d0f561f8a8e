/**
 * Redaction pruning: once a redaction is older than the retention (`rooms.redaction_retention_ms`),
 * the redacted event's stored JSON is replaced by its redacted form (core `redactEvent` with the
 * room version's algorithm), so the removed content is gone from the database, not only hidden.
 * The pruned PDU keeps its hashes and signatures: signatures cover the redacted form and the event ID
 * (reference hash) is computed from it, so the event stays valid for federation, where servers
 * receiving it see the content hash mismatch and treat it as redacted, as for any redacted event.
 */
import { redactEvent } from "../../core/events";
import type { Db } from "../../storage/db";
import type { EventRepo } from "../../storage/repos/events";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import type { EventStore } from "./event-store";

const BATCH = 500;

export interface RedactionPrunerDeps {
  db: Db;
  events: EventRepo;
  rooms: RoomRepo;
  store: EventStore;
  clock: Clock;
  logger: Logger;
  retentionMs: number;
  /** How often the background task runs (default 10 minutes). */
  intervalMs?: number;
}

export interface RedactionPruner {
  /** Prunes every redacted event whose redaction is past the retention; returns how many. */
  runOnce(): number;
  /** Starts the periodic task (idempotent). */
  start(): void;
  stop(): void;
}

export function createRedactionPruner(deps: RedactionPrunerDeps): RedactionPruner {
  let timer: ReturnType<typeof setInterval> | null = null;

  const runOnce = (): number => {
    const now = deps.clock.now();
    const before = now - deps.retentionMs;
    let total = 0;
    for (;;) {
      const batch = deps.events.prunable(before, BATCH);
      if (batch.length === 0) break;
      deps.db.tx(() => {
        for (const row of batch) {
          const room = deps.rooms.byNid(row.roomNid);
          const pdu = JSON.parse(row.json) as object;
          const redacted = room ? redactEvent(pdu, deps.store.rulesOf(room).redaction) : pdu;
          deps.events.pruneJson(row.eventNid, JSON.stringify(redacted), now);
          deps.store.invalidate(row.eventNid);
        }
      });
      total += batch.length;
      if (batch.length < BATCH) break;
    }
    return total;
  };

  return {
    runOnce,
    start() {
      if (timer) return;
      timer = setInterval(
        () => {
          try {
            const n = runOnce();
            if (n > 0) deps.logger.info("pruned redacted events", { count: n });
          } catch (err) {
            deps.logger.error("redaction pruning failed", { error: err instanceof Error ? err.message : String(err) });
          }
        },
        deps.intervalMs ?? 10 * 60_000,
      );
      // Never keep the process alive for this.
      (timer as { unref?: () => void }).unref?.();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
