/**
 * GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}[/{relType}[/{eventType}]]: the child
 * events of an event, newest first by default, paginated with the history tokens; with `recurse`,
 * children of children too (up to RECURSION_DEPTH hops, each hop matching relType/eventType, as the
 * spec says). Redacted children are not relations any more; children the user may not see are left out.
 */
import { MatrixError } from "../../core/errors";
import type { ClientEvent } from "./client-event";
import type { LoadedEvent } from "./event-store";
import { clientEvents, type ReadDeps } from "./messages";
import type { HistoryAccess } from "./messages-timeline";
import { HISTORY_END } from "./messages-timeline";
import {
  comparePositions,
  formatTopoToken,
  HISTORY_START,
  type HistoryPosition,
  parsePaginationToken,
  tokenAfter,
  tokenBefore,
} from "./pagination-token";
import type { Viewer } from "./rooms-service";

export const RECURSION_DEPTH = 3;
export const RELATIONS_DEFAULT_LIMIT = 10;
export const RELATIONS_MAX_LIMIT = 100;

export interface RelationsRequest {
  relType?: string;
  eventType?: string;
  from?: string;
  to?: string;
  limit?: number;
  dir?: "b" | "f";
  recurse?: boolean;
}

export interface RelationsResponse {
  chunk: ClientEvent[];
  next_batch?: string;
  prev_batch?: string;
  recursion_depth?: number;
}

const notFound = () => MatrixError.notFound("Event not found or you may not see it");

/** The room access and the parent event, or 404 (the spec answers 404 for both unknown and unreadable). */
export function readableParent(
  deps: ReadDeps,
  viewer: Viewer,
  roomId: string,
  eventId: string,
): { a: HistoryAccess; parent: LoadedEvent } {
  let a: HistoryAccess;
  try {
    a = deps.timeline.access(roomId, viewer.userId);
  } catch (e) {
    if (e instanceof MatrixError && e.status === 403) throw notFound();
    throw e;
  }
  const parent = deps.store.byId(eventId);
  const s = parent?.stored;
  if (!parent || !s || s.roomNid !== a.room.roomNid || s.outlier || s.rejectedReason !== null || s.softFailed)
    throw notFound();
  if (!deps.timeline.canSee(a, parent)) throw notFound();
  return { a, parent };
}

export function getRelations(
  deps: ReadDeps,
  viewer: Viewer,
  roomId: string,
  eventId: string,
  req: RelationsRequest,
): RelationsResponse {
  const dir = req.dir ?? "b";
  const limit = Math.min(req.limit ?? RELATIONS_DEFAULT_LIMIT, RELATIONS_MAX_LIMIT);
  if (!Number.isSafeInteger(limit) || limit < 1) throw MatrixError.invalidParam("limit must be a positive integer");
  const from = req.from !== undefined ? parsePaginationToken(req.from, "from token") : null;
  const to = req.to !== undefined ? parsePaginationToken(req.to, "to token") : null;
  const { a } = readableParent(deps, viewer, roomId, eventId);

  let cursor: HistoryPosition = from ? deps.timeline.positionOf(a, from) : dir === "b" ? HISTORY_END : HISTORY_START;
  const stop = to ? deps.timeline.positionOf(a, to) : null;
  const depth = req.recurse === true ? RECURSION_DEPTH : 1;
  const filter = {
    ...(req.relType !== undefined ? { relType: req.relType } : {}),
    ...(req.eventType !== undefined ? { eventType: req.eventType } : {}),
  };
  const past = (p: HistoryPosition) =>
    stop !== null && (dir === "b" ? comparePositions(p, stop) <= 0 : comparePositions(p, stop) > 0);

  const found: LoadedEvent[] = [];
  let more = true;
  while (found.length < limit && more) {
    const want = limit - found.length;
    const rows = deps.history.relations(a.room.roomNid, eventId, filter, depth, cursor, dir, want);
    more = rows.length === want;
    for (const stored of rows) {
      if (past(tokenAfter(stored))) {
        more = false;
        break;
      }
      cursor = dir === "b" ? tokenBefore(stored) : tokenAfter(stored);
      const ev = deps.store.fromStored(stored);
      if (deps.timeline.canSee(a, ev)) found.push(ev);
    }
  }

  const out: RelationsResponse = { chunk: clientEvents(deps, a.room, viewer, found)[0]! };
  if (more) out.next_batch = formatTopoToken(cursor);
  if (req.from !== undefined) out.prev_batch = req.from;
  if (req.recurse !== undefined) out.recursion_depth = depth;
  return out;
}
