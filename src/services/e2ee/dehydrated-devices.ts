/**
 * Dehydrated devices (MSC3814, unstable prefix `org.matrix.msc3814.v1`, as Element uses it): a
 * user keeps one device without access tokens on the server. Other users' clients send it room keys
 * like to any device; when the user logs in somewhere new, the client downloads the device's
 * encrypted state (`device_data`, which the server cannot read), rehydrates it and reads those
 * messages. Uploading a new dehydrated device replaces (deletes) the previous one.
 */
import { MatrixError } from "../../core/errors";
import { parseDeviceId } from "../../core/ids/device-id";
import type { Db } from "../../storage/db";
import type { DeviceRepo } from "../../storage/repos/devices";
import type { DehydratedDeviceRepo } from "../../storage/repos/e2ee-dehydrated-devices";
import type { Clock } from "../../util/clock";
import { randomUpper } from "../../util/random";
import type { AccountEvents } from "../accounts/account-events";
import type { DeviceKeysService, UploadKeysRequest } from "./device-keys";
import type { JsonObject } from "./key-objects";
import type { ToDeviceEvent, ToDeviceService } from "./to-device";

export interface PutDehydratedDeviceRequest extends UploadKeysRequest {
  device_id?: string | undefined;
  device_data: JsonObject;
  initial_device_display_name?: string | undefined;
}

export interface DehydratedDeviceService {
  /** Stores a new dehydrated device (with its keys), replacing the user's previous one. */
  put(userId: string, req: PutDehydratedDeviceRequest): { device_id: string };
  /** 404 M_NOT_FOUND when the user has none. */
  get(userId: string): { device_id: string; device_data: JsonObject };
  /** Deletes it (its keys and waiting messages go with it); 404 M_NOT_FOUND when there is none. */
  delete(userId: string): { device_id: string };
  /**
   * The to-device messages of the user's dehydrated device after `from` (a `next_batch` from an
   * earlier call); the ones at or before `from` are deleted. `next_batch` is absent once there are
   * no more.
   */
  events(userId: string, deviceId: string, from: string | undefined): { events: ToDeviceEvent[]; next_batch?: string };
}

export interface DehydratedDeviceDeps {
  db: Db;
  repo: DehydratedDeviceRepo;
  devices: DeviceRepo;
  keys: DeviceKeysService;
  toDevice: ToDeviceService;
  accountEvents: AccountEvents;
  clock: Clock;
}

/** Messages per page of GET .../events (as for /sync, the spec's recommended 100). */
export const DEHYDRATED_EVENTS_LIMIT = 100;

const notFound = () => MatrixError.notFound("No dehydrated device");

export function createDehydratedDeviceService(deps: DehydratedDeviceDeps): DehydratedDeviceService {
  const { db, repo, devices } = deps;

  return {
    put(userId, req) {
      const deviceId = req.device_id ?? randomUpper(10);
      if (parseDeviceId(deviceId) === null) throw MatrixError.invalidParam("device_id is not a valid device ID");
      const now = deps.clock.now();
      let replaced: string | null = null;
      db.tx(() => {
        const current = repo.select(userId);
        if (devices.select(userId, deviceId) && current?.deviceId !== deviceId) {
          throw MatrixError.invalidParam("device_id is one of your devices");
        }
        if (current) {
          devices.delete(userId, current.deviceId); // its keys, inbox and record go with it
          replaced = current.deviceId;
        }
        devices.insert({ userId, deviceId, displayName: req.initial_device_display_name ?? null, createdAt: now });
        repo.upsert({ userId, deviceId, deviceData: JSON.stringify(req.device_data) }, now);
        deps.keys.uploadKeys(
          { userId, deviceId },
          { device_keys: req.device_keys, one_time_keys: req.one_time_keys, fallback_keys: req.fallback_keys },
        );
      });
      if (replaced !== null) deps.accountEvents.emit("devicesDeleted", { userId, deviceIds: [replaced] });
      deps.accountEvents.emit("deviceCreated", { userId, deviceId });
      return { device_id: deviceId };
    },

    get(userId) {
      const d = repo.select(userId);
      if (!d) throw notFound();
      return { device_id: d.deviceId, device_data: JSON.parse(d.deviceData) as JsonObject };
    },

    delete(userId) {
      const deviceId = db.tx(() => {
        const d = repo.select(userId);
        if (!d) throw notFound();
        devices.delete(userId, d.deviceId);
        return d.deviceId;
      });
      deps.accountEvents.emit("devicesDeleted", { userId, deviceIds: [deviceId] });
      return { device_id: deviceId };
    },

    events(userId, deviceId, from) {
      const d = repo.select(userId);
      if (!d || d.deviceId !== deviceId) throw MatrixError.forbidden("This is not your dehydrated device");
      let since = 0;
      if (from !== undefined) {
        if (!/^[0-9]{1,15}$/.test(from)) throw MatrixError.invalidParam("Invalid next_batch");
        since = Number(from);
        deps.toDevice.ack(userId, deviceId, since);
      }
      const page = deps.toDevice.pending(userId, deviceId, since, DEHYDRATED_EVENTS_LIMIT);
      return page.events.length > 0 ? { events: page.events, next_batch: String(page.nextPos) } : { events: [] };
    },
  };
}
