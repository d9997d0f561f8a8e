/** POST /_matrix/client/v3/rooms/{roomId}/upgrade */
import { z } from "zod";
import { zRoomId, zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

// api/client-server/room_upgrades.yaml
export const upgradeRoom = defineEndpoint({
  operationId: "upgradeRoom",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/upgrade",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId }),
  body: z.object({
    new_version: z.string().min(1).max(32),
    additional_creators: z.array(zUserId).max(100).optional(),
  }),
});

export function registerUpgradeRoutes(app: ApiApp): void {
  route(app, upgradeRoom, ({ params, body, user, services }) =>
    services.roomUpgrades.upgradeRoom(user.userId, params.roomId, body.new_version, body.additional_creators),
  );
}
