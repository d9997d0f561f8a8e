/** Login, token refresh and logout (client-server API, "Login"; login.yaml, refresh.yaml, logout.yaml). */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { zDeviceId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";
import { sessionBody } from "./register";

// api/client-server/login.yaml
export const getLoginFlows = defineEndpoint({
  operationId: "getLoginFlows",
  method: "GET",
  path: "/_matrix/client/v3/login",
  auth: "none",
});

// api/client-server/login.yaml
export const login = defineEndpoint({
  operationId: "login",
  method: "POST",
  path: "/_matrix/client/v3/login",
  auth: "none",
  rateLimit: "login",
  body: z.object({
    type: z.string(),
    identifier: z
      .looseObject({
        type: z.string(),
        user: z.string().optional(),
        medium: z.string().optional(),
        address: z.string().optional(),
      })
      .optional(),
    user: z.string().optional(),
    medium: z.string().optional(),
    address: z.string().optional(),
    password: z.string().optional(),
    token: z.string().optional(),
    device_id: zDeviceId.optional(),
    initial_device_display_name: z.string().max(512).optional(),
    refresh_token: z.boolean().optional(),
  }),
});

// api/client-server/refresh.yaml
export const refresh = defineEndpoint({
  operationId: "refresh",
  method: "POST",
  path: "/_matrix/client/v3/refresh",
  auth: "none",
  body: z.object({ refresh_token: z.string() }),
});

// api/client-server/logout.yaml
export const logout = defineEndpoint({
  operationId: "logout",
  method: "POST",
  path: "/_matrix/client/v3/logout",
  auth: "accessToken",
  guestOk: true,
});
export const logoutAll = defineEndpoint({
  operationId: "logout_all",
  method: "POST",
  path: "/_matrix/client/v3/logout/all",
  auth: "accessToken",
  guestOk: true,
});

export function registerLoginRoutes(app: ApiApp): void {
  route(app, getLoginFlows, () => ({ flows: [{ type: "m.login.password" }] }));

  route(app, login, async ({ body, services }) => {
    if (body.type !== "m.login.password") throw new MatrixError(400, "M_UNKNOWN", "Bad login type");
    let user: string | undefined;
    if (body.identifier) {
      const id = body.identifier;
      if (id.type === "m.id.user") {
        if (typeof id.user !== "string") throw MatrixError.badJson("identifier.user is required for m.id.user");
        user = id.user;
      } else if (id.type === "m.id.thirdparty" || id.type === "m.id.phone") {
        // Spec: a 3PID the server does not know is 403 (this server has no 3PIDs).
        throw MatrixError.forbidden("No account has that third-party identifier");
      } else {
        throw new MatrixError(400, "M_UNKNOWN", `Unknown identifier type ${id.type}`);
      }
    } else if (body.user !== undefined) {
      user = body.user; // deprecated top-level field
    } else if (body.medium !== undefined || body.address !== undefined) {
      throw MatrixError.forbidden("No account has that third-party identifier");
    } else {
      throw MatrixError.badJson("identifier is required");
    }
    if (body.password === undefined) throw MatrixError.badJson("password is required for m.login.password");
    const s = await services.login.loginWithPassword({
      user,
      password: body.password,
      deviceId: body.device_id,
      initialDeviceDisplayName: body.initial_device_display_name,
      refreshToken: body.refresh_token,
    });
    return { user_id: s.userId, home_server: services.config.server_name, ...sessionBody(s) };
  });

  route(app, refresh, ({ body, services }) => {
    const s = services.sessions.refresh(body.refresh_token);
    return { access_token: s.accessToken, refresh_token: s.refreshToken, expires_in_ms: s.expiresInMs };
  });

  route(app, logout, ({ user, services }) => {
    // Spec: the device of the access token is deleted too (and with it every token it had).
    services.devices.deleteDevices(user.userId, [user.deviceId]);
    return {};
  });

  route(app, logoutAll, ({ user, services }) => {
    const all = services.devices.listDevices(user.userId).map((d) => d.deviceId);
    services.devices.deleteDevices(user.userId, all);
    return {};
  });
}
