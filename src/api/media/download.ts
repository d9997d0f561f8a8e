/**
 * Downloads and thumbnails. The authenticated endpoints are the default; the deprecated
 * unauthenticated /_matrix/media/v3 ones serve only media that arrived before the configured freeze
 * (client-server API, "Client behaviour" warning), and 404 M_NOT_FOUND otherwise.
 *   GET /_matrix/client/v1/media/download/{serverName}/{mediaId}[/{fileName}]  getContentAuthed, getContentOverrideNameAuthed
 *   GET /_matrix/client/v1/media/thumbnail/{serverName}/{mediaId}              getContentThumbnailAuthed
 *   GET /_matrix/media/v3/download/{serverName}/{mediaId}[/{fileName}]         getContent, getContentOverrideName
 *   GET /_matrix/media/v3/thumbnail/{serverName}/{mediaId}                     getContentThumbnail
 * allow_redirect is accepted; the content is always served directly (no CDN).
 */
import { z } from "zod";
import { zServerName } from "../../core/ids/zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";
import { DEFAULT_TIMEOUT_MS, zDownloadQuery, zFileName, zMediaId, zMxcParams, zThumbnailQuery } from "./params";
import { serveMedia } from "./serve";

const zNamedParams = z.object({ serverName: zServerName, mediaId: zMediaId, fileName: zFileName });

export const getContentAuthed = defineEndpoint({
  operationId: "getContentAuthed",
  method: "GET",
  path: "/_matrix/client/v1/media/download/:serverName/:mediaId",
  auth: "accessToken",
  guestOk: true,
  params: zMxcParams,
  query: zDownloadQuery,
});

export const getContentOverrideNameAuthed = defineEndpoint({
  operationId: "getContentOverrideNameAuthed",
  method: "GET",
  path: "/_matrix/client/v1/media/download/:serverName/:mediaId/:fileName",
  auth: "accessToken",
  guestOk: true,
  params: zNamedParams,
  query: zDownloadQuery,
});

export const getContentThumbnailAuthed = defineEndpoint({
  operationId: "getContentThumbnailAuthed",
  method: "GET",
  path: "/_matrix/client/v1/media/thumbnail/:serverName/:mediaId",
  auth: "accessToken",
  guestOk: true,
  params: zMxcParams,
  query: zThumbnailQuery,
});

export const getContent = defineEndpoint({
  operationId: "getContent",
  method: "GET",
  path: "/_matrix/media/v3/download/:serverName/:mediaId",
  auth: "none",
  params: zMxcParams,
  query: zDownloadQuery,
});

export const getContentOverrideName = defineEndpoint({
  operationId: "getContentOverrideName",
  method: "GET",
  path: "/_matrix/media/v3/download/:serverName/:mediaId/:fileName",
  auth: "none",
  params: zNamedParams,
  query: zDownloadQuery,
});

export const getContentThumbnail = defineEndpoint({
  operationId: "getContentThumbnail",
  method: "GET",
  path: "/_matrix/media/v3/thumbnail/:serverName/:mediaId",
  auth: "none",
  params: zMxcParams,
  query: zThumbnailQuery,
});

const THUMBNAIL_EXT: Record<string, string> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
};

export function registerDownloadRoutes(app: ApiApp): void {
  for (const [e, legacy] of [
    [getContentAuthed, false],
    [getContent, true],
  ] as const) {
    route(app, e, async ({ params, query, services, req }) => {
      const content = await services.media.download({
        serverName: params.serverName,
        mediaId: params.mediaId,
        timeoutMs: query.timeout_ms ?? DEFAULT_TIMEOUT_MS,
        allowRemote: query.allow_remote ?? true,
        legacy,
      });
      return serveMedia(content, req.raw, {
        disposition: "auto",
        filename: content.uploadName,
        authenticated: !legacy,
      });
    });
  }

  for (const [e, legacy] of [
    [getContentOverrideNameAuthed, false],
    [getContentOverrideName, true],
  ] as const) {
    route(app, e, async ({ params, query, services, req }) => {
      const content = await services.media.download({
        serverName: params.serverName,
        mediaId: params.mediaId,
        timeoutMs: query.timeout_ms ?? DEFAULT_TIMEOUT_MS,
        allowRemote: query.allow_remote ?? true,
        legacy,
      });
      return serveMedia(content, req.raw, { disposition: "auto", filename: params.fileName, authenticated: !legacy });
    });
  }

  for (const [e, legacy] of [
    [getContentThumbnailAuthed, false],
    [getContentThumbnail, true],
  ] as const) {
    route(app, e, async ({ params, query, services, req }) => {
      const content = await services.media.thumbnail({
        serverName: params.serverName,
        mediaId: params.mediaId,
        timeoutMs: query.timeout_ms ?? DEFAULT_TIMEOUT_MS,
        allowRemote: query.allow_remote ?? true,
        legacy,
        width: query.width,
        height: query.height,
        method: query.method ?? "scale",
        animated: query.animated ?? false,
      });
      const ext = THUMBNAIL_EXT[content.contentType] ?? "png";
      return serveMedia(content, req.raw, {
        disposition: "inline",
        filename: `thumbnail.${ext}`,
        authenticated: !legacy,
      });
    });
  }
}
