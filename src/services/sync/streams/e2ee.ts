/**
 * End-to-end encryption in /sync (client-server API, "Extensions to /sync" of send-to-device and
 * end-to-end encryption): `to_device` (the device's inbox; what the since token covers is
 * acknowledged and deleted), `device_lists` (incremental syncs), `device_one_time_keys_count` and
 * `device_unused_fallback_key_types`. The e2ee service does the work; this adapts it to a provider.
 */
import type { E2eeService } from "../../e2ee/e2ee-service";
import type { StreamProvider } from "./types";

/** Most to-device messages in one response; the rest come with the next sync. */
const TO_DEVICE_LIMIT = 100;

export function createE2eeProvider(e2ee: Pick<E2eeService, "syncSection" | "currentPositions">): StreamProvider {
  return {
    name: "e2ee",
    positions: () => e2ee.currentPositions(),
    sync(pass) {
      const { req } = pass;
      const since = req.since ? { toDevice: req.since.toDevice, deviceLists: req.since.deviceLists } : null;
      const section = e2ee.syncSection({
        userId: req.userId,
        deviceId: req.deviceId,
        since,
        toDeviceLimit: TO_DEVICE_LIMIT,
      });
      pass.response.to_device = { events: section.toDevice as unknown as Record<string, unknown>[] };
      if (section.deviceLists) {
        pass.response.device_lists = { changed: [...section.deviceLists.changed], left: [...section.deviceLists.left] };
      }
      pass.response.device_one_time_keys_count = section.oneTimeKeysCount;
      pass.response.device_unused_fallback_key_types = section.unusedFallbackKeyTypes;
      pass.next.toDevice = Math.min(pass.to.toDevice, section.next.toDevice);
      pass.next.deviceLists = Math.min(pass.to.deviceLists, section.next.deviceLists);
    },
  };
}
