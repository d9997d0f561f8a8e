/** Pushers (client-server API "Push Notifications"; pusher.yaml): `GET /pushers`, `POST /pushers/set`. */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

export const getPushers = defineEndpoint({
  operationId: "getPushers",
  method: "GET",
  path: "/_matrix/client/v3/pushers",
  auth: "accessToken",
});
export const postPusher = defineEndpoint({
  operationId: "postPusher",
  method: "POST",
  path: "/_matrix/client/v3/pushers/set",
  auth: "accessToken",
  body: z.object({
    kind: z.string().nullable(),
    app_id: z.string(),
    pushkey: z.string(),
    app_display_name: z.string().optional(),
    device_display_name: z.string().optional(),
    profile_tag: z.string().optional(),
    lang: z.string().optional(),
    data: z.record(z.string(), z.unknown()).optional(),
    append: z.boolean().optional(),
  }),
});

export function registerPusherRoutes(app: ApiApp): void {
  route(app, getPushers, ({ user, services }) => ({ pushers: services.push.pushers.list(user.userId) }));
  route(app, postPusher, ({ user, body, services }) => {
    services.push.pushers.set(user, {
      kind: body.kind,
      app_id: body.app_id,
      pushkey: body.pushkey,
      ...(body.app_display_name !== undefined ? { app_display_name: body.app_display_name } : {}),
      ...(body.device_display_name !== undefined ? { device_display_name: body.device_display_name } : {}),
      ...(body.profile_tag !== undefined ? { profile_tag: body.profile_tag } : {}),
      ...(body.lang !== undefined ? { lang: body.lang } : {}),
      ...(body.data !== undefined ? { data: body.data } : {}),
      ...(body.append !== undefined ? { append: body.append } : {}),
    });
    return {};
  });
}
