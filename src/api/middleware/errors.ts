/** The one error funnel: every failure becomes a spec-shaped `{ errcode, error }` response. */
import type { Context } from "hono";
import { MatrixError, UiaRequired } from "../../core/errors";
import type { AppEnv } from "../env";

export function errorResponse(err: unknown, c: Context<AppEnv>): Response {
  if (err instanceof MatrixError) {
    return c.json(err.toJSON(), err.status as 400);
  }
  if (err instanceof UiaRequired) {
    return c.json(err.body, 401);
  }
  // Anything else is a bug or an infrastructure failure: log it with the request ID, leak nothing.
  const services = c.get("services");
  services?.logger.error("unhandled error", {
    request_id: c.get("requestId"),
    path: new URL(c.req.url).pathname,
    error: err instanceof Error ? (err.stack ?? err.message) : String(err),
  });
  return c.json({ errcode: "M_UNKNOWN", error: "Internal server error" }, 500);
}
