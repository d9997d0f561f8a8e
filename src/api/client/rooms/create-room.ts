import { z } from "zod";
import { zUserId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";

const zStateEvent = z.object({
  type: z.string().min(1).max(255),
  state_key: z.string().max(255).optional(),
  content: z.record(z.string(), z.unknown()),
});

// api/client-server/create_room.yaml
export const createRoom = defineEndpoint({
  operationId: "createRoom",
  method: "POST",
  path: "/_matrix/client/v3/createRoom",
  auth: "accessToken",
  body: z.object({
    visibility: z.enum(["public", "private"]).optional(),
    room_alias_name: z.string().max(200).optional(),
    name: z.string().max(1000).optional(),
    topic: z.string().max(10_000).optional(),
    invite: z.array(zUserId).max(500).optional(),
    invite_3pid: z.array(z.unknown()).optional(),
    room_version: z.string().min(1).max(32).optional(),
    creation_content: z.record(z.string(), z.unknown()).optional(),
    initial_state: z.array(zStateEvent).max(100).optional(),
    preset: z.enum(["private_chat", "public_chat", "trusted_private_chat"]).optional(),
    is_direct: z.boolean().optional(),
    power_level_content_override: z.record(z.string(), z.unknown()).optional(),
  }),
});

export function registerCreateRoomRoutes(app: ApiApp): void {
  route(app, createRoom, ({ body, user, services }) => {
    const req: Parameters<typeof services.rooms.createRoom>[1] = {};
    for (const [k, v] of Object.entries(body)) if (v !== undefined) (req as Record<string, unknown>)[k] = v;
    return services.rooms.createRoom(user.userId, req);
  });
}
