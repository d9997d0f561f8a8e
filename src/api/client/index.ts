import type { ApiApp } from "../endpoint";
import { registerAccountRoutes } from "./account";
import { registerAccountDataRoutes } from "./account-data";
import { registerDeviceRoutes } from "./devices";
import { registerFilterRoutes } from "./filters";
import { registerLoginRoutes } from "./login";
import { registerProfileRoutes } from "./profile";
import { registerRegistrationRoutes } from "./register";
import { registerCreateRoomRoutes } from "./rooms/create-room";
import { registerRoomEventRoutes } from "./rooms/events";
import { registerMembershipRoutes } from "./rooms/membership";
import { registerThreepidRoutes } from "./threepid";
import { registerVersionRoutes } from "./versions";

/** Every /_matrix/client route module, registered in one place. */
export function registerClientRoutes(app: ApiApp): void {
  registerVersionRoutes(app);
  registerRegistrationRoutes(app);
  registerLoginRoutes(app);
  registerAccountRoutes(app);
  registerDeviceRoutes(app);
  registerProfileRoutes(app);
  registerAccountDataRoutes(app);
  registerFilterRoutes(app);
  registerThreepidRoutes(app);
  registerCreateRoomRoutes(app);
  registerMembershipRoutes(app);
  registerRoomEventRoutes(app);
}
