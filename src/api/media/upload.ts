/**
 * Uploads (client-server API, "Content repository"):
 *   POST /_matrix/media/v3/upload                         uploadContent
 *   POST /_matrix/media/v1/create                         createContent
 *   PUT  /_matrix/media/v3/upload/{serverName}/{mediaId}  uploadContentToMXC
 * The body is the file itself, streamed to disk by the service (never read through the JSON reader).
 */
import { z } from "zod";
import { type ApiApp, defineEndpoint, type RequestInfo, route } from "../endpoint";
import { zMxcParams } from "./params";

const zUploadQuery = z.object({ filename: z.string().optional() });

export const uploadContent = defineEndpoint({
  operationId: "uploadContent",
  method: "POST",
  path: "/_matrix/media/v3/upload",
  auth: "accessToken",
  query: zUploadQuery,
});

export const createContent = defineEndpoint({
  operationId: "createContent",
  method: "POST",
  path: "/_matrix/media/v1/create",
  auth: "accessToken",
});

export const uploadContentToMXC = defineEndpoint({
  operationId: "uploadContentToMXC",
  method: "PUT",
  path: "/_matrix/media/v3/upload/:serverName/:mediaId",
  auth: "accessToken",
  params: zMxcParams,
  query: zUploadQuery,
});

function bodyOf(req: RequestInfo) {
  const len = req.raw.headers.get("content-length");
  return {
    contentType: req.raw.headers.get("content-type"),
    body: req.raw.body,
    contentLength: len !== null && /^\d+$/.test(len) ? Number(len) : null,
  };
}

export function registerUploadRoutes(app: ApiApp): void {
  route(app, uploadContent, async ({ query, user, services, req }) => {
    const { contentUri } = await services.media.upload({
      userId: user.userId,
      filename: query.filename ?? null,
      ...bodyOf(req),
    });
    return { content_uri: contentUri };
  });

  route(app, createContent, ({ user, services }) => {
    const { contentUri, unusedExpiresAt } = services.media.createPending(user.userId);
    return { content_uri: contentUri, unused_expires_at: unusedExpiresAt };
  });

  route(app, uploadContentToMXC, async ({ params, query, user, services, req }) => {
    await services.media.uploadToPending({
      userId: user.userId,
      serverName: params.serverName,
      mediaId: params.mediaId,
      filename: query.filename ?? null,
      ...bodyOf(req),
    });
    return {};
  });
}
