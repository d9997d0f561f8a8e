/**
 * Receipts and read markers (client-server API, "Receipts", "Read and unread markers";
 * receipts.yaml, read_markers.yaml).
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import { zEventId, zRoomId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

/** The spec answers a bad thread_id with M_INVALID_PARAM (not M_BAD_JSON), so it is checked here. */
function threadIdOf(body: { thread_id?: unknown }): string | undefined {
  const t = body.thread_id;
  if (t === undefined) return undefined;
  if (typeof t !== "string" || t.length === 0) {
    throw MatrixError.invalidParam("thread_id field must be a non-empty string");
  }
  return t;
}

// api/client-server/receipts.yaml
export const postReceipt = defineEndpoint({
  operationId: "postReceipt",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/receipt/:receiptType/:eventId",
  auth: "accessToken",
  params: z.object({
    roomId: zRoomId,
    receiptType: z.enum(["m.read", "m.read.private", "m.fully_read"]),
    eventId: zEventId,
  }),
  body: z.looseObject({ thread_id: z.unknown().optional() }),
});

// api/client-server/read_markers.yaml
export const setReadMarker = defineEndpoint({
  operationId: "setReadMarker",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/read_markers",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId }),
  body: z.object({
    "m.fully_read": zEventId.optional(),
    "m.read": zEventId.optional(),
    "m.read.private": zEventId.optional(),
  }),
});

export function registerReceiptRoutes(app: ApiApp): void {
  route(app, postReceipt, ({ params, body, user, services }) => {
    services.receipts.postReceipt(user.userId, params.roomId, params.receiptType, params.eventId, threadIdOf(body));
    return {};
  });
  route(app, setReadMarker, ({ params, body, user, services }) => {
    services.receipts.setReadMarkers(user.userId, params.roomId, {
      fullyRead: body["m.fully_read"],
      read: body["m.read"],
      readPrivate: body["m.read.private"],
    });
    return {};
  });
}
