/** Key management (client-server API, "End-to-End Encryption", keys.yaml): upload, query, claim, changes. */
import { z } from "zod";
import { parseSyncToken } from "../../../services/sync/token";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zDeviceKeys, zOneTimeKeys } from "./schemas";

export const uploadKeys = defineEndpoint({
  operationId: "uploadKeys",
  method: "POST",
  path: "/_matrix/client/v3/keys/upload",
  auth: "accessToken",
  guestOk: true,
  body: z.object({
    device_keys: zDeviceKeys.optional(),
    one_time_keys: zOneTimeKeys.optional(),
    fallback_keys: zOneTimeKeys.optional(),
  }),
});

export const queryKeys = defineEndpoint({
  operationId: "queryKeys",
  method: "POST",
  path: "/_matrix/client/v3/keys/query",
  auth: "accessToken",
  guestOk: true,
  body: z.object({
    device_keys: z.record(z.string(), z.array(z.string())),
    timeout: z.number().int().optional(),
  }),
});

export const claimKeys = defineEndpoint({
  operationId: "claimKeys",
  method: "POST",
  path: "/_matrix/client/v3/keys/claim",
  auth: "accessToken",
  guestOk: true,
  body: z.object({
    one_time_keys: z.record(z.string(), z.record(z.string(), z.string())),
    timeout: z.number().int().optional(),
  }),
});

export const getKeysChanges = defineEndpoint({
  operationId: "getKeysChanges",
  method: "GET",
  path: "/_matrix/client/v3/keys/changes",
  auth: "accessToken",
  // `to` is only a hint (spec); it is accepted but not required.
  query: z.object({ from: z.string(), to: z.string().optional() }),
});

export function registerKeysRoutes(app: ApiApp): void {
  route(app, uploadKeys, ({ user, body, services }) => services.e2ee.keys.uploadKeys(user, body));

  route(app, queryKeys, ({ user, body, services }) => {
    const r = services.e2ee.keys.queryKeys(user.userId, body.device_keys);
    return {
      device_keys: r.device_keys,
      master_keys: r.master_keys,
      self_signing_keys: r.self_signing_keys,
      user_signing_keys: r.user_signing_keys,
      failures: r.failures,
    };
  });

  route(app, claimKeys, ({ user, body, services }) => services.e2ee.keys.claimKeys(user.userId, body.one_time_keys));

  route(app, getKeysChanges, ({ user, query, services }) => {
    const from = parseSyncToken(query.from);
    const to =
      query.to !== undefined ? parseSyncToken(query.to).deviceLists : services.e2ee.currentPositions().deviceLists;
    return services.e2ee.deviceListChanges(user.userId, from.deviceLists, to);
  });
}
