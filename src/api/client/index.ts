import type { ApiApp } from "../endpoint";
import { registerVersionRoutes } from "./versions";

/** Every /_matrix/client route module, registered in one place. */
export function registerClientRoutes(app: ApiApp): void {
  registerVersionRoutes(app);
}
