/** Server-side key backups (client-server API, "Server-side key backups", key_backup.yaml). */
import { z } from "zod";
import { MatrixError } from "../../../core/errors";
import { parseRoomId } from "../../../core/ids/room-id";
import { zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";
import { zJsonObject } from "./schemas";

const BASE = "/_matrix/client/v3/room_keys";

// definitions/key_backup_data.yaml
const zKeyBackupData = z.object({
  first_message_index: z.number().int().min(0),
  forwarded_count: z.number().int().min(0),
  is_verified: z.boolean(),
  session_data: zJsonObject,
});
const zSessions = z.record(z.string().min(1), zKeyBackupData);
const zRoomKeyBackup = z.object({ sessions: zSessions });
const zRoomIdKey = z.string().refine((s) => parseRoomId(s) !== null, { message: "not a room ID" });

const zVersionParams = z.object({ version: z.string() });
const zRoomParams = z.object({ roomId: zRoomId });
const zSessionParams = z.object({ roomId: zRoomId, sessionId: z.string().min(1) });
/** `version` is required on the keys endpoints; its absence is M_MISSING_PARAM (checked in the handler). */
const zVersionQuery = z.object({ version: z.string().optional() });

function versionOf(query: { version?: string | undefined }): string {
  if (query.version === undefined) throw MatrixError.missingParam("The version query parameter is required");
  return query.version;
}

export const postRoomKeysVersion = defineEndpoint({
  operationId: "postRoomKeysVersion",
  method: "POST",
  path: `${BASE}/version`,
  auth: "accessToken",
  body: z.object({ algorithm: z.string().min(1), auth_data: zJsonObject }),
});
export const getRoomKeysVersionCurrent = defineEndpoint({
  operationId: "getRoomKeysVersionCurrent",
  method: "GET",
  path: `${BASE}/version`,
  auth: "accessToken",
});
export const getRoomKeysVersion = defineEndpoint({
  operationId: "getRoomKeysVersion",
  method: "GET",
  path: `${BASE}/version/:version`,
  auth: "accessToken",
  params: zVersionParams,
});
export const putRoomKeysVersion = defineEndpoint({
  operationId: "putRoomKeysVersion",
  method: "PUT",
  path: `${BASE}/version/:version`,
  auth: "accessToken",
  params: zVersionParams,
  body: z.object({ algorithm: z.string().min(1), auth_data: zJsonObject, version: z.string().optional() }),
});
export const deleteRoomKeysVersion = defineEndpoint({
  operationId: "deleteRoomKeysVersion",
  method: "DELETE",
  path: `${BASE}/version/:version`,
  auth: "accessToken",
  params: zVersionParams,
});

export const putRoomKeys = defineEndpoint({
  operationId: "putRoomKeys",
  method: "PUT",
  path: `${BASE}/keys`,
  auth: "accessToken",
  query: zVersionQuery,
  body: z.object({ rooms: z.record(zRoomIdKey, zRoomKeyBackup) }),
});
export const getRoomKeys = defineEndpoint({
  operationId: "getRoomKeys",
  method: "GET",
  path: `${BASE}/keys`,
  auth: "accessToken",
  query: zVersionQuery,
});
export const deleteRoomKeys = defineEndpoint({
  operationId: "deleteRoomKeys",
  method: "DELETE",
  path: `${BASE}/keys`,
  auth: "accessToken",
  query: zVersionQuery,
});
export const putRoomKeysByRoomId = defineEndpoint({
  operationId: "putRoomKeysByRoomId",
  method: "PUT",
  path: `${BASE}/keys/:roomId`,
  auth: "accessToken",
  params: zRoomParams,
  query: zVersionQuery,
  body: zRoomKeyBackup,
});
export const getRoomKeysByRoomId = defineEndpoint({
  operationId: "getRoomKeysByRoomId",
  method: "GET",
  path: `${BASE}/keys/:roomId`,
  auth: "accessToken",
  params: zRoomParams,
  query: zVersionQuery,
});
export const deleteRoomKeysByRoomId = defineEndpoint({
  operationId: "deleteRoomKeysByRoomId",
  method: "DELETE",
  path: `${BASE}/keys/:roomId`,
  auth: "accessToken",
  params: zRoomParams,
  query: zVersionQuery,
});
export const putRoomKeyBySessionId = defineEndpoint({
  operationId: "putRoomKeyBySessionId",
  method: "PUT",
  path: `${BASE}/keys/:roomId/:sessionId`,
  auth: "accessToken",
  params: zSessionParams,
  query: zVersionQuery,
  body: zKeyBackupData,
});
export const getRoomKeyBySessionId = defineEndpoint({
  operationId: "getRoomKeyBySessionId",
  method: "GET",
  path: `${BASE}/keys/:roomId/:sessionId`,
  auth: "accessToken",
  params: zSessionParams,
  query: zVersionQuery,
});
export const deleteRoomKeyBySessionId = defineEndpoint({
  operationId: "deleteRoomKeyBySessionId",
  method: "DELETE",
  path: `${BASE}/keys/:roomId/:sessionId`,
  auth: "accessToken",
  params: zSessionParams,
  query: zVersionQuery,
});

export function registerKeyBackupRoutes(app: ApiApp): void {
  route(app, postRoomKeysVersion, ({ user, body, services }) =>
    services.e2ee.backup.createVersion(user.userId, body.algorithm, body.auth_data),
  );
  route(app, getRoomKeysVersionCurrent, ({ user, services }) => services.e2ee.backup.getVersion(user.userId));
  route(app, getRoomKeysVersion, ({ user, params, services }) =>
    services.e2ee.backup.getVersion(user.userId, params.version),
  );
  route(app, putRoomKeysVersion, ({ user, params, body, services }) => {
    services.e2ee.backup.updateVersion(user.userId, params.version, body);
    return {};
  });
  route(app, deleteRoomKeysVersion, ({ user, params, services }) => {
    services.e2ee.backup.deleteVersion(user.userId, params.version);
    return {};
  });

  route(app, putRoomKeys, ({ user, query, body, services }) => {
    const rooms: Record<string, Record<string, z.output<typeof zKeyBackupData>>> = {};
    for (const [roomId, r] of Object.entries(body.rooms)) rooms[roomId] = r.sessions;
    return services.e2ee.backup.putKeys(user.userId, versionOf(query), rooms);
  });
  route(app, getRoomKeys, ({ user, query, services }) => services.e2ee.backup.getAll(user.userId, versionOf(query)));
  route(app, deleteRoomKeys, ({ user, query, services }) =>
    services.e2ee.backup.deleteKeys(user.userId, versionOf(query)),
  );

  route(app, putRoomKeysByRoomId, ({ user, params, query, body, services }) =>
    services.e2ee.backup.putKeys(user.userId, versionOf(query), { [params.roomId]: body.sessions }),
  );
  route(app, getRoomKeysByRoomId, ({ user, params, query, services }) =>
    services.e2ee.backup.getRoom(user.userId, versionOf(query), params.roomId),
  );
  route(app, deleteRoomKeysByRoomId, ({ user, params, query, services }) =>
    services.e2ee.backup.deleteKeys(user.userId, versionOf(query), params.roomId),
  );

  route(app, putRoomKeyBySessionId, ({ user, params, query, body, services }) =>
    services.e2ee.backup.putKeys(user.userId, versionOf(query), { [params.roomId]: { [params.sessionId]: body } }),
  );
  route(app, getRoomKeyBySessionId, ({ user, params, query, services }) =>
    services.e2ee.backup.getSession(user.userId, versionOf(query), params.roomId, params.sessionId),
  );
  route(app, deleteRoomKeyBySessionId, ({ user, params, query, services }) =>
    services.e2ee.backup.deleteKeys(user.userId, versionOf(query), params.roomId, params.sessionId),
  );
}
