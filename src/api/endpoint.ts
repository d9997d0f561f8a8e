/**
 * Endpoints are data (`defineEndpoint`), and `route()` is the only code that touches hono: it
 * authenticates per `auth`, validates path, query and body with zod, calls the handler and writes JSON.
 * Handlers never see hono's Context.
 */
import type { Context, Hono } from "hono";
import type { z } from "zod";
import { MatrixError } from "../core/errors";
import type { Requester, Services } from "../services";
import { readJsonBody } from "./body";
import type { AppEnv } from "./env";

export type AuthKind = "none" | "accessToken" | "optionalAccessToken" | "admin";
export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface Endpoint<
  A extends AuthKind,
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
> {
  /** The spec's operationId (or a stable name for non-spec endpoints). */
  operationId: string;
  method: Method;
  /** hono-style path, e.g. /_matrix/client/v3/profile/:userId/displayname */
  path: string;
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Rate-limit bucket applied before the handler runs (per client address, and per user when known). */
  rateLimit?: "login" | "register";
  /** Allow an access token for a guest account (default false: guests get M_GUEST_ACCESS_FORBIDDEN). */
  guestOk?: boolean;
  /** Largest body accepted in bytes (default: limits.max_request_bytes). */
  maxBodyBytes?: number;
}

export function defineEndpoint<
  A extends AuthKind,
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(e: Endpoint<A, P, Q, B>): Endpoint<A, P, Q, B> {
  return e;
}

type Out<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface RequestInfo {
  requestId: string;
  ip: string;
  userAgent: string;
  /** The raw request, for the few handlers that need headers or the body stream (media). */
  raw: Request;
}

export interface HandlerArgs<A extends AuthKind, P, Q, B> {
  params: Out<P>;
  query: Out<Q>;
  body: Out<B>;
  user: A extends "accessToken" | "admin" ? Requester : A extends "optionalAccessToken" ? Requester | null : null;
  services: Services;
  req: RequestInfo;
}

/** A handler returns a JSON body (status 200), a `{ status, body }` pair, or a ready Response. */
export type HandlerResult = object | JsonResponse | Response;
export class JsonResponse {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export function extractAccessToken(req: Request): string | null {
  const header = req.headers.get("authorization");
  if (header) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!m) throw MatrixError.missingToken();
    return m[1]!;
  }
  // Deprecated (removed after v1.19) but still sent by older clients.
  const q = new URL(req.url).searchParams.get("access_token");
  return q || null;
}

function zodMessage(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
    .join("; ");
}

/** Registers every route with its path pattern so the 405 handler knows which methods a path has. */
/** What the route table records of an endpoint besides its method and path (for 405s and tests). */
export interface RouteInfo {
  auth?: AuthKind;
  /** The endpoint parses a JSON body. */
  jsonBody?: boolean;
}

export interface RouteTable {
  add(method: Method, path: string, info?: RouteInfo): void;
  methodsFor(pathname: string): Method[];
  /** Every registered (method, path pattern), in registration order. */
  list(): ({ method: Method; path: string } & RouteInfo)[];
}

export function createRouteTable(): RouteTable {
  const entries: ({ re: RegExp; method: Method; path: string } & RouteInfo)[] = [];
  return {
    list: () => entries.map(({ re: _re, ...rest }) => rest),
    add(method, path, info = {}) {
      const re = new RegExp(
        `^${path
          .split("/")
          .map((seg) =>
            seg.startsWith(":") ? "[^/]+" : seg === "*" ? ".*" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
          )
          .join("/")}$`,
      );
      entries.push({ re, method, path, ...info });
    },
    methodsFor(pathname) {
      return [...new Set(entries.filter((e) => e.re.test(pathname)).map((e) => e.method))];
    },
  };
}

/** The hono app plus the table of registered routes (for 405 answers). */
export interface ApiApp {
  hono: Hono<AppEnv>;
  routes: RouteTable;
}

export function route<
  A extends AuthKind,
  P extends z.ZodType | undefined,
  Q extends z.ZodType | undefined,
  B extends z.ZodType | undefined,
>(
  app: ApiApp,
  e: Endpoint<A, P, Q, B>,
  handler: (args: HandlerArgs<A, P, Q, B>) => Promise<HandlerResult> | HandlerResult,
): void {
  app.routes.add(e.method, e.path, { auth: e.auth, jsonBody: e.body !== undefined });
  app.hono.on(e.method, e.path, async (c: Context<AppEnv>) => {
    const services = c.get("services");
    const req: RequestInfo = {
      requestId: c.get("requestId"),
      ip: c.get("clientIp"),
      userAgent: c.req.header("user-agent") ?? "",
      raw: c.req.raw,
    };

    let user: Requester | null = null;
    if (e.auth !== "none") {
      const token = extractAccessToken(c.req.raw);
      if (token === null) {
        if (e.auth !== "optionalAccessToken") throw MatrixError.missingToken();
      } else {
        user = services.auth.authenticate(token, { ip: req.ip, userAgent: req.userAgent });
        if (user.isGuest && !e.guestOk) {
          throw new MatrixError(403, "M_GUEST_ACCESS_FORBIDDEN", "Guest accounts cannot use this endpoint");
        }
        if (e.auth === "admin" && !user.isAdmin) throw MatrixError.forbidden("You are not a server admin");
      }
    }
    if (e.rateLimit) services.rateLimiter.check(e.rateLimit, req.ip, user?.userId ?? null);

    let params: unknown;
    if (e.params) {
      const raw: Record<string, string> = {};
      for (const [k, v] of Object.entries(c.req.param() as Record<string, string>)) raw[k] = safeDecode(v);
      const r = e.params.safeParse(raw);
      if (!r.success) throw MatrixError.invalidParam(zodMessage(r.error));
      params = r.data;
    }
    let query: unknown;
    if (e.query) {
      const r = e.query.safeParse(c.req.query());
      if (!r.success) throw MatrixError.invalidParam(zodMessage(r.error));
      query = r.data;
    }
    let body: unknown;
    if (e.body) {
      const json = await readJsonBody(c.req.raw, e.maxBodyBytes ?? services.config.limits.max_request_bytes);
      const r = e.body.safeParse(json);
      if (!r.success) throw MatrixError.badJson(zodMessage(r.error));
      body = r.data;
    }

    const out = await handler({ params, query, body, user, services, req } as HandlerArgs<A, P, Q, B>);
    if (out instanceof Response) return out;
    if (out instanceof JsonResponse) return c.json(out.body as object, out.status as 200, out.headers);
    return c.json(out);
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw MatrixError.invalidParam("Malformed percent-encoding in path");
  }
}
