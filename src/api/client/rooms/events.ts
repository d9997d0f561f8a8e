/** Sending messages and state, redacting, reading state and single events, listing joined rooms. */
import { z } from "zod";
import { zEventId, zRoomId } from "../../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../../endpoint";

const zType = z.string().min(1).max(255);
const zTxnId = z.string().min(1).max(255);
const zContent = z.record(z.string(), z.unknown());

// api/client-server/room_send.yaml
export const sendMessage = defineEndpoint({
  operationId: "sendMessage",
  method: "PUT",
  path: "/_matrix/client/v3/rooms/:roomId/send/:eventType/:txnId",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId, eventType: zType, txnId: zTxnId }),
  body: zContent,
});
// api/client-server/room_state.yaml (the state key may be empty: two paths)
export const setRoomStateWithKey = defineEndpoint({
  operationId: "setRoomStateWithKey",
  method: "PUT",
  path: "/_matrix/client/v3/rooms/:roomId/state/:eventType/:stateKey",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, eventType: zType, stateKey: z.string().max(255) }),
  body: zContent,
});
export const setRoomStateEmptyKey = defineEndpoint({
  operationId: "setRoomStateWithKey",
  method: "PUT",
  path: "/_matrix/client/v3/rooms/:roomId/state/:eventType",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, eventType: zType }),
  body: zContent,
});
// api/client-server/redaction.yaml
export const redactEvent = defineEndpoint({
  operationId: "redactEvent",
  method: "PUT",
  path: "/_matrix/client/v3/rooms/:roomId/redact/:eventId/:txnId",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, eventId: zEventId, txnId: zTxnId }),
  body: z.object({ reason: z.string().max(1000).optional() }),
});
// api/client-server/rooms.yaml
export const getRoomState = defineEndpoint({
  operationId: "getRoomState",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/state",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId }),
});
const zFormat = z.object({ format: z.enum(["content", "event"]).optional() });
export const getRoomStateWithKey = defineEndpoint({
  operationId: "getRoomStateWithKey",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/state/:eventType/:stateKey",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId, eventType: zType, stateKey: z.string().max(255) }),
  query: zFormat,
});
export const getRoomStateEmptyKey = defineEndpoint({
  operationId: "getRoomStateWithKey",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/state/:eventType",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId, eventType: zType }),
  query: zFormat,
});
export const getOneRoomEvent = defineEndpoint({
  operationId: "getOneRoomEvent",
  method: "GET",
  path: "/_matrix/client/v3/rooms/:roomId/event/:eventId",
  auth: "accessToken",
  guestOk: true,
  params: z.object({ roomId: zRoomId, eventId: zEventId }),
});
// api/client-server/list_joined_rooms.yaml
export const getJoinedRooms = defineEndpoint({
  operationId: "getJoinedRooms",
  method: "GET",
  path: "/_matrix/client/v3/joined_rooms",
  auth: "accessToken",
  guestOk: true,
});

export function registerRoomEventRoutes(app: ApiApp): void {
  route(app, sendMessage, ({ params, body, user, services }) =>
    services.rooms.send(user, params.roomId, params.eventType, body, params.txnId),
  );
  route(app, setRoomStateWithKey, ({ params, body, user, services }) =>
    services.rooms.setState(user, params.roomId, params.eventType, params.stateKey, body),
  );
  // Clients (matrix-js-sdk, so Element) write the empty state key as a trailing slash: `/state/m.room.name/`.
  for (const e of [setRoomStateEmptyKey, { ...setRoomStateEmptyKey, path: `${setRoomStateEmptyKey.path}/` }]) {
    route(app, e, ({ params, body, user, services }) =>
      services.rooms.setState(user, params.roomId, params.eventType, "", body),
    );
  }
  route(app, redactEvent, ({ params, body, user, services }) =>
    services.rooms.redact(user, params.roomId, params.eventId, params.txnId, body.reason),
  );
  // The spec's response is a bare JSON array.
  route(app, getRoomState, ({ params, user, services }) => Response.json(services.rooms.getState(user, params.roomId)));
  route(app, getRoomStateWithKey, ({ params, query, user, services }) => {
    const ev = services.rooms.getStateEvent(user, params.roomId, params.eventType, params.stateKey);
    return query.format === "event" ? ev : ev.content;
  });
  for (const e of [getRoomStateEmptyKey, { ...getRoomStateEmptyKey, path: `${getRoomStateEmptyKey.path}/` }]) {
    route(app, e, ({ params, query, user, services }) => {
      const ev = services.rooms.getStateEvent(user, params.roomId, params.eventType, "");
      return query.format === "event" ? ev : ev.content;
    });
  }
  route(app, getOneRoomEvent, ({ params, user, services }) =>
    services.rooms.getEvent(user, params.roomId, params.eventId),
  );
  route(app, getJoinedRooms, ({ user, services }) => ({ joined_rooms: services.rooms.joinedRooms(user.userId) }));
}
