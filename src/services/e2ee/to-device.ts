/**
 * Send-to-device messaging (client-server API, "Send-to-Device messaging"). Each message for a
 * local device goes into that device's inbox with a position on the to_device stream; /sync hands
 * them out in order and deletes them once the client's next sync acknowledges them. An inbox holds
 * at most `inboxLimit` messages: when a device never syncs, its oldest messages are dropped (and
 * logged). Messages for users on other servers need federation, which this server does not have
 * yet: they are dropped with a warning.
 */
import { MatrixError } from "../../core/errors";
import { parseDeviceId } from "../../core/ids/device-id";
import { parseUserId, userServerName } from "../../core/ids/user-id";
import type { Db } from "../../storage/db";
import type { E2eeStreamRepo } from "../../storage/repos/e2ee-streams";
import type { ToDeviceRepo } from "../../storage/repos/to-device";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { isObject, type JsonObject } from "./key-objects";

export interface ToDeviceEvent {
  sender: string;
  type: string;
  content: JsonObject;
}

export interface PendingToDevice {
  events: ToDeviceEvent[];
  /** The to_device position to put in the next sync token. */
  nextPos: number;
}

export interface ToDeviceService {
  /** PUT /sendToDevice: `messages` maps user ID → device ID (or `*`) → content. Idempotent per sending device and txnId. */
  send(
    sender: { userId: string; deviceId: string },
    type: string,
    txnId: string,
    messages: Record<string, Record<string, unknown>>,
  ): void;
  /**
   * Messages for the device after `sincePos` (and at or before `upToPos` when given), oldest first,
   * at most `limit`.
   */
  pending(userId: string, deviceId: string, sincePos: number, limit: number, upToPos?: number): PendingToDevice;
  /** Deletes the device's messages at or before `upToPos` (the client has them). */
  ack(userId: string, deviceId: string, upToPos: number): number;
  head(): number;
}

export interface ToDeviceDeps {
  db: Db;
  serverName: string;
  repo: ToDeviceRepo;
  streams: E2eeStreamRepo;
  /** The user's device IDs (local users). */
  deviceIdsOf(userId: string): string[];
  clock: Clock;
  logger: Logger;
  /** Most messages kept per device. */
  inboxLimit: number;
  /** How long a transaction ID is remembered. */
  txnRetentionMs: number;
  wake(userIds: string[]): void;
}

export function createToDeviceService(deps: ToDeviceDeps): ToDeviceService {
  const { db, repo } = deps;

  return {
    send(sender, type, txnId, messages) {
      // Everything is checked before anything is stored.
      const local: { userId: string; byDevice: Map<string, string> }[] = [];
      const remote = new Map<string, number>();
      for (const [userId, byDevice] of Object.entries(messages)) {
        const id = parseUserId(userId);
        if (id === null)
          throw MatrixError.invalidParam(`messages: ${JSON.stringify(userId.slice(0, 300))} is not a user ID`);
        if (!isObject(byDevice)) throw MatrixError.badJson(`messages.${userId} must be an object`);
        const contents = new Map<string, string>();
        for (const [deviceId, content] of Object.entries(byDevice)) {
          if (deviceId !== "*" && parseDeviceId(deviceId) === null) {
            throw MatrixError.invalidParam(
              `messages.${userId}: ${JSON.stringify(deviceId.slice(0, 300))} is not a device ID`,
            );
          }
          if (!isObject(content)) throw MatrixError.badJson(`messages.${userId}.${deviceId} must be an object`);
          // Not signed, so not canonical: stored as sent.
          contents.set(deviceId, JSON.stringify(content));
        }
        const server = userServerName(id);
        if (server !== deps.serverName) remote.set(server, (remote.get(server) ?? 0) + contents.size);
        else local.push({ userId, byDevice: contents });
      }

      const woken = new Set<string>();
      const dropped: { userId: string; deviceId: string; count: number }[] = [];
      db.tx(() => {
        const now = deps.clock.now();
        repo.deleteTxnsBefore(now - deps.txnRetentionMs);
        if (repo.insertTxn(sender.userId, sender.deviceId, txnId, now) === "exists") return;
        for (const { userId, byDevice } of local) {
          const devices = deps.deviceIdsOf(userId);
          const known = new Set(devices);
          // One message per device: an explicit device ID wins over `*` for that device.
          const targets = new Map<string, string>();
          const all = byDevice.get("*");
          if (all !== undefined) for (const d of devices) targets.set(d, all);
          for (const [d, content] of byDevice) if (d !== "*" && known.has(d)) targets.set(d, content);
          if (targets.size === 0) continue;
          let pos = deps.streams.allocate("to_device", targets.size);
          for (const [deviceId, content] of targets) {
            repo.insert({ pos: pos++, userId, deviceId, sender: sender.userId, type, content });
            const over = repo.count(userId, deviceId) - deps.inboxLimit;
            if (over > 0) dropped.push({ userId, deviceId, count: repo.deleteOldest(userId, deviceId, over).length });
          }
          woken.add(userId);
        }
      });
      for (const d of dropped) {
        deps.logger.warn("to-device inbox full: dropped the oldest messages of a device that does not sync", {
          user: d.userId,
          device: d.deviceId,
          dropped: d.count,
          limit: deps.inboxLimit,
        });
      }
      if (remote.size > 0) {
        deps.logger.warn("to-device messages for users on other servers dropped: federation is not available yet", {
          sender: sender.userId,
          type,
          servers: [...remote.keys()],
          messages: [...remote.values()].reduce((a, b) => a + b, 0),
        });
      }
      if (woken.size > 0) deps.wake([...woken]);
    },

    pending(userId, deviceId, sincePos, limit, upToPos) {
      const lim = Math.max(1, Math.floor(limit));
      const head = Math.min(deps.streams.head("to_device"), upToPos ?? Number.MAX_SAFE_INTEGER);
      const rows = repo.selectAfter(userId, deviceId, sincePos, lim).filter((r) => r.pos <= head);
      const events = rows.map((r) => ({
        sender: r.sender,
        type: r.type,
        content: JSON.parse(r.content) as JsonObject,
      }));
      // A full page may have more behind it: resume after its last message. Otherwise everything
      // up to the head has been seen.
      const last = rows.at(-1);
      const nextPos = rows.length === lim && last ? last.pos : Math.max(sincePos, head);
      return { events, nextPos };
    },

    ack: (userId, deviceId, upToPos) => repo.deleteUpTo(userId, deviceId, upToPos),
    head: () => deps.streams.head("to_device"),
  };
}
