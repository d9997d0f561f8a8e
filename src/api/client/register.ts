/** Account registration (client-server API, "Account registration"; registration.yaml, registration_tokens.yaml). */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { zDeviceId } from "../../core/ids/zod";
import type { IssuedSession } from "../../services/accounts/sessions";
import { type ApiApp, defineEndpoint, route } from "../endpoint";
import { zEmailValidation, zMsisdnValidation } from "./threepid-schemas";

// api/client-server/registration.yaml
export const register = defineEndpoint({
  operationId: "register",
  method: "POST",
  path: "/_matrix/client/v3/register",
  auth: "none",
  query: z.object({ kind: z.enum(["user", "guest"]).default("user") }),
  body: z.object({
    auth: z.unknown().optional(),
    username: z.string().optional(),
    password: z.string().optional(),
    device_id: zDeviceId.optional(),
    initial_device_display_name: z.string().max(512).optional(),
    inhibit_login: z.boolean().optional(),
    refresh_token: z.boolean().optional(),
  }),
});

// api/client-server/registration.yaml
export const checkUsernameAvailability = defineEndpoint({
  operationId: "checkUsernameAvailability",
  method: "GET",
  path: "/_matrix/client/v3/register/available",
  auth: "none",
  rateLimit: "register",
  query: z.object({ username: z.string() }),
});

// api/client-server/registration_tokens.yaml
export const registrationTokenValidity = defineEndpoint({
  operationId: "registrationTokenValidity",
  method: "GET",
  path: "/_matrix/client/v1/register/m.login.registration_token/validity",
  auth: "none",
  rateLimit: "register",
  query: z.object({ token: z.string() }),
});

// api/client-server/registration.yaml
export const requestTokenToRegisterEmail = defineEndpoint({
  operationId: "requestTokenToRegisterEmail",
  method: "POST",
  path: "/_matrix/client/v3/register/email/requestToken",
  auth: "none",
  body: zEmailValidation,
});
export const requestTokenToRegisterMSISDN = defineEndpoint({
  operationId: "requestTokenToRegisterMSISDN",
  method: "POST",
  path: "/_matrix/client/v3/register/msisdn/requestToken",
  auth: "none",
  body: zMsisdnValidation,
});

/** This server neither sends e-mail or SMS nor trusts an identity server to do so. */
export function threepidDenied(): MatrixError {
  return new MatrixError(403, "M_THREEPID_DENIED", "This server does not support third-party identifiers");
}

/** The login/registration response fields for an issued session (snake_case, as the spec names them). */
export function sessionBody(s: IssuedSession): Record<string, unknown> {
  return {
    access_token: s.accessToken,
    device_id: s.deviceId,
    ...(s.refreshToken !== undefined ? { refresh_token: s.refreshToken, expires_in_ms: s.expiresInMs } : {}),
  };
}

export function registerRegistrationRoutes(app: ApiApp): void {
  route(app, register, async ({ query, body, services, req }) => {
    const r = await services.registration.register({
      kind: query.kind,
      username: body.username,
      password: body.password,
      deviceId: body.device_id,
      initialDeviceDisplayName: body.initial_device_display_name,
      inhibitLogin: body.inhibit_login,
      refreshToken: body.refresh_token,
      auth: body.auth,
      ip: req.ip,
    });
    return {
      user_id: r.userId,
      home_server: services.config.server_name,
      ...(r.session ? sessionBody(r.session) : {}),
    };
  });

  route(app, checkUsernameAvailability, ({ query, services }) => {
    services.registration.checkUsernameAvailable(query.username);
    return { available: true };
  });

  route(app, registrationTokenValidity, ({ query, services }) => ({
    valid: services.registration.isRegistrationTokenValid(query.token),
  }));

  route(app, requestTokenToRegisterEmail, () => {
    throw threepidDenied();
  });
  route(app, requestTokenToRegisterMSISDN, () => {
    throw threepidDenied();
  });
}
