/** /_synapse/admin/v1/server_version and shared-secret registration (/_synapse/admin/v1/register). */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

export const adminServerVersion = defineEndpoint({
  operationId: "synapseAdminServerVersion",
  method: "GET",
  path: "/_synapse/admin/v1/server_version",
  auth: "admin",
});

export const sharedSecretNonce = defineEndpoint({
  operationId: "synapseAdminRegisterNonce",
  method: "GET",
  path: "/_synapse/admin/v1/register",
  auth: "none",
  rateLimit: "register",
});
export const sharedSecretRegister = defineEndpoint({
  operationId: "synapseAdminRegister",
  method: "POST",
  path: "/_synapse/admin/v1/register",
  auth: "none",
  rateLimit: "register",
  body: z.object({
    nonce: z.string(),
    username: z.string(),
    password: z.string(),
    admin: z.boolean().default(false),
    displayname: z.string().optional(),
    user_type: z.string().nullable().optional(),
    mac: z.string(),
  }),
});

export function registerAdminServerRoutes(app: ApiApp): void {
  route(app, adminServerVersion, ({ services }) => ({ server_version: services.build.version }));
  route(app, sharedSecretNonce, ({ services }) => ({ nonce: services.sharedSecretRegistration.newNonce() }));
  route(app, sharedSecretRegister, async ({ body, services }) => {
    const s = await services.sharedSecretRegistration.register({
      nonce: body.nonce,
      username: body.username,
      password: body.password,
      admin: body.admin,
      displayname: body.displayname,
      userType: body.user_type,
      mac: body.mac,
    });
    return {
      user_id: s.userId,
      access_token: s.accessToken,
      home_server: services.config.server_name,
      device_id: s.deviceId,
    };
  });
}
