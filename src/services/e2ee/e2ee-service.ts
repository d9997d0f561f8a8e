/**
 * End-to-end encryption on the server side: device keys, one-time and fallback keys, cross-signing,
 * send-to-device messages, the device-list stream and key backups. Built once by src/server.ts.
 *
 * For /sync (see `syncSection`, or the separate functions it is made of): to-device messages come
 * from per-device inboxes on the to_device stream; `device_lists` from the device_lists stream;
 * `device_one_time_keys_count` and `device_unused_fallback_key_types` are read live.
 */
import type { Db } from "../../storage/db";
import { createCrossSigningRepo } from "../../storage/repos/cross-signing";
import { createDeviceRepo } from "../../storage/repos/devices";
import { createDehydratedDeviceRepo } from "../../storage/repos/e2ee-dehydrated-devices";
import { createDeviceKeysRepo } from "../../storage/repos/e2ee-device-keys";
import { createDeviceListRepo } from "../../storage/repos/e2ee-device-lists";
import { createE2eeStreamRepo } from "../../storage/repos/e2ee-streams";
import { createKeyBackupRepo } from "../../storage/repos/key-backup";
import { createToDeviceRepo } from "../../storage/repos/to-device";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import type { AccountEvents } from "../accounts/account-events";
import type { UiaService } from "../uia/uia-service";
import { type CrossSigningService, createCrossSigningService } from "./cross-signing";
import { createDehydratedDeviceService, type DehydratedDeviceService } from "./dehydrated-devices";
import { createDeviceKeysService, type DeviceKeysService } from "./device-keys";
import { createDeviceListTracker, type DeviceListChanges, type DeviceListTracker } from "./device-lists";
import { createKeyBackupService, type KeyBackupService } from "./key-backup";
import { createToDeviceService, type PendingToDevice, type ToDeviceEvent, type ToDeviceService } from "./to-device";

/** Positions of the two e2ee streams, as carried in sync tokens (`toDevice`, `deviceLists`). */
export interface E2eePositions {
  toDevice: number;
  deviceLists: number;
}

export interface E2eeSyncRequest {
  userId: string;
  deviceId: string;
  /** The positions from the request's `since` token; null for an initial sync. */
  since: E2eePositions | null;
  /** Most to-device messages in one response (spec: 100 is a reasonable limit). Default 100. */
  toDeviceLimit?: number;
  /**
   * The positions the response's token will carry (read with `currentPositions()` when the sync
   * pass began). Nothing after them is returned, so a message that arrives meanwhile is not handed
   * out twice. Default: the heads now.
   */
  upTo?: E2eePositions;
}

export interface E2eeSyncSection {
  /** `to_device.events` */
  toDevice: ToDeviceEvent[];
  /** `device_lists`; null on an initial sync (the spec fills it only for incremental ones). */
  deviceLists: DeviceListChanges | null;
  /** `device_one_time_keys_count` */
  oneTimeKeysCount: Record<string, number>;
  /** `device_unused_fallback_key_types` */
  unusedFallbackKeyTypes: string[];
  /** The positions for `next_batch` (toDevice stays behind the head while messages are waiting). */
  next: E2eePositions;
}

export interface E2eeService {
  readonly keys: DeviceKeysService;
  readonly crossSigning: CrossSigningService;
  readonly toDevice: ToDeviceService;
  readonly backup: KeyBackupService;
  readonly deviceLists: DeviceListTracker;
  /** Dehydrated devices (MSC3814). */
  readonly dehydrated: DehydratedDeviceService;

  /**
   * Everything /sync needs from this module for one device, in one call: acknowledges (deletes) the
   * to-device messages at or before `since.toDevice`, then reads what comes after.
   */
  syncSection(req: E2eeSyncRequest): E2eeSyncSection;
  pendingToDevice(userId: string, deviceId: string, sincePos: number, limit: number, upToPos?: number): PendingToDevice;
  ackToDevice(userId: string, deviceId: string, upToPos: number): void;
  deviceListChanges(userId: string, sincePos: number, toPos: number): DeviceListChanges;
  oneTimeKeyCounts(userId: string, deviceId: string): Record<string, number>;
  unusedFallbackKeyTypes(userId: string, deviceId: string): string[];
  /** Stream heads: what a sync token made now carries. */
  currentPositions(): E2eePositions;

  /**
   * For the rooms service: an m.room.member event for `userId` was stored in the room. The current
   * membership is read back; becoming joined or ceasing to be joined is what makes users start or
   * stop sharing rooms (other changes are ignored).
   */
  roomMembershipChanged(roomId: string, userId: string): void;
  /** Called (after commit) with the users whose sync has something new from this module. */
  onWake(listener: (userIds: string[]) => void): () => void;
}

export interface E2eeServiceDeps {
  db: Db;
  serverName: string;
  clock: Clock;
  logger: Logger;
  uia: UiaService;
  accountEvents: AccountEvents;
  /** Most to-device messages kept per device (config e2ee.to_device_inbox_limit). */
  toDeviceInboxLimit: number;
}

/** How long a send-to-device transaction ID is remembered (retries come within minutes). */
export const TO_DEVICE_TXN_RETENTION_MS = 24 * 60 * 60 * 1000;

export function createE2eeService(deps: E2eeServiceDeps): E2eeService {
  const { db, logger } = deps;
  const streams = createE2eeStreamRepo(db);
  const keysRepo = createDeviceKeysRepo(db);
  const crossSigningRepo = createCrossSigningRepo(db);
  const backupRepo = createKeyBackupRepo(db);
  const devices = createDeviceRepo(db);
  const deviceIdsOf = (userId: string) => devices.listByUser(userId).map((d) => d.deviceId);

  const listeners = new Set<(userIds: string[]) => void>();
  const wake = (userIds: string[]) => {
    if (userIds.length === 0) return;
    for (const l of listeners) {
      try {
        l(userIds);
      } catch (err) {
        logger.error("e2ee wake listener failed", { error: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  const deviceLists = createDeviceListTracker({ db, repo: createDeviceListRepo(db), streams, wake });
  const keys = createDeviceKeysService({
    db,
    serverName: deps.serverName,
    keys: keysRepo,
    crossSigning: crossSigningRepo,
    deviceLists,
    clock: deps.clock,
  });
  const crossSigning = createCrossSigningService({
    db,
    serverName: deps.serverName,
    repo: crossSigningRepo,
    deviceKeys: keysRepo,
    deviceIdsOf,
    uia: deps.uia,
    deviceLists,
    clock: deps.clock,
  });
  const toDevice = createToDeviceService({
    db,
    serverName: deps.serverName,
    repo: createToDeviceRepo(db),
    streams,
    deviceIdsOf,
    clock: deps.clock,
    logger,
    inboxLimit: deps.toDeviceInboxLimit,
    txnRetentionMs: TO_DEVICE_TXN_RETENTION_MS,
    wake,
  });
  const backup = createKeyBackupService({ db, repo: backupRepo, clock: deps.clock });
  const dehydrated = createDehydratedDeviceService({
    db,
    repo: createDehydratedDeviceRepo(db),
    devices,
    keys,
    toDevice,
    accountEvents: deps.accountEvents,
    clock: deps.clock,
  });

  // Device changes made by the accounts service. Keys, one-time keys and inboxes of a deleted
  // device go with it (foreign keys); signatures on it are deleted here.
  deps.accountEvents.on("deviceCreated", (e) => deviceLists.userChanged(e.userId));
  deps.accountEvents.on("deviceUpdated", (e) => deviceLists.userChanged(e.userId));
  deps.accountEvents.on("devicesDeleted", (e) => {
    db.tx(() => {
      crossSigningRepo.deleteSignaturesOn(e.userId, e.deviceIds);
      deviceLists.userChanged(e.userId);
    });
  });
  deps.accountEvents.on("userDeactivated", (e) => {
    db.tx(() => {
      crossSigningRepo.deleteKeys(e.userId);
      crossSigningRepo.deleteSignaturesOnUser(e.userId);
      backupRepo.deleteAllForUser(e.userId);
      deviceLists.userChanged(e.userId);
    });
  });

  const currentPositions = (): E2eePositions => ({ toDevice: toDevice.head(), deviceLists: deviceLists.head() });

  return {
    keys,
    crossSigning,
    toDevice,
    backup,
    deviceLists,
    dehydrated,

    syncSection({ userId, deviceId, since, toDeviceLimit = 100, upTo }) {
      if (since) toDevice.ack(userId, deviceId, since.toDevice);
      const heads = upTo ?? currentPositions();
      const pending = toDevice.pending(userId, deviceId, since?.toDevice ?? 0, toDeviceLimit, heads.toDevice);
      return {
        toDevice: pending.events,
        deviceLists: since ? deviceLists.changes(userId, since.deviceLists, heads.deviceLists) : null,
        oneTimeKeysCount: keys.oneTimeKeyCounts(userId, deviceId),
        unusedFallbackKeyTypes: keys.unusedFallbackKeyTypes(userId, deviceId),
        next: { toDevice: pending.nextPos, deviceLists: Math.max(heads.deviceLists, since?.deviceLists ?? 0) },
      };
    },
    pendingToDevice: (userId, deviceId, sincePos, limit, upToPos) =>
      toDevice.pending(userId, deviceId, sincePos, limit, upToPos),
    ackToDevice(userId, deviceId, upToPos) {
      toDevice.ack(userId, deviceId, upToPos);
    },
    deviceListChanges: (userId, sincePos, toPos) => deviceLists.changes(userId, sincePos, toPos),
    oneTimeKeyCounts: (userId, deviceId) => keys.oneTimeKeyCounts(userId, deviceId),
    unusedFallbackKeyTypes: (userId, deviceId) => keys.unusedFallbackKeyTypes(userId, deviceId),
    currentPositions,
    roomMembershipChanged(roomId, userId) {
      deviceLists.membershipChanged(roomId, userId);
    },
    onWake(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
