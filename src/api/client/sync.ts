/** GET /sync (client-server API, "Syncing"; sync.yaml). */
import { z } from "zod";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zBool = z.enum(["true", "false"]).transform((s) => s === "true");

// api/client-server/sync.yaml
export const sync = defineEndpoint({
  operationId: "sync",
  method: "GET",
  path: "/_matrix/client/v3/sync",
  auth: "accessToken",
  guestOk: true,
  query: z.object({
    filter: z.string().max(65_536).optional(),
    since: z.string().max(1024).optional(),
    full_state: zBool.optional(),
    use_state_after: zBool.optional(),
    set_presence: z.enum(["offline", "online", "unavailable"]).optional(),
    timeout: z
      .string()
      .regex(/^\d{1,12}$/, "must be a whole number of milliseconds")
      .transform(Number)
      .optional(),
  }),
});

export function registerSyncRoutes(app: ApiApp): void {
  route(app, sync, ({ query, user, services, req }) =>
    services.sync.sync(
      { userId: user.userId, deviceId: user.deviceId },
      {
        filter: query.filter,
        since: query.since,
        fullState: query.full_state,
        useStateAfter: query.use_state_after,
        setPresence: query.set_presence,
        timeoutMs: query.timeout,
        signal: req.raw.signal,
      },
    ),
  );
}
