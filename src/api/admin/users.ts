/**
 * Synapse-compatible user admin API: GET/PUT /_synapse/admin/v2/users[/<user_id>],
 * POST /_synapse/admin/v1/reset_password/<user_id>, POST /_synapse/admin/v1/deactivate/<user_id>.
 * Field names follow Synapse's documentation; timestamps are milliseconds.
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { zUserId } from "../../core/ids/zod";
import type { Services } from "../../services";
import type { UserInfo } from "../../services/accounts/accounts-service";
import { type ApiApp, defineEndpoint, JsonResponse, route } from "../endpoint";

const zBoolString = z.enum(["true", "false"]).transform((s) => s === "true");
const zUserParams = z.object({ userId: zUserId });

export const adminListUsers = defineEndpoint({
  operationId: "synapseAdminListUsers",
  method: "GET",
  path: "/_synapse/admin/v2/users",
  auth: "admin",
  query: z.object({
    from: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    name: z.string().optional(),
    user_id: z.string().optional(),
    guests: zBoolString.default(true),
    deactivated: zBoolString.default(false),
    admins: zBoolString.optional(),
  }),
});
export const adminGetUser = defineEndpoint({
  operationId: "synapseAdminGetUser",
  method: "GET",
  path: "/_synapse/admin/v2/users/:userId",
  auth: "admin",
  params: zUserParams,
});
export const adminPutUser = defineEndpoint({
  operationId: "synapseAdminPutUser",
  method: "PUT",
  path: "/_synapse/admin/v2/users/:userId",
  auth: "admin",
  params: zUserParams,
  body: z.object({
    password: z.string().optional(),
    logout_devices: z.boolean().default(true),
    displayname: z.string().nullable().optional(),
    avatar_url: z.string().nullable().optional(),
    admin: z.boolean().optional(),
    deactivated: z.boolean().optional(),
    threepids: z.array(z.unknown()).max(0, "threepids are not supported on this server").optional(),
    external_ids: z.array(z.unknown()).max(0, "external_ids are not supported on this server").optional(),
    user_type: z.null().optional(),
  }),
});
export const adminResetPassword = defineEndpoint({
  operationId: "synapseAdminResetPassword",
  method: "POST",
  path: "/_synapse/admin/v1/reset_password/:userId",
  auth: "admin",
  params: zUserParams,
  body: z.object({ new_password: z.string(), logout_devices: z.boolean().default(true) }),
});
export const adminDeactivate = defineEndpoint({
  operationId: "synapseAdminDeactivate",
  method: "POST",
  path: "/_synapse/admin/v1/deactivate/:userId",
  auth: "admin",
  params: zUserParams,
  body: z.object({ erase: z.boolean().default(false) }),
});

export function adminUserJson(u: UserInfo): Record<string, unknown> {
  return {
    name: u.userId,
    displayname: u.displayname,
    avatar_url: u.avatarUrl,
    is_guest: u.isGuest,
    admin: u.isAdmin,
    deactivated: u.deactivated,
    locked: false,
    shadow_banned: false,
    user_type: null,
    appservice_id: null,
    creation_ts: u.createdAt,
    threepids: [],
    external_ids: [],
  };
}

function localUser(services: Services, userId: string): void {
  if (!userId.endsWith(`:${services.config.server_name}`)) {
    throw MatrixError.badJson("This endpoint can only be used with local users");
  }
}

export function registerAdminUserRoutes(app: ApiApp): void {
  route(app, adminListUsers, ({ query, services }) => {
    const page = services.accounts.listUsers({
      from: query.from,
      limit: query.limit,
      name: query.name ?? query.user_id,
      guests: query.guests,
      deactivated: query.deactivated,
      admins: query.admins,
    });
    return {
      users: page.users.map(adminUserJson),
      total: page.total,
      ...(page.nextFrom !== null ? { next_token: String(page.nextFrom) } : {}),
    };
  });

  route(app, adminGetUser, ({ params, services }) => {
    localUser(services, params.userId);
    const u = services.accounts.getUser(params.userId);
    if (!u) throw MatrixError.notFound("User not found");
    return adminUserJson(u);
  });

  route(app, adminPutUser, async ({ user, params, body, services }) => {
    localUser(services, params.userId);
    const userId = params.userId;
    if (userId === user.userId && body.admin === false) throw MatrixError.badJson("You may not demote yourself");
    if (userId === user.userId && body.deactivated === true) {
      throw MatrixError.badJson("You may not deactivate yourself here; use the client API");
    }
    // Validate everything before changing anything.
    if (body.password !== undefined) services.accounts.checkPasswordStrength(body.password);
    const existing = services.accounts.getUser(userId);
    if (existing === null) {
      const localpart = userId.slice(1, userId.indexOf(":"));
      await services.accounts.createUser({
        localpart,
        password: body.password ?? null,
        admin: body.admin === true,
        displayname: body.displayname ?? null,
      });
      if (body.avatar_url != null) services.profile.adminSetProfile(userId, { avatarUrl: body.avatar_url });
      if (body.deactivated === true) services.accounts.deactivate(userId);
      return new JsonResponse(201, adminUserJson(services.accounts.getUser(userId)!));
    }
    if (existing.deactivated && body.deactivated === false && body.password === undefined) {
      throw MatrixError.badJson("Must provide a password to re-activate an account");
    }
    if (body.displayname !== undefined || body.avatar_url !== undefined) {
      services.profile.adminSetProfile(userId, {
        ...(body.displayname !== undefined ? { displayname: body.displayname } : {}),
        ...(body.avatar_url !== undefined ? { avatarUrl: body.avatar_url } : {}),
      });
    }
    if (body.admin !== undefined) services.accounts.setAdmin(userId, body.admin);
    if (body.deactivated === false && existing.deactivated) services.accounts.reactivate(userId);
    if (body.password !== undefined && !(body.deactivated === true)) {
      await services.accounts.setPassword(userId, body.password, { logoutDevices: body.logout_devices });
    }
    if (body.deactivated === true && !existing.deactivated) services.accounts.deactivate(userId);
    return adminUserJson(services.accounts.getUser(userId)!);
  });

  route(app, adminResetPassword, async ({ params, body, services }) => {
    localUser(services, params.userId);
    await services.accounts.setPassword(params.userId, body.new_password, { logoutDevices: body.logout_devices });
    return {};
  });

  route(app, adminDeactivate, ({ params, body, services }) => {
    localUser(services, params.userId);
    if (!services.accounts.getUser(params.userId)) throw MatrixError.notFound("User not found");
    if (body.erase) services.profile.adminSetProfile(params.userId, { displayname: null, avatarUrl: null });
    services.accounts.deactivate(params.userId);
    return { id_server_unbind_result: "success" };
  });
}
