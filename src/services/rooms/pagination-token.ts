/**
 * Pagination tokens for room history (`/messages` start/end, `/context`, `/relations`, `/members?at`,
 * and what `/sync` hands out as `prev_batch`).
 *
 * A topological token `t<topo>_<stream>` names the gap just AFTER the event whose history position is
 * (topological_ordering, stream_ordering) = (topo, stream): paginating backwards from it returns that
 * event and older ones; paginating forwards returns strictly newer ones. The gap just BEFORE an event
 * is therefore `t<topo>_<stream - 1>` (stream orderings are integers), which is what a `/sync`
 * timeline's `prev_batch` should be: `formatTopoToken(tokenBefore(firstTimelineEvent))`.
 *
 * Endpoints that accept a pagination token also accept a sync token (`s...`, src/services/sync/token.ts),
 * as the spec allows `/sync`'s `next_batch`/`prev_batch`: it stands for "every event with a stream
 * ordering up to its room-events position", converted per room by the reader.
 *
 * Tokens are opaque to clients and parsed strictly: anything malformed is 400 M_INVALID_PARAM.
 */
import { MatrixError } from "../../core/errors";
import { parseSyncToken } from "../sync/token";

/** A history position (the gap after the event at (topo, stream)). */
export interface HistoryPosition {
  topo: number;
  stream: number;
}

export type PaginationToken =
  | { kind: "topo"; pos: HistoryPosition }
  /** From /sync: the room-events stream position. */
  | { kind: "stream"; stream: number };

/** Before every event (backfilled events may have negative orderings). */
export const HISTORY_START: HistoryPosition = { topo: Number.MIN_SAFE_INTEGER, stream: Number.MIN_SAFE_INTEGER };

export function formatTopoToken(pos: HistoryPosition): string {
  return `t${pos.topo}_${pos.stream}`;
}

/** The gap just after an event: backwards pagination from it includes the event. */
export function tokenAfter(ev: { topologicalOrdering: number; streamOrdering: number | null }): HistoryPosition {
  return { topo: ev.topologicalOrdering, stream: ev.streamOrdering ?? 0 };
}

/** The gap just before an event: forwards pagination from it includes the event. */
export function tokenBefore(ev: { topologicalOrdering: number; streamOrdering: number | null }): HistoryPosition {
  return { topo: ev.topologicalOrdering, stream: (ev.streamOrdering ?? 0) - 1 };
}

const TOPO = /^t(-?\d{1,16})_(-?\d{1,16})$/;

/** Parses a `t...` or `s...` token; 400 M_INVALID_PARAM when malformed. */
export function parsePaginationToken(text: string, what = "pagination token"): PaginationToken {
  const m = TOPO.exec(text);
  if (m) {
    const topo = Number(m[1]);
    const stream = Number(m[2]);
    if (Number.isSafeInteger(topo) && Number.isSafeInteger(stream)) return { kind: "topo", pos: { topo, stream } };
  } else if (text.startsWith("s")) {
    try {
      return { kind: "stream", stream: parseSyncToken(text).events };
    } catch {
      // fall through to the error below, naming the parameter
    }
  }
  throw MatrixError.invalidParam(`Invalid ${what}`);
}

/** Orders two positions: negative when a is before b. */
export function comparePositions(a: HistoryPosition, b: HistoryPosition): number {
  if (a.topo !== b.topo) return a.topo < b.topo ? -1 : 1;
  return a.stream === b.stream ? 0 : a.stream < b.stream ? -1 : 1;
}
