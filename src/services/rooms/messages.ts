/**
 * GET /rooms/{roomId}/messages: a page of room history in either direction, with pagination tokens,
 * a room event filter (lazy-loaded members in `state`) and history visibility on every event.
 */
import { MatrixError } from "../../core/errors";
import type { RoomHistoryRepo } from "../../storage/repos/room-history";
import type { RoomRow } from "../../storage/repos/rooms";
import type { Aggregations } from "./aggregations";
import type { ClientEvent, ClientEventContext } from "./client-event";
import { toClientEvent } from "./client-event";
import type { EventStore, LoadedEvent } from "./event-store";
import { parseRoomEventFilter } from "./messages-filter";
import { HISTORY_END, type Timeline } from "./messages-timeline";
import { formatTopoToken, HISTORY_START, type HistoryPosition, parsePaginationToken } from "./pagination-token";
import type { Viewer } from "./rooms-service";

export interface MessagesRequest {
  from?: string;
  to?: string;
  dir: "b" | "f";
  limit?: number;
  filter?: string;
}

export interface MessagesResponse {
  start: string;
  end?: string;
  chunk: ClientEvent[];
  state?: ClientEvent[];
}

export const MESSAGES_DEFAULT_LIMIT = 10;
export const MESSAGES_MAX_LIMIT = 1_000;

export interface ReadDeps {
  timeline: Timeline;
  history: RoomHistoryRepo;
  store: EventStore;
  clientContext(room: RoomRow, viewer: Viewer): ClientEventContext;
  aggregations: Pick<Aggregations, "withPrimed">;
}

/** Events in the client format, their bundled aggregations loaded in one query. */
export function clientEvents(
  deps: ReadDeps,
  room: RoomRow,
  viewer: Viewer,
  ...lists: readonly LoadedEvent[][]
): ClientEvent[][] {
  const ctx = deps.clientContext(room, viewer);
  const ids = lists.flatMap((l) => l.filter((e) => e.stored.stateKey === null).map((e) => e.stored.eventId));
  return deps.aggregations.withPrimed(room.roomNid, ids, viewer.userId, () =>
    lists.map((l) => l.map((e) => toClientEvent(e, ctx))),
  );
}

/**
 * The membership events of the senders of `events` (lazy-loading members): each sender's member event
 * in the state after their newest event in the list.
 */
export function lazyMembers(store: EventStore, events: readonly LoadedEvent[]): LoadedEvent[] {
  const newest = new Map<string, LoadedEvent>();
  for (const ev of events) {
    const seen = newest.get(ev.event.sender);
    if (!seen || seen.stored.streamOrdering! < ev.stored.streamOrdering!) newest.set(ev.event.sender, ev);
  }
  const out = new Map<string, LoadedEvent>();
  for (const [sender, ev] of newest) {
    const member = store.stateView(ev.stored.stateAfterNid).get("m.room.member", sender);
    if (!member || out.has(member.eventId)) continue;
    const loaded = store.byId(member.eventId);
    if (loaded) out.set(member.eventId, loaded);
  }
  return [...out.values()];
}

export function getMessages(deps: ReadDeps, viewer: Viewer, roomId: string, req: MessagesRequest): MessagesResponse {
  const limit = req.limit ?? MESSAGES_DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) throw MatrixError.invalidParam("limit must be a non-negative integer");
  const from = req.from !== undefined ? parsePaginationToken(req.from, "from token") : null;
  const to = req.to !== undefined ? parsePaginationToken(req.to, "to token") : null;
  const filter = parseRoomEventFilter(req.filter);
  const a = deps.timeline.access(roomId, viewer.userId);

  let start: HistoryPosition;
  if (from) start = deps.timeline.positionOf(a, from);
  else if (req.dir === "b") start = deps.history.latestPosition(a.room.roomNid) ?? HISTORY_END;
  else start = HISTORY_START;
  const startToken = req.from ?? formatTopoToken(start);

  if (!filter.matchesAnything(roomId)) return { start: startToken, chunk: [] };
  const scan = deps.timeline.scan(
    a,
    start,
    req.dir,
    Math.min(limit, MESSAGES_MAX_LIMIT),
    filter.history,
    to ? deps.timeline.positionOf(a, to) : undefined,
  );
  const members = filter.lazyLoadMembers && scan.events.length > 0 ? lazyMembers(deps.store, scan.events) : null;
  const [chunk, state] = clientEvents(deps, a.room, viewer, scan.events, members ?? []);
  const out: MessagesResponse = { start: startToken, chunk: chunk! };
  if (!scan.exhausted) out.end = formatTopoToken(scan.next);
  if (members) out.state = state!;
  return out;
}
