import type { ApiApp } from "../endpoint";
import { registerAccountRoutes } from "./account";
import { registerAccountDataRoutes } from "./account-data";
import { registerDeviceRoutes } from "./devices";
import { registerE2eeRoutes } from "./e2ee";
import { registerFilterRoutes } from "./filters";
import { registerLoginRoutes } from "./login";
import { registerNotificationRoutes } from "./notifications";
import { registerProfileRoutes } from "./profile";
import { registerPushRuleRoutes } from "./push-rules";
import { registerPusherRoutes } from "./pushers";
import { registerRegistrationRoutes } from "./register";
import { registerContextRoutes } from "./rooms/context";
import { registerCreateRoomRoutes } from "./rooms/create-room";
import { registerRoomEventRoutes } from "./rooms/events";
import { registerMembersRoutes } from "./rooms/members";
import { registerMembershipRoutes } from "./rooms/membership";
import { registerMessagesRoutes } from "./rooms/messages";
import { registerRelationsRoutes } from "./rooms/relations";
import { registerThreadsRoutes } from "./rooms/threads";
import { registerTimestampRoutes } from "./rooms/timestamp";
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
  registerE2eeRoutes(app);
  registerMessagesRoutes(app);
  registerContextRoutes(app);
  registerMembersRoutes(app);
  registerTimestampRoutes(app);
  registerRelationsRoutes(app);
  registerThreadsRoutes(app);
  registerPushRuleRoutes(app);
  registerPusherRoutes(app);
  registerNotificationRoutes(app);
}
