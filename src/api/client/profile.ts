/**
 * Display name and avatar URL (client-server API, "Profiles"; profile.yaml). Other profile keys
 * (spec v1.16) are served by profile-fields.ts; GET /profile/{userId} lists them too.
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { zUserId } from "../../core/ids/zod";
import type { Services } from "../../services";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zUserParams = z.object({ userId: zUserId });

export const getUserProfile = defineEndpoint({
  operationId: "getUserProfile",
  method: "GET",
  path: "/_matrix/client/v3/profile/:userId",
  auth: "none",
  params: zUserParams,
});
export const getDisplayname = defineEndpoint({
  operationId: "getProfileField",
  method: "GET",
  path: "/_matrix/client/v3/profile/:userId/displayname",
  auth: "none",
  params: zUserParams,
});
export const setDisplayname = defineEndpoint({
  operationId: "setProfileField",
  method: "PUT",
  path: "/_matrix/client/v3/profile/:userId/displayname",
  auth: "accessToken",
  guestOk: true,
  params: zUserParams,
  body: z.object({ displayname: z.string().nullable() }),
});
export const getAvatarUrl = defineEndpoint({
  operationId: "getProfileField",
  method: "GET",
  path: "/_matrix/client/v3/profile/:userId/avatar_url",
  auth: "none",
  params: zUserParams,
});
export const setAvatarUrl = defineEndpoint({
  operationId: "setProfileField",
  method: "PUT",
  path: "/_matrix/client/v3/profile/:userId/avatar_url",
  auth: "accessToken", // guests may change only their display name (spec, Guest Access)
  params: zUserParams,
  body: z.object({ avatar_url: z.string().nullable() }),
});

/** Profiles of users on other servers need federation, which is not wired yet: they are "not found". */
function localProfile(services: Services, userId: string) {
  if (!userId.endsWith(`:${services.config.server_name}`)) throw MatrixError.notFound("Profile not found");
  return services.profile.getProfile(userId);
}

export function registerProfileRoutes(app: ApiApp): void {
  route(app, getUserProfile, ({ params, services }) => {
    const p = localProfile(services, params.userId);
    return {
      // m.tz and custom fields (spec v1.16; src/api/client/profile-fields.ts serves them one by one).
      ...services.profileFields.customFields(params.userId),
      ...(p.displayname !== null ? { displayname: p.displayname } : {}),
      ...(p.avatarUrl !== null ? { avatar_url: p.avatarUrl } : {}),
    };
  });
  route(app, getDisplayname, ({ params, services }) => {
    const p = localProfile(services, params.userId);
    if (p.displayname === null) throw MatrixError.notFound("No display name is set");
    return { displayname: p.displayname };
  });
  route(app, getAvatarUrl, ({ params, services }) => {
    const p = localProfile(services, params.userId);
    if (p.avatarUrl === null) throw MatrixError.notFound("No avatar is set");
    return { avatar_url: p.avatarUrl };
  });
  route(app, setDisplayname, ({ user, params, body, services }) => {
    services.profile.setDisplayname(user.userId, params.userId, body.displayname);
    return {};
  });
  route(app, setAvatarUrl, ({ user, params, body, services }) => {
    services.profile.setAvatarUrl(user.userId, params.userId, body.avatar_url);
    return {};
  });
}
