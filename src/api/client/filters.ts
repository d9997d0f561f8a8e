/** Filters (client-server API, "Filtering"; filter.yaml). */
import { z } from "zod";
import { zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

export const defineFilter = defineEndpoint({
  operationId: "defineFilter",
  method: "POST",
  path: "/_matrix/client/v3/user/:userId/filter",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ userId: zUserId }),
  body: z.record(z.string(), z.unknown()),
});
export const getFilter = defineEndpoint({
  operationId: "getFilter",
  method: "GET",
  path: "/_matrix/client/v3/user/:userId/filter/:filterId",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ userId: zUserId, filterId: z.string().min(1) }),
});

export function registerFilterRoutes(app: ApiApp): void {
  route(app, defineFilter, ({ user, params, body, services }) => ({
    filter_id: services.filters.createFilter(user.userId, params.userId, body),
  }));
  route(app, getFilter, ({ user, params, services }) =>
    services.filters.getFilter(user.userId, params.userId, params.filterId),
  );
}
