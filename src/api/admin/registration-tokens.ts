/** Synapse-compatible registration token admin API (/_synapse/admin/v1/registration_tokens). */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import type { RegistrationToken } from "../../services/accounts/registration-tokens";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zTokenParams = z.object({ token: z.string().min(1).max(64) });
const zUses = z.number().int().min(0).nullable();
const zExpiry = z.number().int().nullable();

export const adminListRegistrationTokens = defineEndpoint({
  operationId: "synapseAdminListRegistrationTokens",
  method: "GET",
  path: "/_synapse/admin/v1/registration_tokens",
  auth: "admin",
  query: z.object({
    valid: z
      .enum(["true", "false"])
      .transform((s) => s === "true")
      .optional(),
  }),
});
export const adminNewRegistrationToken = defineEndpoint({
  operationId: "synapseAdminNewRegistrationToken",
  method: "POST",
  path: "/_synapse/admin/v1/registration_tokens/new",
  auth: "admin",
  body: z.object({
    token: z.string().optional(),
    uses_allowed: zUses.optional(),
    expiry_time: zExpiry.optional(),
    length: z.number().int().min(1).max(64).optional(),
  }),
});
export const adminGetRegistrationToken = defineEndpoint({
  operationId: "synapseAdminGetRegistrationToken",
  method: "GET",
  path: "/_synapse/admin/v1/registration_tokens/:token",
  auth: "admin",
  params: zTokenParams,
});
export const adminUpdateRegistrationToken = defineEndpoint({
  operationId: "synapseAdminUpdateRegistrationToken",
  method: "PUT",
  path: "/_synapse/admin/v1/registration_tokens/:token",
  auth: "admin",
  params: zTokenParams,
  body: z.object({ uses_allowed: zUses.optional(), expiry_time: zExpiry.optional() }),
});
export const adminDeleteRegistrationToken = defineEndpoint({
  operationId: "synapseAdminDeleteRegistrationToken",
  method: "DELETE",
  path: "/_synapse/admin/v1/registration_tokens/:token",
  auth: "admin",
  params: zTokenParams,
});

export function registrationTokenJson(t: RegistrationToken): Record<string, unknown> {
  return {
    token: t.token,
    uses_allowed: t.usesAllowed,
    pending: t.pending,
    completed: t.completed,
    expiry_time: t.expiryTime,
  };
}

export function registerAdminRegistrationTokenRoutes(app: ApiApp): void {
  route(app, adminListRegistrationTokens, ({ query, services }) => ({
    registration_tokens: services.accounts.listTokens({ valid: query.valid }).map(registrationTokenJson),
  }));
  route(app, adminNewRegistrationToken, ({ body, services }) =>
    registrationTokenJson(
      services.accounts.createToken({
        token: body.token,
        usesAllowed: body.uses_allowed,
        expiryTime: body.expiry_time,
        length: body.length,
      }),
    ),
  );
  route(app, adminGetRegistrationToken, ({ params, services }) => {
    const t = services.accounts.getToken(params.token);
    if (!t) throw MatrixError.notFound(`No such registration token: ${params.token}`);
    return registrationTokenJson(t);
  });
  route(app, adminUpdateRegistrationToken, ({ params, body, services }) =>
    registrationTokenJson(
      services.accounts.updateToken(params.token, {
        ...(body.uses_allowed !== undefined ? { usesAllowed: body.uses_allowed } : {}),
        ...(body.expiry_time !== undefined ? { expiryTime: body.expiry_time } : {}),
      }),
    ),
  );
  route(app, adminDeleteRegistrationToken, ({ params, services }) => {
    if (!services.accounts.revokeToken(params.token)) {
      throw MatrixError.notFound(`No such registration token: ${params.token}`);
    }
    return {};
  });
}
