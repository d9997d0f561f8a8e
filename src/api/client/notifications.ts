/** `GET /notifications` (client-server API "Listing Notifications"; notifications.yaml). */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

export const getNotifications = defineEndpoint({
  operationId: "getNotifications",
  method: "GET",
  path: "/_matrix/client/v3/notifications",
  auth: "accessToken",
  query: z.object({
    from: z.string().max(32).optional(),
    limit: z.coerce.number().int().min(0).max(1_000_000).optional(),
    only: z.string().max(64).optional(),
  }),
});

export function registerNotificationRoutes(app: ApiApp): void {
  route(app, getNotifications, ({ user, query, services }) =>
    services.push.notifications.list(user, {
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.only !== undefined ? { only: query.only } : {}),
    }),
  );
}
