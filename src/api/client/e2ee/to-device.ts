/** Send-to-device messaging (client-server API, "Send-to-Device messaging", to_device.yaml). */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";

export const sendToDevice = defineEndpoint({
  operationId: "sendToDevice",
  method: "PUT",
  path: "/_matrix/client/v3/sendToDevice/:eventType/:txnId",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ eventType: z.string().min(1).max(255), txnId: z.string().min(1).max(255) }),
  body: z.object({ messages: z.record(z.string(), z.record(z.string(), z.record(z.string(), z.unknown()))) }),
});

export function registerToDeviceRoutes(app: ApiApp): void {
  route(app, sendToDevice, ({ user, params, body, services }) => {
    services.e2ee.toDevice.send(user, params.eventType, params.txnId, body.messages);
    return {};
  });
}
