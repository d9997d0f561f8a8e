/**
 * Synapse-compatible admin API for media (server admins only):
 *   POST   /_synapse/admin/v1/media/quarantine/{serverName}/{mediaId}
 *   POST   /_synapse/admin/v1/media/unquarantine/{serverName}/{mediaId}
 *   DELETE /_synapse/admin/v1/media/{serverName}/{mediaId}
 *   POST   /_synapse/admin/v1/media/delete?before_ts=&size_gt=
 *   POST   /_synapse/admin/v1/purge_media_cache?before_ts=
 *   GET    /_synapse/admin/v1/statistics/users/media?from=&limit=&order_by=&dir=
 */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";
import { zMxcParams } from "./params";

const zMs = z
  .string()
  .regex(/^\d{1,16}$/, "must be a timestamp in milliseconds")
  .transform(Number);
const zCount = (max: number) =>
  z
    .string()
    .regex(/^\d{1,9}$/, "must be a non-negative integer")
    .transform(Number)
    .pipe(z.number().int().min(0).max(max));

export const quarantineMedia = defineEndpoint({
  operationId: "adminQuarantineMedia",
  method: "POST",
  path: "/_synapse/admin/v1/media/quarantine/:serverName/:mediaId",
  auth: "admin",
  params: zMxcParams,
});

export const unquarantineMedia = defineEndpoint({
  operationId: "adminUnquarantineMedia",
  method: "POST",
  path: "/_synapse/admin/v1/media/unquarantine/:serverName/:mediaId",
  auth: "admin",
  params: zMxcParams,
});

export const deleteMedia = defineEndpoint({
  operationId: "adminDeleteMedia",
  method: "DELETE",
  path: "/_synapse/admin/v1/media/:serverName/:mediaId",
  auth: "admin",
  params: zMxcParams,
});

export const deleteMediaBefore = defineEndpoint({
  operationId: "adminDeleteMediaBefore",
  method: "POST",
  path: "/_synapse/admin/v1/media/delete",
  auth: "admin",
  query: z.object({ before_ts: zMs, size_gt: zCount(2 ** 30 * 8).optional(), keep_profiles: z.string().optional() }),
});

export const purgeMediaCache = defineEndpoint({
  operationId: "adminPurgeMediaCache",
  method: "POST",
  path: "/_synapse/admin/v1/purge_media_cache",
  auth: "admin",
  query: z.object({ before_ts: zMs }),
});

export const userMediaStatistics = defineEndpoint({
  operationId: "adminUserMediaStatistics",
  method: "GET",
  path: "/_synapse/admin/v1/statistics/users/media",
  auth: "admin",
  query: z.object({
    from: zCount(1_000_000_000).optional(),
    limit: zCount(1000).optional(),
    order_by: z.enum(["media_length", "media_count", "user_id"]).optional(),
    dir: z.enum(["f", "b"]).optional(),
  }),
});

export function registerMediaAdminRoutes(app: ApiApp): void {
  route(app, quarantineMedia, ({ params, services }) => {
    services.media.admin.setQuarantined(params.serverName, params.mediaId, true);
    return {};
  });
  route(app, unquarantineMedia, ({ params, services }) => {
    services.media.admin.setQuarantined(params.serverName, params.mediaId, false);
    return {};
  });
  route(app, deleteMedia, async ({ params, services }) => {
    const deleted = await services.media.admin.deleteLocal(params.serverName, params.mediaId);
    return { deleted_media: deleted, total: deleted.length };
  });
  route(app, deleteMediaBefore, async ({ query, services }) => {
    const deleted = await services.media.admin.deleteLocalBefore(query.before_ts, query.size_gt ?? 0);
    return { deleted_media: deleted, total: deleted.length };
  });
  route(app, purgeMediaCache, async ({ query, services }) => ({
    deleted: await services.media.admin.purgeRemoteBefore(query.before_ts),
  }));
  route(app, userMediaStatistics, ({ query, services }) => {
    const from = query.from ?? 0;
    const limit = query.limit ?? 100;
    const { users, total } = services.media.admin.usage({
      orderBy: query.order_by ?? "user_id",
      descending: query.dir === "b",
      from,
      limit,
    });
    return {
      users: users.map((u) => ({
        user_id: u.userId,
        displayname: u.displayname,
        media_count: u.mediaCount,
        media_length: u.mediaLength,
      })),
      total,
      ...(from + users.length < total ? { next_token: from + users.length } : {}),
    };
  });
}
