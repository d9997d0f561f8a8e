/** Device management (client-server API, "Device management"; device_management.yaml). */
import { z } from "zod";
import { zDeviceId } from "../../core/ids/zod";
import type { Device } from "../../services/devices/devices-service";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zDeviceParams = z.object({ deviceId: zDeviceId });

export const getDevices = defineEndpoint({
  operationId: "getDevices",
  guestOk: true, // spec, Guest Access: guests may list, read and rename their devices
  method: "GET",
  path: "/_matrix/client/v3/devices",
  auth: "accessToken",
});
export const getDevice = defineEndpoint({
  operationId: "getDevice",
  guestOk: true, // spec, Guest Access: guests may list, read and rename their devices
  method: "GET",
  path: "/_matrix/client/v3/devices/:deviceId",
  auth: "accessToken",
  params: zDeviceParams,
});
export const updateDevice = defineEndpoint({
  operationId: "updateDevice",
  guestOk: true, // spec, Guest Access: guests may list, read and rename their devices
  method: "PUT",
  path: "/_matrix/client/v3/devices/:deviceId",
  auth: "accessToken",
  params: zDeviceParams,
  body: z.object({ display_name: z.string().optional() }),
});
export const deleteDevice = defineEndpoint({
  operationId: "deleteDevice",
  method: "DELETE",
  path: "/_matrix/client/v3/devices/:deviceId",
  auth: "accessToken",
  params: zDeviceParams,
  body: z.object({ auth: z.unknown().optional() }),
});
export const deleteDevices = defineEndpoint({
  operationId: "deleteDevices",
  method: "POST",
  path: "/_matrix/client/v3/delete_devices",
  auth: "accessToken",
  body: z.object({ devices: z.array(zDeviceId).max(1000), auth: z.unknown().optional() }),
});

export function deviceJson(d: Device): Record<string, unknown> {
  return {
    device_id: d.deviceId,
    ...(d.displayName !== null ? { display_name: d.displayName } : {}),
    ...(d.lastSeenIp !== null ? { last_seen_ip: d.lastSeenIp } : {}),
    ...(d.lastSeenTs !== null ? { last_seen_ts: d.lastSeenTs } : {}),
  };
}

export function registerDeviceRoutes(app: ApiApp): void {
  route(app, getDevices, ({ user, services }) => ({
    devices: services.devices.listDevices(user.userId).map(deviceJson),
  }));

  route(app, getDevice, ({ user, params, services }) =>
    deviceJson(services.devices.getDevice(user.userId, params.deviceId)),
  );

  route(app, updateDevice, ({ user, params, body, services }) => {
    services.devices.updateDevice(user.userId, params.deviceId, body.display_name);
    return {};
  });

  route(app, deleteDevice, async ({ user, params, body, services }) => {
    // Spec: an unknown device is 404, checked before asking the user to authenticate.
    services.devices.getDevice(user.userId, params.deviceId);
    const passed = await services.uia.authenticate({
      operation: `DELETE /_matrix/client/v3/devices/${params.deviceId}`,
      userId: user.userId,
      auth: body.auth,
      flows: [["m.login.password"]],
    });
    services.devices.deleteDevices(user.userId, [params.deviceId], () => services.uia.finish(passed.sessionId));
    return {};
  });

  route(app, deleteDevices, async ({ user, body, services }) => {
    const passed = await services.uia.authenticate({
      operation: `${deleteDevices.method} ${deleteDevices.path}`,
      userId: user.userId,
      auth: body.auth,
      flows: [["m.login.password"]],
    });
    services.devices.deleteDevices(user.userId, body.devices, () => services.uia.finish(passed.sessionId));
    return {};
  });
}
