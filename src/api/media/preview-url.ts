/**
 * GET /_matrix/client/v1/media/preview_url  getUrlPreviewAuthed
 * GET /_matrix/media/v3/preview_url         getUrlPreview (deprecated; still authenticated)
 * Registered only when media.url_preview.enabled (otherwise the app answers 404 M_UNRECOGNIZED).
 */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zPreviewQuery = z.object({
  url: z.string().min(1),
  ts: z
    .string()
    .regex(/^\d{1,16}$/, "ts must be a timestamp in milliseconds")
    .transform(Number)
    .optional(),
});

export const getUrlPreviewAuthed = defineEndpoint({
  operationId: "getUrlPreviewAuthed",
  method: "GET",
  path: "/_matrix/client/v1/media/preview_url",
  auth: "accessToken",
  query: zPreviewQuery,
});

export const getUrlPreview = defineEndpoint({
  operationId: "getUrlPreview",
  method: "GET",
  path: "/_matrix/media/v3/preview_url",
  auth: "accessToken",
  query: zPreviewQuery,
});

export function registerPreviewUrlRoutes(app: ApiApp): void {
  for (const e of [getUrlPreviewAuthed, getUrlPreview]) {
    route(app, e, ({ query, user, services }) =>
      services.media.previewUrl({ userId: user.userId, url: query.url, ts: query.ts ?? null }),
    );
  }
}
