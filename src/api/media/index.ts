import type { Config } from "../../config/schema";
import type { ApiApp } from "../endpoint";
import { registerMediaAdminRoutes } from "./admin";
import { registerMediaConfigRoutes } from "./config";
import { registerDownloadRoutes } from "./download";
import { registerPreviewUrlRoutes } from "./preview-url";
import { registerUploadRoutes } from "./upload";

/** The media repository: /_matrix/media/* and /_matrix/client/v1/media/*. */
export function registerMediaRoutes(app: ApiApp, config: Config): void {
  registerUploadRoutes(app);
  registerDownloadRoutes(app);
  registerMediaConfigRoutes(app);
  registerMediaAdminRoutes(app);
  // URL previews make the server fetch what users name: only when the operator turned them on.
  if (config.media.url_preview.enabled) registerPreviewUrlRoutes(app);
}
