/** GET /rooms/{roomId}/members and GET /rooms/{roomId}/joined_members. */
import { z } from "zod";
import { zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zToken } from "./messages";

const zMembership = z.enum(["join", "invite", "knock", "leave", "ban"]);

// api/client-server/rooms.yaml
export const getMembersByRoom = defineEndpoint({
  operationId: "getMembersByRoom",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/members",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId }),
  query: z.object({
    at: zToken.optional(),
    membership: zMembership.optional(),
    not_membership: zMembership.optional(),
  }),
});
export const getJoinedMembersByRoom = defineEndpoint({
  operationId: "getJoinedMembersByRoom",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/joined_members",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId }),
});

export function registerMembersRoutes(app: ApiApp): void {
  route(app, getMembersByRoom, ({ params, query, user, services }) =>
    services.roomHistory.members(user, params.roomId, {
      ...(query.at !== undefined ? { at: query.at } : {}),
      ...(query.membership !== undefined ? { membership: query.membership } : {}),
      ...(query.not_membership !== undefined ? { notMembership: query.not_membership } : {}),
    }),
  );
  route(app, getJoinedMembersByRoom, ({ params, user, services }) =>
    services.roomHistory.joinedMembers(user, params.roomId),
  );
}
