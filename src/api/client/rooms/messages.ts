/** GET /_matrix/client/v3/rooms/{roomId}/messages: room history, paginated in either direction. */
import { z } from "zod";
import { zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";

/** A non-negative integer query parameter (limits, timestamps). */
export const zQueryInt = z
  .string()
  .regex(/^\d{1,15}$/, "must be a non-negative integer")
  .transform(Number);
export const zDir = z.enum(["b", "f"]);
/** Pagination tokens are checked by the service (t... or s...); here only their size. */
export const zToken = z.string().min(1).max(256);

// api/client-server/message_pagination.yaml
export const getRoomEvents = defineEndpoint({
  operationId: "getRoomEvents",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/messages",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId }),
  query: z.object({
    from: zToken.optional(),
    to: zToken.optional(),
    dir: zDir,
    limit: zQueryInt.optional(),
    filter: z.string().optional(),
  }),
});

export function registerMessagesRoutes(app: ApiApp): void {
  route(app, getRoomEvents, ({ params, query, user, services }) =>
    services.roomHistory.messages(user, params.roomId, {
      dir: query.dir,
      ...(query.from !== undefined ? { from: query.from } : {}),
      ...(query.to !== undefined ? { to: query.to } : {}),
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.filter !== undefined ? { filter: query.filter } : {}),
    }),
  );
}
