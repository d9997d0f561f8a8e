/** GET /_matrix/client/v1/rooms/{roomId}/threads: the thread roots of a room. */
import { z } from "zod";
import { zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zQueryInt, zToken } from "./messages";

// api/client-server/threads_list.yaml
export const getThreadRoots = defineEndpoint({
  operationId: "getThreadRoots",
  method: "GET",
  path: "/_matrix/client/v1/rooms/:roomId/threads",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId }),
  query: z.object({
    include: z.enum(["all", "participated"]).optional(),
    from: zToken.optional(),
    limit: zQueryInt.optional(),
  }),
});

export function registerThreadsRoutes(app: ApiApp): void {
  route(app, getThreadRoots, ({ params, query, user, services }) =>
    services.roomHistory.threads(user, params.roomId, {
      ...(query.include !== undefined ? { include: query.include } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
    }),
  );
}
