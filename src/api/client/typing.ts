/** PUT /rooms/{roomId}/typing/{userId} (client-server API, "Typing Notifications"; typing.yaml). */
import { z } from "zod";
import { zRoomId, zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

// api/client-server/typing.yaml
export const setTyping = defineEndpoint({
  operationId: "setTyping",
  method: "PUT",
  path: "/_matrix/client/v3/rooms/:roomId/typing/:userId",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, userId: zUserId }),
  body: z.object({ typing: z.boolean(), timeout: z.number().int().min(0).optional() }),
});

export function registerTypingRoutes(app: ApiApp): void {
  route(app, setTyping, ({ params, body, user, services }) => {
    services.typing.setTyping(user.userId, params.roomId, params.userId, body.typing, body.timeout);
    return {};
  });
}
