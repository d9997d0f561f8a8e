/**
 * Reporting content: POST /_matrix/client/v3/rooms/{roomId}/report/{eventId},
 * POST /_matrix/client/v3/rooms/{roomId}/report (v1.13), POST /_matrix/client/v3/users/{userId}/report (v1.14).
 */
import { z } from "zod";
import { zEventId, zRoomId, zUserId } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zReason = z.string().max(10_000);

// api/client-server/report_content.yaml
export const reportEvent = defineEndpoint({
  operationId: "reportEvent",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/report/:eventId",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId, eventId: zEventId }),
  // `score` was removed in v1.18; older clients still send it (-100 most offensive .. 0 inoffensive).
  body: z.object({ reason: zReason.optional(), score: z.number().int().min(-100).max(0).optional() }),
});
export const reportRoom = defineEndpoint({
  operationId: "reportRoom",
  method: "POST",
  path: "/_matrix/client/v3/rooms/:roomId/report",
  auth: "accessToken",
  params: z.object({ roomId: zRoomId }),
  body: z.object({ reason: zReason }),
});
export const reportUser = defineEndpoint({
  operationId: "reportUser",
  method: "POST",
  path: "/_matrix/client/v3/users/:userId/report",
  auth: "accessToken",
  params: z.object({ userId: zUserId }),
  body: z.object({ reason: zReason }),
});

export function registerReportRoutes(app: ApiApp): void {
  route(app, reportEvent, ({ params, body, user, services }) => {
    services.reports.reportEvent(user.userId, params.roomId, params.eventId, body.reason, body.score);
    return {};
  });
  route(app, reportRoom, ({ params, body, user, services }) => {
    services.reports.reportRoom(user.userId, params.roomId, body.reason);
    return {};
  });
  route(app, reportUser, ({ params, body, user, services }) => {
    services.reports.reportUser(user.userId, params.userId, body.reason);
    return {};
  });
}
