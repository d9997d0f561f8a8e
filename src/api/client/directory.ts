/**
 * Room aliases and the published room directory:
 *   PUT/GET/DELETE /_matrix/client/v3/directory/room/{roomAlias}, GET /rooms/{roomId}/aliases
 *   GET/PUT /_matrix/client/v3/directory/list/room/{roomId}, GET/POST /_matrix/client/v3/publicRooms
 */
import { z } from "zod";
import { zRoomAlias, zRoomId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const aliasParams = z.object({ roomAlias: zRoomAlias });
const roomParams = z.object({ roomId: zRoomId });
const zLimit = z.number().int().min(1).max(1_000_000);

// api/client-server/directory.yaml
export const setRoomAlias = defineEndpoint({
  operationId: "setRoomAlias",
  method: "PUT",
  path: "/_matrix/client/v3/directory/room/:roomAlias",
  auth: "accessToken",
  params: aliasParams,
  body: z.object({ room_id: zRoomId }),
});
export const getRoomIdByAlias = defineEndpoint({
  operationId: "getRoomIdByAlias",
  method: "GET",
  path: "/_matrix/client/v3/directory/room/:roomAlias",
  auth: "none",
  params: aliasParams,
});
export const deleteRoomAlias = defineEndpoint({
  operationId: "deleteRoomAlias",
  method: "DELETE",
  path: "/_matrix/client/v3/directory/room/:roomAlias",
  auth: "accessToken",
  params: aliasParams,
});
export const getLocalAliases = defineEndpoint({
  operationId: "getLocalAliases",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/aliases",
  auth: "accessToken",
  params: roomParams,
});

// api/client-server/list_public_rooms.yaml
export const getRoomVisibilityOnDirectory = defineEndpoint({
  operationId: "getRoomVisibilityOnDirectory",
  method: "GET",
  path: "/_matrix/client/v3/directory/list/room/:roomId",
  auth: "none",
  params: roomParams,
});
export const setRoomVisibilityOnDirectory = defineEndpoint({
  operationId: "setRoomVisibilityOnDirectory",
  method: "PUT",
  path: "/_matrix/client/v3/directory/list/room/:roomId",
  auth: "accessToken",
  params: roomParams,
  body: z.object({ visibility: z.enum(["public", "private"]).default("public") }),
});
export const getPublicRooms = defineEndpoint({
  operationId: "getPublicRooms",
  method: "GET",
  path: "/_matrix/client/v3/publicRooms",
  auth: "none",
  query: z.object({
    limit: z
      .string()
      .regex(/^\d{1,7}$/, "must be a positive integer")
      .transform(Number)
      .pipe(zLimit)
      .optional(),
    since: z.string().max(100).optional(),
    server: z.string().min(1).max(255).optional(),
  }),
});
export const queryPublicRooms = defineEndpoint({
  operationId: "queryPublicRooms",
  method: "POST",
  path: "/_matrix/client/v3/publicRooms",
  auth: "accessToken",
  query: z.object({ server: z.string().min(1).max(255).optional() }),
  body: z.object({
    limit: zLimit.optional(),
    since: z.string().max(100).optional(),
    filter: z
      .object({
        generic_search_term: z.string().max(1000).optional(),
        room_types: z.array(z.string().max(255).nullable()).max(100).optional(),
      })
      .optional(),
    include_all_networks: z.boolean().optional(),
    third_party_instance_id: z.string().max(255).optional(),
  }),
});

export function registerDirectoryRoutes(app: ApiApp): void {
  route(app, setRoomAlias, ({ params, body, user, services }) => {
    services.directory.setAlias(user, params.roomAlias, body.room_id);
    return {};
  });
  route(app, getRoomIdByAlias, ({ params, services }) => services.directory.resolveAlias(params.roomAlias));
  route(app, deleteRoomAlias, ({ params, user, services }) => {
    services.directory.deleteAlias(user, params.roomAlias);
    return {};
  });
  route(app, getLocalAliases, ({ params, user, services }) => ({
    aliases: services.directory.localAliases(user, params.roomId),
  }));
  route(app, getRoomVisibilityOnDirectory, ({ params, services }) => services.directory.visibility(params.roomId));
  route(app, setRoomVisibilityOnDirectory, ({ params, body, user, services }) => {
    services.directory.setVisibility(user, params.roomId, body.visibility);
    return {};
  });
  route(app, getPublicRooms, ({ query, services }) => services.directory.publicRooms(definedOnly(query)));
  route(app, queryPublicRooms, ({ query, body, services }) => {
    const filter = body.filter ? definedOnly(body.filter) : undefined;
    return services.directory.publicRooms(definedOnly({ ...body, filter, server: query.server }));
  });
}

/** Drops undefined fields (the service's options are exact optional properties). */
function definedOnly<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
