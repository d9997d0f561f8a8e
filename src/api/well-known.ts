import { MatrixError } from "../core/errors";
import { type ApiApp, defineEndpoint, route } from "./endpoint";

// operationId from api/client-server/wellknown.yaml
export const getWellknown = defineEndpoint({
  operationId: "getWellknown",
  method: "GET",
  path: "/.well-known/matrix/client",
  auth: "none",
});

// operationId from api/server-server/wellknown.yaml
export const getWellKnownServer = defineEndpoint({
  operationId: "getWellKnown",
  method: "GET",
  path: "/.well-known/matrix/server",
  auth: "none",
});

export const getHealth = defineEndpoint({ operationId: "health", method: "GET", path: "/health", auth: "none" });

export function registerWellKnownRoutes(app: ApiApp): void {
  route(app, getWellknown, ({ services }) => {
    if (!services.config.well_known.serve) throw MatrixError.notFound("No .well-known here");
    return { "m.homeserver": { base_url: services.config.public_base_url.replace(/\/+$/, "") } };
  });
  route(app, getWellKnownServer, ({ services }) => {
    const wk = services.config.well_known;
    if (!wk.serve) throw MatrixError.notFound("No .well-known here");
    return { "m.server": wk.server || defaultDelegation(services.config.public_base_url) };
  });
  route(app, getHealth, () => new Response("OK", { headers: { "content-type": "text/plain" } }));
}

/** host:port of the public URL, with 443 when the URL names no port. */
export function defaultDelegation(publicBaseUrl: string): string {
  const u = new URL(publicBaseUrl);
  // Federation is always HTTPS; a public URL behind a reverse proxy still means port 443 to other servers.
  const port = u.protocol === "https:" && u.port ? u.port : "443";
  return `${u.hostname}:${port}`;
}
