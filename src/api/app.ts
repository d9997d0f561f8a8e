/**
 * Builds the hono application: request IDs, client address, CORS/OPTIONS, access log, the error
 * funnel, 404/405 answers, and every route module.
 */
import { Hono } from "hono";
import { TrieRouter } from "hono/router/trie-router";
import { MatrixError } from "../core/errors";
import type { Services } from "../services";
import { randomAlnum } from "../util/random";
import { registerAdminRoutes } from "./admin";
import { registerClientRoutes } from "./client";
import { type ApiApp, createRouteTable } from "./endpoint";
import type { AppEnv } from "./env";
import { registerMediaRoutes } from "./media";
import { withCors } from "./middleware/cors";
import { errorResponse } from "./middleware/errors";
import { registerWellKnownRoutes } from "./well-known";

export interface AppOptions {
  /** Resolves the client's address for a request (Bun's server.requestIP). */
  clientIp?: (req: Request) => string;
}

export function createApp(services: Services, opts: AppOptions = {}): ApiApp {
  // TrieRouter: no compile step on the first request (RegExpRouter spends ~50 ms on our ~250 routes).
  const hono = new Hono<AppEnv>({ router: new TrieRouter() });
  const app: ApiApp = { hono, routes: createRouteTable() };
  const accessLog = services.config.logging.access_log;

  hono.use("*", async (c, next) => {
    const requestId = randomAlnum(10);
    c.set("services", services);
    c.set("requestId", requestId);
    c.set("clientIp", opts.clientIp?.(c.req.raw) ?? "127.0.0.1");
    const started = performance.now();
    if (c.req.method === "OPTIONS") {
      // Preflight: answer with the CORS headers only; no endpoint logic runs.
      c.res = new Response(null, { status: 204 });
    } else {
      await next();
    }
    c.res = withCors(c.res);
    if (accessLog) {
      // Only the path: query strings may carry tokens (access_token=...), so they are never logged.
      services.logger.info("request", {
        request_id: requestId,
        ip: c.get("clientIp"),
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  });

  hono.onError((err, c) => errorResponse(err, c));
  hono.notFound((c) => {
    const methods = app.routes.methodsFor(new URL(c.req.url).pathname);
    const err =
      methods.length > 0
        ? MatrixError.unrecognized(`Method ${c.req.method} not allowed here`, 405)
        : MatrixError.unrecognized("Unrecognized request");
    const res = errorResponse(err, c);
    if (methods.length > 0) res.headers.set("Allow", [...methods, "OPTIONS"].join(", "));
    return res;
  });

  registerWellKnownRoutes(app);
  registerClientRoutes(app);
  registerAdminRoutes(app);
  registerMediaRoutes(app, services.config);
  return app;
}
