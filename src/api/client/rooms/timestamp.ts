/** GET /_matrix/client/v1/rooms/{roomId}/timestamp_to_event: the event nearest a time. */
import { z } from "zod";
import { zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zDir, zQueryInt } from "./messages";

// api/client-server/room_event_by_timestamp.yaml
export const getEventByTimestamp = defineEndpoint({
  operationId: "getEventByTimestamp",
  method: "GET",
  path: "/_matrix/client/v1/rooms/:roomId/timestamp_to_event",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId }),
  query: z.object({ ts: zQueryInt, dir: zDir }),
});

export function registerTimestampRoutes(app: ApiApp): void {
  route(app, getEventByTimestamp, ({ params, query, user, services }) =>
    services.roomHistory.timestampToEvent(user, params.roomId, query.ts, query.dir),
  );
}
