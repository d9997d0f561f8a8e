/**
 * GET /_matrix/client/v1/media/config  getConfigAuthed
 * GET /_matrix/media/v3/config         getConfig (deprecated; still authenticated)
 */
import { type ApiApp, defineEndpoint, route } from "../endpoint";

export const getConfigAuthed = defineEndpoint({
  operationId: "getConfigAuthed",
  method: "GET",
  path: "/_matrix/client/v1/media/config",
  auth: "accessToken",
  guestOk: true,
});

export const getConfig = defineEndpoint({
  operationId: "getConfig",
  method: "GET",
  path: "/_matrix/media/v3/config",
  auth: "accessToken",
  guestOk: true,
});

export function registerMediaConfigRoutes(app: ApiApp): void {
  for (const e of [getConfigAuthed, getConfig]) route(app, e, ({ services }) => services.media.config());
}
