/** The e2ee service on a fresh migrated in-memory database, with users and devices made directly. */
import { createAccountEvents } from "../../../src/services/accounts/account-events";
import { createE2eeService, type E2eeService } from "../../../src/services/e2ee/e2ee-service";
import type { UiaService } from "../../../src/services/uia/uia-service";
import { type Db, openDb } from "../../../src/storage/db";
import { migrate } from "../../../src/storage/migrate";
import { manualClock } from "../../../src/util/clock";
import type { Logger } from "../../../src/util/log";

export interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

export function recordingLogger(lines: LogLine[]): Logger {
  const log =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, msg, fields });
  const logger: Logger = {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: () => logger,
  };
  return logger;
}

export const refuseUia: UiaService = {
  authenticate: () => Promise.reject(new Error("no UIA in this test")),
  finish() {},
};

export interface Harness {
  db: Db;
  e2ee: E2eeService;
  logs: LogLine[];
  woken: string[][];
  clock: ReturnType<typeof manualClock>;
  addDevice(userId: string, deviceId: string): void;
}

export function harness(opts: { inboxLimit?: number; serverName?: string } = {}): Harness {
  const db = openDb(":memory:");
  migrate(db);
  const logs: LogLine[] = [];
  const clock = manualClock();
  const e2ee = createE2eeService({
    db,
    serverName: opts.serverName ?? "hs1.test",
    clock,
    logger: recordingLogger(logs),
    uia: refuseUia,
    accountEvents: createAccountEvents(recordingLogger(logs)),
    toDeviceInboxLimit: opts.inboxLimit ?? 1000,
  });
  const woken: string[][] = [];
  e2ee.onWake((ids) => woken.push(ids));
  const users = new Set<string>();
  return {
    db,
    e2ee,
    logs,
    woken,
    clock,
    addDevice(userId, deviceId) {
      if (!users.has(userId)) {
        db.sqlite
          .query("INSERT INTO users (user_id, localpart, created_at) VALUES (?, ?, 0)")
          .run(userId, userId.slice(1, userId.indexOf(":")));
        users.add(userId);
      }
      db.sqlite.query("INSERT INTO devices (user_id, device_id, created_at) VALUES (?, ?, 0)").run(userId, deviceId);
    },
  };
}
