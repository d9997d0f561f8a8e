/**
 * Synapse-compatible room admin API:
 *   GET /_synapse/admin/v1/rooms, GET /_synapse/admin/v1/rooms/{roomId}, .../members, .../state,
 *   DELETE /_synapse/admin/v1/rooms/{roomId}, GET/PUT /_synapse/admin/v1/rooms/{roomId}/block.
 * Field names follow Synapse's documentation ("Rooms" and "Delete Room" admin API).
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { zRoomId, zUserId } from "../../core/ids/zod";
import type { RoomListing, RoomListOrder } from "../../services/directory/room-admin";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const ORDERS = [
  "name",
  "canonical_alias",
  "joined_members",
  "joined_local_members",
  "version",
  "creator",
  "encryption",
  "federatable",
  "public",
  "join_rules",
  "guest_access",
  "history_visibility",
  "state_events",
  // Deprecated names Synapse still accepts.
  "alphabetical",
  "size",
] as const;
const zUint = z
  .string()
  .regex(/^\d{1,9}$/, "must be a non-negative integer")
  .transform(Number);
const zRoomRef = z
  .string()
  .min(2)
  .max(255)
  .refine((s) => s.startsWith("!") || s.startsWith("#"), "must be a room ID or alias");

export const adminListRooms = defineEndpoint({
  operationId: "synapseAdminListRooms",
  method: "GET",
  path: "/_synapse/admin/v1/rooms",
  auth: "admin",
  query: z.object({
    from: zUint.default(0),
    limit: zUint.pipe(z.number().int().min(1).max(1000)).default(100),
    order_by: z.enum(ORDERS).default("name"),
    dir: z.enum(["f", "b"]).default("f"),
    search_term: z.string().min(1).max(255).optional(),
  }),
});
export const adminRoomDetails = defineEndpoint({
  operationId: "synapseAdminRoomDetails",
  method: "GET",
  path: "/_synapse/admin/v1/rooms/:roomId",
  auth: "admin",
  params: z.object({ roomId: zRoomRef }),
});
export const adminRoomMembers = defineEndpoint({
  operationId: "synapseAdminRoomMembers",
  method: "GET",
  path: "/_synapse/admin/v1/rooms/:roomId/members",
  auth: "admin",
  params: z.object({ roomId: zRoomRef }),
});
export const adminRoomState = defineEndpoint({
  operationId: "synapseAdminRoomState",
  method: "GET",
  path: "/_synapse/admin/v1/rooms/:roomId/state",
  auth: "admin",
  params: z.object({ roomId: zRoomRef }),
});
export const adminDeleteRoom = defineEndpoint({
  operationId: "synapseAdminDeleteRoom",
  method: "DELETE",
  path: "/_synapse/admin/v1/rooms/:roomId",
  auth: "admin",
  params: z.object({ roomId: zRoomId }),
  body: z.object({
    new_room_user_id: zUserId.optional(),
    room_name: z.string().max(1000).optional(),
    message: z.string().max(10_000).optional(),
    block: z.boolean().default(false),
    purge: z.boolean().default(true),
    force_purge: z.boolean().optional(),
  }),
});
export const adminGetRoomBlock = defineEndpoint({
  operationId: "synapseAdminGetRoomBlock",
  method: "GET",
  path: "/_synapse/admin/v1/rooms/:roomId/block",
  auth: "admin",
  params: z.object({ roomId: zRoomId }),
});
export const adminSetRoomBlock = defineEndpoint({
  operationId: "synapseAdminSetRoomBlock",
  method: "PUT",
  path: "/_synapse/admin/v1/rooms/:roomId/block",
  auth: "admin",
  params: z.object({ roomId: zRoomId }),
  body: z.object({ block: z.boolean() }),
});

/** A room as Synapse's admin API lists it. */
export function adminRoomJson(r: RoomListing): Record<string, unknown> {
  const s = r.summary;
  return {
    room_id: r.roomId,
    name: s?.name ?? null,
    canonical_alias: s?.canonicalAlias ?? null,
    joined_members: s?.joinedMembers ?? 0,
    joined_local_members: s?.joinedLocalMembers ?? 0,
    version: r.roomVersion,
    creator: s?.creator ?? null,
    encryption: s?.encryption ?? null,
    federatable: s?.federatable ?? true,
    public: r.isPublic,
    join_rules: s?.joinRule ?? null,
    guest_access: s?.guestAccess ?? null,
    history_visibility: s?.historyVisibility ?? null,
    state_events: s?.stateEvents ?? 0,
    room_type: s?.roomType ?? null,
  };
}

function orderOf(o: (typeof ORDERS)[number]): RoomListOrder {
  return o === "alphabetical" ? "name" : o === "size" ? "joined_members" : o;
}

export function registerAdminRoomRoutes(app: ApiApp): void {
  route(app, adminListRooms, ({ query, services }) => {
    const page = services.roomAdmin.list({
      from: query.from,
      limit: query.limit,
      orderBy: orderOf(query.order_by),
      dir: query.dir,
      ...(query.search_term !== undefined ? { search: query.search_term } : {}),
    });
    const out: Record<string, unknown> = {
      rooms: page.rooms.map(adminRoomJson),
      offset: query.from,
      total_rooms: page.total,
    };
    if (query.from + page.rooms.length < page.total) out.next_batch = query.from + page.rooms.length;
    if (query.from > 0) out.prev_batch = Math.max(0, query.from - query.limit);
    return out;
  });
  route(app, adminRoomDetails, ({ params, services }) => {
    const d = services.roomAdmin.details(params.roomId);
    return { ...adminRoomJson(d), topic: d.topic, avatar: d.avatar, forgotten: d.forgotten, blocked: d.isBlocked };
  });
  route(app, adminRoomMembers, ({ params, services }) => {
    const members = services.roomAdmin.members(params.roomId);
    return { members, total: members.length };
  });
  route(app, adminRoomState, ({ params, services }) => ({ state: services.roomAdmin.state(params.roomId) }));
  route(app, adminDeleteRoom, ({ params, body, user, services }) => {
    if (body.new_room_user_id !== undefined && !body.new_room_user_id.endsWith(`:${services.config.server_name}`)) {
      throw MatrixError.badJson("new_room_user_id must be a user on this server");
    }
    return services.roomAdmin.deleteRoom(user.userId, params.roomId, {
      block: body.block,
      purge: body.purge,
      ...(body.new_room_user_id !== undefined ? { newRoomUserId: body.new_room_user_id } : {}),
      ...(body.room_name !== undefined ? { roomName: body.room_name } : {}),
      ...(body.message !== undefined ? { message: body.message } : {}),
    });
  });
  route(app, adminGetRoomBlock, ({ params, services }) => services.roomAdmin.blockStatus(params.roomId));
  route(app, adminSetRoomBlock, ({ params, body, user, services }) => {
    services.roomAdmin.setBlocked(user.userId, params.roomId, body.block);
    return { block: body.block };
  });
}
