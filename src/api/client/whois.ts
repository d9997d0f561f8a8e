/** GET /_matrix/client/v3/admin/whois/{userId}: a user's devices and their latest connections. */
import { z } from "zod";
import { zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

// api/client-server/admin.yaml
export const getWhoIs = defineEndpoint({
  operationId: "getWhoIs",
  method: "GET",
  path: "/_matrix/client/v3/admin/whois/:userId",
  // The user themself or a server admin (the service checks which).
  auth: "accessToken",
  params: z.object({ userId: zUserId }),
});

export function registerWhoisRoutes(app: ApiApp): void {
  route(app, getWhoIs, ({ params, user, services }) => services.whois.whois(user, params.userId));
}
