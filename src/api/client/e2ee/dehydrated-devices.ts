/**
 * Dehydrated devices (MSC3814, unstable `org.matrix.msc3814.v1`, the form matrix-js-sdk and
 * Element use). GET .../events takes `from` in the query (current MSC); the older POST form with
 * `next_batch` in the body is served too.
 */
import { z } from "zod";
import { zDeviceId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zDeviceKeys, zJsonObject, zOneTimeKeys } from "./schemas";

const BASE = "/_matrix/client/unstable/org.matrix.msc3814.v1/dehydrated_device";

export const putDehydratedDevice = defineEndpoint({
  operationId: "putDehydratedDevice",
  method: "PUT",
  path: BASE,
  auth: "accessToken",
  body: z.object({
    device_id: z.string().optional(),
    device_data: zJsonObject,
    initial_device_display_name: z.string().max(512).optional(),
    device_keys: zDeviceKeys.optional(),
    one_time_keys: zOneTimeKeys.optional(),
    fallback_keys: zOneTimeKeys.optional(),
  }),
});
export const getDehydratedDevice = defineEndpoint({
  operationId: "getDehydratedDevice",
  method: "GET",
  path: BASE,
  auth: "accessToken",
});
export const deleteDehydratedDevice = defineEndpoint({
  operationId: "deleteDehydratedDevice",
  method: "DELETE",
  path: BASE,
  auth: "accessToken",
});
export const getDehydratedDeviceEvents = defineEndpoint({
  operationId: "getDehydratedDeviceEvents",
  method: "GET",
  path: `${BASE}/:deviceId/events`,
  auth: "accessToken",
  params: z.object({ deviceId: zDeviceId }),
  query: z.object({ from: z.string().optional() }),
});
export const postDehydratedDeviceEvents = defineEndpoint({
  operationId: "postDehydratedDeviceEvents",
  method: "POST",
  path: `${BASE}/:deviceId/events`,
  auth: "accessToken",
  params: z.object({ deviceId: zDeviceId }),
  body: z.object({ next_batch: z.string().optional() }),
});

export function registerDehydratedDeviceRoutes(app: ApiApp): void {
  route(app, putDehydratedDevice, ({ user, body, services }) => services.e2ee.dehydrated.put(user.userId, body));
  route(app, getDehydratedDevice, ({ user, services }) => services.e2ee.dehydrated.get(user.userId));
  route(app, deleteDehydratedDevice, ({ user, services }) => services.e2ee.dehydrated.delete(user.userId));
  route(app, getDehydratedDeviceEvents, ({ user, params, query, services }) =>
    services.e2ee.dehydrated.events(user.userId, params.deviceId, query.from),
  );
  route(app, postDehydratedDeviceEvents, ({ user, params, body, services }) =>
    services.e2ee.dehydrated.events(user.userId, params.deviceId, body.next_batch),
  );
}
