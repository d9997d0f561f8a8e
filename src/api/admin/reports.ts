/**
 * Reports for admins. Synapse-compatible: GET /_synapse/admin/v1/event_reports (list),
 * GET/DELETE /_synapse/admin/v1/event_reports/{reportId}. Room and user reports (which Synapse's
 * event report API does not cover) are listed at GET /_hearth/admin/v1/reports?kind=room|user.
 */
import { z } from "zod";
import { MatrixError } from "../../core/errors";
import type { Services } from "../../services";
import type { Report } from "../../services/reports/reports-service";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zUint = z
  .string()
  .regex(/^\d{1,9}$/, "must be a non-negative integer")
  .transform(Number);
const pageQuery = {
  from: zUint.default(0),
  limit: zUint.pipe(z.number().int().min(1).max(1000)).default(100),
  dir: z.enum(["f", "b"]).default("b"),
  user_id: z.string().min(1).max(255).optional(),
  room_id: z.string().min(1).max(255).optional(),
};

export const adminListEventReports = defineEndpoint({
  operationId: "synapseAdminListEventReports",
  method: "GET",
  path: "/_synapse/admin/v1/event_reports",
  auth: "admin",
  query: z.object({ ...pageQuery, event_sender_user_id: z.string().min(1).max(255).optional() }),
});
export const adminGetEventReport = defineEndpoint({
  operationId: "synapseAdminGetEventReport",
  method: "GET",
  path: "/_synapse/admin/v1/event_reports/:reportId",
  auth: "admin",
  params: z.object({ reportId: zUint }),
});
export const adminDeleteEventReport = defineEndpoint({
  operationId: "synapseAdminDeleteEventReport",
  method: "DELETE",
  path: "/_synapse/admin/v1/event_reports/:reportId",
  auth: "admin",
  params: z.object({ reportId: zUint }),
});
export const adminListReports = defineEndpoint({
  operationId: "hearthAdminListReports",
  method: "GET",
  path: "/_hearth/admin/v1/reports",
  auth: "admin",
  query: z.object({
    ...pageQuery,
    kind: z.enum(["event", "room", "user"]),
    target_user_id: z.string().max(255).optional(),
  }),
});

function roomInfo(services: Services, roomId: string | null): { name: string | null; canonical_alias: string | null } {
  if (roomId === null) return { name: null, canonical_alias: null };
  try {
    const d = services.roomAdmin.details(roomId);
    return { name: d.summary?.name ?? null, canonical_alias: d.summary?.canonicalAlias ?? null };
  } catch {
    return { name: null, canonical_alias: null };
  }
}

/** An event report as Synapse lists it. */
function eventReportJson(services: Services, r: Report): Record<string, unknown> {
  return {
    id: r.id,
    received_ts: r.receivedTs,
    room_id: r.roomId,
    ...roomInfo(services, r.roomId),
    event_id: r.eventId,
    user_id: r.userId,
    reason: r.reason,
    score: r.score,
    sender: r.targetUserId,
  };
}

function reportJson(services: Services, r: Report): Record<string, unknown> {
  if (r.kind === "event") return eventReportJson(services, r);
  return {
    id: r.id,
    kind: r.kind,
    received_ts: r.receivedTs,
    user_id: r.userId,
    reason: r.reason,
    ...(r.kind === "room"
      ? { room_id: r.roomId, ...roomInfo(services, r.roomId) }
      : { target_user_id: r.targetUserId }),
  };
}

function eventReportOr404(services: Services, id: number): Report {
  const r = services.reports.get(id);
  if (r?.kind !== "event") throw MatrixError.notFound("Event report not found");
  return r;
}

export function registerAdminReportRoutes(app: ApiApp): void {
  route(app, adminListEventReports, ({ query, services }) => {
    const page = services.reports.list(
      {
        kind: "event",
        ...(query.user_id !== undefined ? { userId: query.user_id } : {}),
        ...(query.room_id !== undefined ? { roomId: query.room_id } : {}),
        ...(query.event_sender_user_id !== undefined ? { targetUserId: query.event_sender_user_id } : {}),
      },
      { from: query.from, limit: query.limit, dir: query.dir },
    );
    const out: Record<string, unknown> = {
      event_reports: page.reports.map((r) => eventReportJson(services, r)),
      total: page.total,
    };
    if (query.from + page.reports.length < page.total) out.next_token = query.from + page.reports.length;
    return out;
  });
  route(app, adminGetEventReport, ({ params, services }) => {
    const r = eventReportOr404(services, params.reportId);
    let eventJson: unknown = null;
    try {
      eventJson = r.eventJson !== null ? JSON.parse(r.eventJson) : null;
    } catch {
      eventJson = null;
    }
    return { ...eventReportJson(services, r), event_json: eventJson };
  });
  route(app, adminDeleteEventReport, ({ params, services }) => {
    eventReportOr404(services, params.reportId);
    services.reports.delete(params.reportId);
    return {};
  });
  route(app, adminListReports, ({ query, services }) => {
    const page = services.reports.list(
      {
        kind: query.kind,
        ...(query.user_id !== undefined ? { userId: query.user_id } : {}),
        ...(query.room_id !== undefined ? { roomId: query.room_id } : {}),
        ...(query.target_user_id !== undefined ? { targetUserId: query.target_user_id } : {}),
      },
      { from: query.from, limit: query.limit, dir: query.dir },
    );
    const out: Record<string, unknown> = {
      reports: page.reports.map((r) => reportJson(services, r)),
      total: page.total,
    };
    if (query.from + page.reports.length < page.total) out.next_token = query.from + page.reports.length;
    return out;
  });
}
