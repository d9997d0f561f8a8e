/**
 * GET, PUT and DELETE /_matrix/client/v3/profile/{userId}/{keyName} for every key (spec v1.16,
 * profile.yaml): m.tz and custom namespaced keys, and displayname / avatar_url through the profile
 * service (profile.ts registers its own routes for those two first; these answer the same way).
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zParams = z.object({ userId: zUserId, keyName: z.string().min(1) });

// api/client-server/profile.yaml
export const getProfileField = defineEndpoint({
  operationId: "getProfileField",
  method: "GET",
  path: "/_matrix/client/v3/profile/:userId/:keyName",
  auth: "none",
  params: zParams,
});
export const setProfileField = defineEndpoint({
  operationId: "setProfileField",
  method: "PUT",
  path: "/_matrix/client/v3/profile/:userId/:keyName",
  auth: "accessToken",
  // Guests may set their display name only (the service refuses other keys).
  guestOk: true,
  params: zParams,
  body: z.record(z.string(), z.unknown()),
});
export const deleteProfileField = defineEndpoint({
  operationId: "deleteProfileField",
  method: "DELETE",
  path: "/_matrix/client/v3/profile/:userId/:keyName",
  auth: "accessToken",
  guestOk: true,
  params: zParams,
});

export function registerProfileFieldRoutes(app: ApiApp): void {
  route(app, getProfileField, ({ params, services }) => ({
    [params.keyName]: services.profileFields.get(params.userId, params.keyName),
  }));
  route(app, setProfileField, ({ params, body, user, services }) => {
    if (!Object.hasOwn(body, params.keyName)) {
      throw MatrixError.missingParam(`The body must hold the field being set: ${params.keyName}`);
    }
    services.profileFields.set(user, params.userId, params.keyName, body[params.keyName]);
    return {};
  });
  route(app, deleteProfileField, ({ params, user, services }) => {
    services.profileFields.delete(user, params.userId, params.keyName);
    return {};
  });
}
