/** GET /_matrix/client/v3/rooms/{roomId}/context/{eventId}: the events around an event. */
import { z } from "zod";
import { zEventId, zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zQueryInt } from "./messages";

// api/client-server/event_context.yaml
export const getEventContext = defineEndpoint({
  operationId: "getEventContext",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/context/:eventId",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId, eventId: zEventId }),
  query: z.object({ limit: zQueryInt.optional(), filter: z.string().optional() }),
});

export function registerContextRoutes(app: ApiApp): void {
  route(app, getEventContext, ({ params, query, user, services }) =>
    services.roomHistory.context(user, params.roomId, params.eventId, {
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.filter !== undefined ? { filter: query.filter } : {}),
    }),
  );
}
