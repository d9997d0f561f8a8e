/**
 * End-to-end encryption in /sync (client-server API, "Extensions to /sync" of send-to-device and
 * end-to-end encryption): `to_device` (the device's inbox; what the since token covers is
 * acknowledged and deleted), `device_lists` (incremental syncs), `device_one_time_keys_count` and
 * `device_unused_fallback_key_types`. The e2ee service does the work; this provider asks it only
 * for what may have changed: an inbox is read only when the to-device stream moved past the token,
 * device lists only when their stream did, and a token is acknowledged once per device.
 */
import type { E2eeService } from "../../e2ee/e2ee-service";
import type { StreamProvider } from "./types";

/** Most to-device messages in one response; the rest come with the next sync. */
const TO_DEVICE_LIMIT = 100;
const ACKED_DEVICES = 10_000;

export type E2eeSyncPort = Pick<
  E2eeService,
  | "currentPositions"
  | "ackToDevice"
  | "pendingToDevice"
  | "deviceListChanges"
  | "oneTimeKeyCounts"
  | "unusedFallbackKeyTypes"
>;

export function createE2eeProvider(e2ee: E2eeSyncPort): StreamProvider {
  /** device -> the to-device position last acknowledged (a repeated ack would only repeat a delete). */
  const acked = new Map<string, number>();
  return {
    name: "e2ee",
    positions: () => e2ee.currentPositions(),
    sync(pass) {
      const { userId, deviceId, since } = pass.req;
      const key = `${userId}|${deviceId}`;
      if (since && since.toDevice > (acked.get(key) ?? -1)) {
        e2ee.ackToDevice(userId, deviceId, since.toDevice);
        acked.delete(key);
        if (acked.size >= ACKED_DEVICES) acked.delete(acked.keys().next().value!);
        acked.set(key, since.toDevice);
      }
      const from = since?.toDevice ?? 0;
      if (from < pass.to.toDevice) {
        const pending = e2ee.pendingToDevice(userId, deviceId, from, TO_DEVICE_LIMIT);
        pass.response.to_device = { events: pending.events as unknown as Record<string, unknown>[] };
        pass.next.toDevice = Math.min(pass.to.toDevice, pending.nextPos);
      } else {
        pass.response.to_device = { events: [] };
        pass.next.toDevice = Math.max(pass.to.toDevice, from);
      }
      if (since) {
        const changes =
          since.deviceLists < pass.to.deviceLists
            ? e2ee.deviceListChanges(userId, since.deviceLists, pass.to.deviceLists)
            : { changed: [], left: [] };
        pass.response.device_lists = { changed: [...changes.changed], left: [...changes.left] };
        pass.next.deviceLists = Math.max(pass.to.deviceLists, since.deviceLists);
      }
      pass.response.device_one_time_keys_count = e2ee.oneTimeKeyCounts(userId, deviceId);
      pass.response.device_unused_fallback_key_types = e2ee.unusedFallbackKeyTypes(userId, deviceId);
    },
  };
}
