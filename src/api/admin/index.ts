import type { ApiApp } from "../endpoint";

/** Synapse-compatible admin API routes (/_synapse/admin/...). */
export function registerAdminRoutes(_app: ApiApp): void {}
