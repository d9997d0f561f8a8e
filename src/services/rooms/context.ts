/**
 * GET /rooms/{roomId}/context/{eventId}: the events just before and after an event (the limit split
 * between the two), tokens to paginate on from either side, and the state at the last event returned.
 * The filter applies to events_before, events_after and state, not to the event itself.
 */
import { MatrixError } from "../../core/errors";
import type { ClientEvent } from "./client-event";
import type { LoadedEvent } from "./event-store";
import { clientEvents, MESSAGES_MAX_LIMIT, type ReadDeps } from "./messages";
import { parseRoomEventFilter } from "./messages-filter";
import { formatTopoToken, tokenAfter, tokenBefore } from "./pagination-token";
import type { Viewer } from "./rooms-service";

export interface ContextResponse {
  start: string;
  end: string;
  event: ClientEvent;
  events_before: ClientEvent[];
  events_after: ClientEvent[];
  state: ClientEvent[];
}

export const CONTEXT_DEFAULT_LIMIT = 10;

export function getEventContext(
  deps: ReadDeps,
  viewer: Viewer,
  roomId: string,
  eventId: string,
  req: { limit?: number; filter?: string },
): ContextResponse {
  const limit = Math.min(req.limit ?? CONTEXT_DEFAULT_LIMIT, MESSAGES_MAX_LIMIT);
  if (!Number.isSafeInteger(limit) || limit < 0) throw MatrixError.invalidParam("limit must be a non-negative integer");
  const filter = parseRoomEventFilter(req.filter);
  const a = deps.timeline.access(roomId, viewer.userId);
  const target = deps.store.byId(eventId);
  const s = target?.stored;
  if (
    !target ||
    !s ||
    s.roomNid !== a.room.roomNid ||
    s.outlier ||
    s.rejectedReason !== null ||
    s.softFailed ||
    !deps.timeline.canSee(a, target)
  ) {
    throw MatrixError.notFound("Event not found or you may not see it");
  }

  const wanted = filter.matchesAnything(roomId);
  const beforeLimit = wanted ? Math.floor(limit / 2) : 0;
  const afterLimit = wanted ? limit - Math.floor(limit / 2) : 0;
  const before = deps.timeline.scan(a, tokenBefore(s), "b", beforeLimit, filter.history);
  const after = deps.timeline.scan(a, tokenAfter(s), "f", afterLimit, filter.history);

  const last: LoadedEvent = after.events.at(-1) ?? target;
  const view = deps.store.stateView(last.stored.stateAfterNid);
  const senders = new Set<string>([...before.events, target, ...after.events].map((e) => e.event.sender));
  const state: LoadedEvent[] = [];
  for (const { type, stateKey, eventNid } of wanted ? view.entries() : []) {
    if (filter.lazyLoadMembers && type === "m.room.member" && !senders.has(stateKey)) continue;
    const ev = deps.store.byNid(eventNid);
    if (!ev || !filter.matches({ type: ev.event.type, sender: ev.event.sender })) continue;
    state.push(ev);
  }

  const [event, eventsBefore, eventsAfter, stateEvents] = clientEvents(
    deps,
    a.room,
    viewer,
    [target],
    before.events,
    after.events,
    state,
  );
  return {
    start: formatTopoToken(before.next),
    end: formatTopoToken(after.next),
    event: event![0]!,
    events_before: eventsBefore!,
    events_after: eventsAfter!,
    state: stateEvents!,
  };
}
