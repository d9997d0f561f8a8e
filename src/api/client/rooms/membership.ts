/** Membership endpoints: join, invite, leave, forget, kick, ban, unban, knock. */
import { z } from "zod";
import { zRoomId, zUserId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";

const zReason = z.string().max(1000).optional();
const roomParams = z.object({ roomId: zRoomId });
const targetBody = z.object({ user_id: zUserId, reason: zReason });

// api/client-server/joining.yaml
export const joinRoomById = defineEndpoint({
  operationId: "joinRoomById",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/join",
  auth: "accessToken",
  params: roomParams,
  body: z.object({ reason: zReason, third_party_signed: z.unknown().optional() }),
});
export const joinRoom = defineEndpoint({
  operationId: "joinRoom",
  method: "POST",
  path: "/_matrix/client/v3/join/:roomIdOrAlias",
  auth: "accessToken",
  params: z.object({ roomIdOrAlias: z.string().min(2).max(255) }),
  body: z.object({ reason: zReason, third_party_signed: z.unknown().optional() }),
});
// api/client-server/inviting.yaml
export const inviteUser = defineEndpoint({
  operationId: "inviteUser",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/invite",
  auth: "accessToken",
  params: roomParams,
  body: targetBody,
});
// api/client-server/leaving.yaml
export const leaveRoom = defineEndpoint({
  operationId: "leaveRoom",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/leave",
  auth: "accessToken",
  guestOk: true,
  params: roomParams,
  body: z.object({ reason: zReason }),
});
export const forgetRoom = defineEndpoint({
  operationId: "forgetRoom",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/forget",
  auth: "accessToken",
  params: roomParams,
  body: z.object({}),
});
// api/client-server/kicking.yaml, banning.yaml
export const kick = defineEndpoint({
  operationId: "kick",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/kick",
  auth: "accessToken",
  params: roomParams,
  body: targetBody,
});
export const ban = defineEndpoint({
  operationId: "ban",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/ban",
  auth: "accessToken",
  params: roomParams,
  body: targetBody,
});
export const unban = defineEndpoint({
  operationId: "unban",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/unban",
  auth: "accessToken",
  params: roomParams,
  body: targetBody,
});
// api/client-server/knocking.yaml
export const knockRoom = defineEndpoint({
  operationId: "knockRoom",
  method: "POST",
  path: "/_matrix/client/v3/knock/:roomIdOrAlias",
  auth: "accessToken",
  params: z.object({ roomIdOrAlias: z.string().min(2).max(255) }),
  body: z.object({ reason: zReason }),
});

export function registerMembershipRoutes(app: ApiApp): void {
  route(app, joinRoomById, ({ params, body, user, services }) => {
    services.rooms.membership.join(params.roomId, user.userId, withReason(body.reason));
    return { room_id: params.roomId };
  });
  route(app, joinRoom, ({ params, body, user, services }) => {
    const roomId = services.rooms.resolveRoom(params.roomIdOrAlias);
    services.rooms.membership.join(roomId, user.userId, withReason(body.reason));
    return { room_id: roomId };
  });
  route(app, inviteUser, ({ params, body, user, services }) => {
    services.rooms.membership.invite(params.roomId, user.userId, body.user_id, withReason(body.reason));
    return {};
  });
  route(app, leaveRoom, ({ params, body, user, services }) => {
    services.rooms.membership.leave(params.roomId, user.userId, withReason(body.reason));
    return {};
  });
  route(app, forgetRoom, ({ params, user, services }) => {
    services.rooms.membership.forget(params.roomId, user.userId);
    return {};
  });
  route(app, kick, ({ params, body, user, services }) => {
    services.rooms.membership.kick(params.roomId, user.userId, body.user_id, body.reason);
    return {};
  });
  route(app, ban, ({ params, body, user, services }) => {
    services.rooms.membership.ban(params.roomId, user.userId, body.user_id, body.reason);
    return {};
  });
  route(app, unban, ({ params, body, user, services }) => {
    services.rooms.membership.unban(params.roomId, user.userId, body.user_id, body.reason);
    return {};
  });
  route(app, knockRoom, ({ params, body, user, services }) => {
    const roomId = services.rooms.resolveRoom(params.roomIdOrAlias);
    services.rooms.membership.knock(roomId, user.userId, body.reason);
    return { room_id: roomId };
  });
}

function withReason(reason: string | undefined): { reason?: string } {
  return reason !== undefined ? { reason } : {};
}
