/** Account data, global and per room (client-server API, "Client Config"; account-data.yaml). */
import { z } from "zod";
import { zRoomId, zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zType = z.string().min(1).max(255);
const zContent = z.record(z.string(), z.unknown());

export const setAccountData = defineEndpoint({
  operationId: "setAccountData",
  method: "PUT",
  path: "/_matrix/client/v3/user/:userId/account_data/:type",
  auth: "accessToken",
  params: z.object({ userId: zUserId, type: zType }),
  body: zContent,
});
export const getAccountData = defineEndpoint({
  operationId: "getAccountData",
  method: "GET",
  path: "/_matrix/client/v3/user/:userId/account_data/:type",
  auth: "accessToken",
  params: z.object({ userId: zUserId, type: zType }),
});
export const setAccountDataPerRoom = defineEndpoint({
  operationId: "setAccountDataPerRoom",
  method: "PUT",
  path: "/_matrix/client/v3/user/:userId/rooms/:roomId/account_data/:type",
  auth: "accessToken",
  params: z.object({ userId: zUserId, roomId: zRoomId, type: zType }),
  body: zContent,
});
export const getAccountDataPerRoom = defineEndpoint({
  operationId: "getAccountDataPerRoom",
  method: "GET",
  path: "/_matrix/client/v3/user/:userId/rooms/:roomId/account_data/:type",
  auth: "accessToken",
  params: z.object({ userId: zUserId, roomId: zRoomId, type: zType }),
});

export function registerAccountDataRoutes(app: ApiApp): void {
  route(app, setAccountData, ({ user, params, body, services }) => {
    services.accountData.setAccountData(user.userId, params.userId, null, params.type, body);
    return {};
  });
  route(app, getAccountData, ({ user, params, services }) =>
    services.accountData.getAccountData(user.userId, params.userId, null, params.type),
  );
  route(app, setAccountDataPerRoom, ({ user, params, body, services }) => {
    services.accountData.setAccountData(user.userId, params.userId, params.roomId, params.type, body);
    return {};
  });
  route(app, getAccountDataPerRoom, ({ user, params, services }) =>
    services.accountData.getAccountData(user.userId, params.userId, params.roomId, params.type),
  );
}
