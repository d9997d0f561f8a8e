/** GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]: child events. */
import { z } from "zod";
import { zEventId, zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zDir, zQueryInt, zToken } from "./messages";

const zName = z.string().min(1).max(255);
const zQuery = z.object({
  from: zToken.optional(),
  to: zToken.optional(),
  limit: zQueryInt.optional(),
  dir: zDir.optional(),
  recurse: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
});

// api/client-server/relations.yaml
export const getRelatingEvents = defineEndpoint({
  operationId: "getRelatingEvents",
  method: "GET",
  path: "/_matrix/client/v1/rooms/:roomId/relations/:eventId",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, eventId: zEventId }),
  query: zQuery,
});
export const getRelatingEventsWithRelType = defineEndpoint({
  operationId: "getRelatingEventsWithRelType",
  method: "GET",
  path: "/_matrix/client/v1/rooms/:roomId/relations/:eventId/:relType",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, eventId: zEventId, relType: zName }),
  query: zQuery,
});
export const getRelatingEventsWithRelTypeAndEventType = defineEndpoint({
  operationId: "getRelatingEventsWithRelTypeAndEventType",
  method: "GET",
  path: "/_matrix/client/v1/rooms/:roomId/relations/:eventId/:relType/:eventType",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, eventId: zEventId, relType: zName, eventType: zName }),
  query: zQuery,
});

type Query = z.output<typeof zQuery>;
const options = (q: Query) => ({
  ...(q.from !== undefined ? { from: q.from } : {}),
  ...(q.to !== undefined ? { to: q.to } : {}),
  ...(q.limit !== undefined ? { limit: q.limit } : {}),
  ...(q.dir !== undefined ? { dir: q.dir } : {}),
  ...(q.recurse !== undefined ? { recurse: q.recurse } : {}),
});

export function registerRelationsRoutes(app: ApiApp): void {
  route(app, getRelatingEvents, ({ params, query, user, services }) =>
    services.roomHistory.relations(user, params.roomId, params.eventId, options(query)),
  );
  route(app, getRelatingEventsWithRelType, ({ params, query, user, services }) =>
    services.roomHistory.relations(user, params.roomId, params.eventId, { ...options(query), relType: params.relType }),
  );
  route(app, getRelatingEventsWithRelTypeAndEventType, ({ params, query, user, services }) =>
    services.roomHistory.relations(user, params.roomId, params.eventId, {
      ...options(query),
      relType: params.relType,
      eventType: params.eventType,
    }),
  );
}
