/**
 * GET /_matrix/client/v1/rooms/{roomId}/threads: the thread roots of a room, the most recently active
 * thread first, each with its bundled aggregations; `include=participated` keeps the threads the user
 * started or posted in. `next_batch` is the position of the last thread's newest event.
 */
import { MatrixError } from "../../core/errors";
import type { ClientEvent } from "./client-event";
import type { LoadedEvent } from "./event-store";
import { clientEvents, type ReadDeps } from "./messages";
import { HISTORY_END } from "./messages-timeline";
import { formatTopoToken, type HistoryPosition, parsePaginationToken } from "./pagination-token";
import type { Viewer } from "./rooms-service";

export const THREADS_DEFAULT_LIMIT = 10;

/** The event as served when redacted; the marker is no event ID, so no `redacted_because` is cited. */
function asRedacted(ev: LoadedEvent): LoadedEvent {
  return { ...ev, stored: { ...ev.stored, redactedBy: ev.stored.redactedBy ?? "(sender ignored)" } };
}
export const THREADS_MAX_LIMIT = 100;

export interface ThreadsRequest {
  include?: "all" | "participated";
  from?: string;
  limit?: number;
}

export function getThreads(
  deps: ReadDeps,
  viewer: Viewer,
  roomId: string,
  req: ThreadsRequest,
): { chunk: ClientEvent[]; next_batch?: string } {
  const limit = Math.min(req.limit ?? THREADS_DEFAULT_LIMIT, THREADS_MAX_LIMIT);
  if (!Number.isSafeInteger(limit) || limit < 1) throw MatrixError.invalidParam("limit must be a positive integer");
  const from = req.from !== undefined ? parsePaginationToken(req.from, "from token") : null;
  const a = deps.timeline.access(roomId, viewer.userId);
  let before: HistoryPosition = from ? deps.timeline.positionOf(a, from) : HISTORY_END;
  const participant = req.include === "participated" ? viewer.userId : undefined;

  const roots: LoadedEvent[] = [];
  let more = true;
  while (roots.length < limit && more) {
    const want = limit - roots.length;
    const rows = deps.history.threadRoots(a.room.roomNid, before, want, participant);
    more = rows.length === want;
    for (const r of rows) {
      before = r.latest;
      const root = deps.store.byId(r.rootId);
      if (!root || !deps.timeline.canSee(a, root, { evenIfIgnored: true })) continue;
      // A root sent by an ignored user is returned redacted (spec), as a client aggregating locally would show it.
      roots.push(a.ignored.has(root.stored.sender) ? asRedacted(root) : root);
    }
  }
  const chunk = clientEvents(deps, a.room, viewer, roots)[0]!;
  return more ? { chunk, next_batch: formatTopoToken(before) } : { chunk };
}
