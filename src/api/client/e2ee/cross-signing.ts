/** Cross-signing (client-server API, "Cross-signing", cross_signing.yaml). */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zCrossSigningKey } from "./schemas";

export const uploadCrossSigningKeys = defineEndpoint({
  operationId: "uploadCrossSigningKeys",
  method: "POST",
  path: "/_matrix/client/v3/keys/device_signing/upload",
  auth: "accessToken",
  body: z.object({
    master_key: zCrossSigningKey.optional(),
    self_signing_key: zCrossSigningKey.optional(),
    user_signing_key: zCrossSigningKey.optional(),
    auth: z.unknown().optional(),
  }),
});

export const uploadCrossSigningSignatures = defineEndpoint({
  operationId: "uploadCrossSigningSignatures",
  method: "POST",
  path: "/_matrix/client/v3/keys/signatures/upload",
  auth: "accessToken",
  body: z.record(z.string(), z.record(z.string(), z.unknown())),
});

export function registerCrossSigningRoutes(app: ApiApp): void {
  route(app, uploadCrossSigningKeys, async ({ user, body, services }) => {
    await services.e2ee.crossSigning.uploadKeys(user, body);
    return {};
  });

  route(app, uploadCrossSigningSignatures, ({ user, body, services }) =>
    services.e2ee.crossSigning.uploadSignatures(user, body),
  );
}
