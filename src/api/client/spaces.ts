/**
 * GET /_matrix/client/v1/rooms/{roomId}/hierarchy (spaces) and
 * GET /_matrix/client/v1/room_summary/{roomIdOrAlias} (room summaries, v1.15), also served at
 * MSC3266's unstable path, which clients use when the server does not claim v1.15.
 */
import { z } from "zod";
import { zRoomId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zBool = z.enum(["true", "false"]).transform((s) => s === "true");
const zInt = (min: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().min(min));

// api/client-server/space_hierarchy.yaml
export const getSpaceHierarchy = defineEndpoint({
  operationId: "getSpaceHierarchy",
  method: "GET",
  path: "/_matrix/client/v1/rooms/:roomId/hierarchy",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId }),
  query: z.object({
    suggested_only: zBool.default(false),
    limit: zInt(1).optional(),
    max_depth: zInt(0).optional(),
    from: z.string().max(100).optional(),
  }),
});

// api/client-server/room_summary.yaml
export const getRoomSummary = defineEndpoint({
  operationId: "getRoomSummary",
  method: "GET",
  path: "/_matrix/client/v1/room_summary/:roomIdOrAlias",
  auth: "optionalAccessToken",
  guestOk: true,
  params: z.object({ roomIdOrAlias: z.string().min(2).max(255) }),
});

export function registerSpaceRoutes(app: ApiApp): void {
  route(app, getSpaceHierarchy, ({ params, query, user, services }) =>
    services.spaces.hierarchy(user.userId, params.roomId, {
      suggestedOnly: query.suggested_only,
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.max_depth !== undefined ? { maxDepth: query.max_depth } : {}),
      ...(query.from !== undefined ? { from: query.from } : {}),
    }),
  );
  // Clients (matrix-js-sdk, so Element's room preview) use the unstable path unless /versions says v1.15.
  const unstable = { ...getRoomSummary, path: "/_matrix/client/unstable/im.nheko.summary/summary/:roomIdOrAlias" };
  for (const e of [getRoomSummary, unstable]) {
    route(app, e, ({ params, user, services }) =>
      services.spaces.roomSummary(user?.userId ?? null, params.roomIdOrAlias),
    );
  }
}
