import type { ApiApp } from "../endpoint";
import { registerAdminRegistrationTokenRoutes } from "./registration-tokens";
import { registerAdminReportRoutes } from "./reports";
import { registerAdminRoomRoutes } from "./rooms";
import { registerAdminServerRoutes } from "./server";
import { registerAdminUserRoutes } from "./users";

/** Synapse-compatible admin API routes (/_synapse/admin/...). */
export function registerAdminRoutes(app: ApiApp): void {
  registerAdminServerRoutes(app);
  registerAdminUserRoutes(app);
  registerAdminRegistrationTokenRoutes(app);
  registerAdminRoomRoutes(app);
  registerAdminReportRoutes(app);
}
