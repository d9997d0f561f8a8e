/** GET/PUT /presence/{userId}/status (client-server API, "Presence"; presence.yaml). */
import { z } from "zod";
import { zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zPresence = z.enum(["online", "offline", "unavailable"]);

// api/client-server/presence.yaml
export const setPresence = defineEndpoint({
  operationId: "setPresence",
  method: "PUT",
  path: "/_matrix/client/v3/presence/:userId/status",
  auth: "accessToken",
  params: z.object({ userId: zUserId }),
  body: z.object({ presence: zPresence, status_msg: z.string().max(4096).nullable().optional() }),
});
export const getPresence = defineEndpoint({
  operationId: "getPresence",
  method: "GET",
  path: "/_matrix/client/v3/presence/:userId/status",
  auth: "accessToken",
  params: z.object({ userId: zUserId }),
});

export function registerPresenceRoutes(app: ApiApp): void {
  route(app, setPresence, ({ params, body, user, services }) => {
    services.presence.setPresence(user.userId, params.userId, body.presence, body.status_msg);
    return {};
  });
  route(app, getPresence, ({ params, user, services }) => services.presence.getPresence(user.userId, params.userId));
}
