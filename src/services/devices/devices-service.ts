/** A user's devices (client-server API, "Device management"). Deleting a device deletes its tokens. */
import { MatrixError } from "../../core/errors";
import type { Db } from "../../storage/db";
import type { DeviceRecord, DeviceRepo } from "../../storage/repos/devices";
import type { AccountEvents } from "../accounts/account-events";

export type Device = DeviceRecord;

export interface DevicesService {
  listDevices(userId: string): Device[];
  /** Throws 404 M_NOT_FOUND when the user has no such device. */
  getDevice(userId: string, deviceId: string): Device;
  /** Changes the display name (undefined: unchanged). Throws 404 M_NOT_FOUND for an unknown device. */
  updateDevice(userId: string, deviceId: string, displayName: string | null | undefined): void;
  /** Deletes the devices (unknown IDs are ignored, as the spec allows); returns the IDs deleted. */
  deleteDevices(userId: string, deviceIds: readonly string[], alsoInTransaction?: () => void): string[];
}

/** Longest device display name accepted (bytes are not the concern here: characters are). */
export const MAX_DEVICE_NAME_LENGTH = 512;

export function createDevicesService(deps: { db: Db; devices: DeviceRepo; events: AccountEvents }): DevicesService {
  return {
    listDevices: (userId) => deps.devices.listByUser(userId),
    getDevice(userId, deviceId) {
      const d = deps.devices.select(userId, deviceId);
      if (!d) throw MatrixError.notFound("No such device");
      return d;
    },
    updateDevice(userId, deviceId, displayName) {
      if (typeof displayName === "string" && displayName.length > MAX_DEVICE_NAME_LENGTH) {
        throw MatrixError.invalidParam(`display_name must be at most ${MAX_DEVICE_NAME_LENGTH} characters`);
      }
      if (!deps.devices.select(userId, deviceId)) throw MatrixError.notFound("No such device");
      if (displayName === undefined) return;
      deps.devices.updateDisplayName(userId, deviceId, displayName);
      deps.events.emit("deviceUpdated", { userId, deviceId });
    },
    deleteDevices(userId, deviceIds, alsoInTransaction) {
      const deleted = deps.db.tx(() => {
        const out = [...new Set(deviceIds)].filter((id) => deps.devices.delete(userId, id));
        alsoInTransaction?.();
        return out;
      });
      if (deleted.length > 0) deps.events.emit("devicesDeleted", { userId, deviceIds: deleted });
      return deleted;
    },
  };
}
