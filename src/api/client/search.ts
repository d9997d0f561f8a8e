/** POST /_matrix/client/v3/search: server-side full-text search (client-server API, "Server Side Search"). */
import { z } from "zod";
import { zRoomEventFilter } from "../../services/filters/filter-schema";
import { type ApiApp, defineEndpoint, route } from "../endpoint";

const zLimit = z.number().int().min(0).max(1_000_000);

const zRoomEventsCriteria = z.object({
  search_term: z.string().max(1_000),
  keys: z
    .array(z.enum(["content.body", "content.name", "content.topic"]))
    .max(3)
    .optional(),
  filter: zRoomEventFilter.optional(),
  order_by: z.enum(["recent", "rank"]).optional(),
  event_context: z
    .object({
      before_limit: zLimit.optional(),
      after_limit: zLimit.optional(),
      include_profile: z.boolean().optional(),
    })
    .optional(),
  include_state: z.boolean().optional(),
  groupings: z
    .object({
      group_by: z
        .array(z.object({ key: z.enum(["room_id", "sender"]).optional() }))
        .max(2)
        .optional(),
    })
    .optional(),
});

// api/client-server/search.yaml
export const search = defineEndpoint({
  operationId: "search",
  method: "POST",
  path: "/_matrix/client/v3/search",
  auth: "accessToken",
  query: z.object({ next_batch: z.string().max(1024).optional() }),
  body: z.object({
    // Categories other than room_events (none are specified) are ignored.
    search_categories: z.looseObject({ room_events: zRoomEventsCriteria.optional() }),
  }),
});

export function registerSearchRoutes(app: ApiApp): void {
  route(app, search, ({ query, body, user, services }) => {
    const c = body.search_categories.room_events;
    if (!c) return { search_categories: {} };
    const groupBy = [...new Set((c.groupings?.group_by ?? []).flatMap((g) => (g.key ? [g.key] : [])))];
    const ec = c.event_context;
    const roomEvents = services.search.searchRoomEvents(
      user,
      {
        searchTerm: c.search_term,
        ...(c.keys ? { keys: c.keys } : {}),
        ...(c.filter ? { filter: c.filter } : {}),
        orderBy: c.order_by ?? "rank",
        ...(ec
          ? {
              eventContext: {
                beforeLimit: ec.before_limit ?? 5,
                afterLimit: ec.after_limit ?? 5,
                includeProfile: ec.include_profile ?? false,
              },
            }
          : {}),
        includeState: c.include_state ?? false,
        groupBy,
      },
      query.next_batch,
    );
    return { search_categories: { room_events: roomEvents } };
  });
}
