/** whoami, password change and deactivation (client-server API, "Account management"). */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

// api/client-server/whoami.yaml
export const getTokenOwner = defineEndpoint({
  operationId: "getTokenOwner",
  method: "GET",
  path: "/_matrix/client/v3/account/whoami",
  auth: "accessToken",
  guestOk: true,
});

// api/client-server/password_management.yaml (an access token is required here: this server has no
// e-mail based password reset, which is what the token-less form of this endpoint is for)
export const changePassword = defineEndpoint({
  operationId: "changePassword",
  method: "POST",
  path: "/_matrix/client/v3/account/password",
  auth: "accessToken",
  body: z.object({
    new_password: z.string(),
    logout_devices: z.boolean().default(true),
    auth: z.unknown().optional(),
  }),
});

// api/client-server/account_deactivation.yaml
export const deactivateAccount = defineEndpoint({
  operationId: "deactivateAccount",
  method: "POST",
  path: "/_matrix/client/v3/account/deactivate",
  auth: "accessToken",
  body: z.object({
    auth: z.unknown().optional(),
    id_server: z.string().optional(),
    erase: z.boolean().optional(),
  }),
});

export function registerAccountRoutes(app: ApiApp): void {
  route(app, getTokenOwner, ({ user }) => ({
    user_id: user.userId,
    device_id: user.deviceId,
    is_guest: user.isGuest,
  }));

  route(app, changePassword, async ({ user, body, services }) => {
    services.accounts.checkPasswordStrength(body.new_password);
    const passed = await services.uia.authenticate({
      operation: `${changePassword.method} ${changePassword.path}`,
      userId: user.userId,
      auth: body.auth,
      flows: [["m.login.password"]],
    });
    await services.accounts.setPassword(user.userId, body.new_password, {
      logoutDevices: body.logout_devices,
      keepDeviceId: user.deviceId,
    });
    services.uia.finish(passed.sessionId);
    return {};
  });

  route(app, deactivateAccount, async ({ user, body, services }) => {
    const passed = await services.uia.authenticate({
      operation: `${deactivateAccount.method} ${deactivateAccount.path}`,
      userId: user.userId,
      auth: body.auth,
      flows: [["m.login.password"]],
    });
    if (body.erase === true) services.profile.adminSetProfile(user.userId, { displayname: null, avatarUrl: null });
    services.accounts.deactivate(user.userId);
    services.uia.finish(passed.sessionId);
    // Spec: "success" when the server had no identifiers to unbind (this server keeps none).
    return { id_server_unbind_result: "success" };
  });
}
