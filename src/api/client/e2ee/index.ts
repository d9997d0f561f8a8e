/** Every end-to-end encryption route: keys, cross-signing, send-to-device, key backup, dehydrated devices. */
import type { ApiApp } from "../../endpoint";
import { registerCrossSigningRoutes } from "./cross-signing";
import { registerDehydratedDeviceRoutes } from "./dehydrated-devices";
import { registerKeyBackupRoutes } from "./key-backup";
import { registerKeysRoutes } from "./keys";
import { registerToDeviceRoutes } from "./to-device";

export function registerE2eeRoutes(app: ApiApp): void {
  registerKeysRoutes(app);
  registerCrossSigningRoutes(app);
  registerToDeviceRoutes(app);
  registerKeyBackupRoutes(app);
  registerDehydratedDeviceRoutes(app);
}
