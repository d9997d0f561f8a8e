/** Room tags: /user/{userId}/rooms/{roomId}/tags (client-server API, "Room Tagging"; tags.yaml). */
import { z } from "zod";
import { zRoomId, zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zTag = z.string().min(1).max(255);

// api/client-server/tags.yaml
export const getRoomTags = defineEndpoint({
  operationId: "getRoomTags",
  method: "GET",
  path: "/_matrix/client/v3/user/:userId/rooms/:roomId/tags",
  auth: "accessToken",
  params: z.object({ userId: zUserId, roomId: zRoomId }),
});
export const setRoomTag = defineEndpoint({
  operationId: "setRoomTag",
  method: "PUT",
  path: "/_matrix/client/v3/user/:userId/rooms/:roomId/tags/:tag",
  auth: "accessToken",
  params: z.object({ userId: zUserId, roomId: zRoomId, tag: zTag }),
  // definitions/tag.yaml: `order` is a number; other keys are kept as sent.
  body: z.looseObject({ order: z.number().optional() }),
});
export const deleteRoomTag = defineEndpoint({
  operationId: "deleteRoomTag",
  method: "DELETE",
  path: "/_matrix/client/v3/user/:userId/rooms/:roomId/tags/:tag",
  auth: "accessToken",
  params: z.object({ userId: zUserId, roomId: zRoomId, tag: zTag }),
});

export function registerTagRoutes(app: ApiApp): void {
  route(app, getRoomTags, ({ params, user, services }) =>
    services.tags.getTags(user.userId, params.userId, params.roomId),
  );
  route(app, setRoomTag, ({ params, body, user, services }) => {
    services.tags.setTag(user.userId, params.userId, params.roomId, params.tag, body);
    return {};
  });
  route(app, deleteRoomTag, ({ params, user, services }) => {
    services.tags.deleteTag(user.userId, params.userId, params.roomId, params.tag);
    return {};
  });
}
