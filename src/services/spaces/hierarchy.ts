/**
 * GET /hierarchy (client-server "Spaces", "Discovering rooms within spaces"): walks the space tree
 * depth first from a room, following the m.space.child events of space-rooms (those with a `via`),
 * in the spec's child order, returning the rooms the user may see, page by page. Loops and repeated
 * rooms are visited once. Children this server does not know (rooms on other servers) would need
 * federation: they are skipped.
 *
 * A page ends after `limit` rooms; what is left to visit is kept in a pagination session (in memory,
 * for a few minutes), named by the `next_batch` token.
 */
import { MatrixError } from "../../core/errors";
import { parseRoomId } from "../../core/ids";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import { randomAlnum } from "../../util/random";
import { type RoomSummaries, roomSummaryJson } from "../directory/room-summaries";
import type { EventStore, LoadedEvent } from "../rooms/event-store";
import { canPeekRoom } from "./room-access";

export interface HierarchyRequest {
  suggestedOnly: boolean;
  limit?: number;
  maxDepth?: number;
  from?: string;
}

export interface HierarchyPage {
  rooms: Record<string, unknown>[];
  next_batch?: string;
}

export const HIERARCHY_DEFAULT_LIMIT = 50;
export const HIERARCHY_MAX_LIMIT = 100;
export const HIERARCHY_DEFAULT_MAX_DEPTH = 10;
export const HIERARCHY_MAX_DEPTH = 50;
/** How long a pagination token stays valid, and how many may be open at once. */
const SESSION_TTL_MS = 5 * 60 * 1000;
const MAX_SESSIONS = 1000;
/** Rooms looked at per request at most (rooms the user may not see count too). */
const MAX_VISITS_PER_PAGE = 2000;

interface Session {
  userId: string;
  roomId: string;
  suggestedOnly: boolean;
  maxDepth: number;
  queue: { roomId: string; depth: number }[];
  seen: Set<string>;
  expiresAt: number;
}

export interface HierarchyDeps {
  rooms: RoomRepo;
  store: EventStore;
  roomSummaries: RoomSummaries;
  clock: Clock;
}

export interface Hierarchy {
  get(userId: string, roomId: string, req: HierarchyRequest): HierarchyPage;
}

/** A valid `order`: at most 50 characters, all in U+0020..U+007E. */
function validOrder(v: unknown): string | null {
  return typeof v === "string" && v.length <= 50 && /^[\x20-\x7E]*$/.test(v) ? v : null;
}

/** The space's valid m.space.child events (a via list, a room ID state key), in the spec's order. */
export function spaceChildren(store: EventStore, room: RoomRow, suggestedOnly: boolean): LoadedEvent[] {
  const children = store.stateEventsOfType(room.currentSnapshotNid, "m.space.child").filter((c) => {
    const content = c.event.content;
    const via = content.via;
    if (!Array.isArray(via) || via.length === 0 || !via.every((v) => typeof v === "string")) return false;
    if (!parseRoomId(c.event.stateKey ?? "")) return false;
    return !suggestedOnly || content.suggested === true;
  });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return children.sort((a, b) => {
    const oa = validOrder(a.event.content.order);
    const ob = validOrder(b.event.content.order);
    if (oa !== null && ob === null) return -1;
    if (oa === null && ob !== null) return 1;
    if (oa !== null && ob !== null && oa !== ob) return cmp(oa, ob);
    return a.event.originServerTs - b.event.originServerTs || cmp(a.event.stateKey ?? "", b.event.stateKey ?? "");
  });
}

export function createHierarchy(deps: HierarchyDeps): Hierarchy {
  const { rooms, store, roomSummaries, clock } = deps;
  const sessions = new Map<string, Session>();

  const dropExpired = () => {
    const now = clock.now();
    for (const [k, s] of sessions) if (s.expiresAt <= now) sessions.delete(k);
    while (sessions.size >= MAX_SESSIONS) sessions.delete(sessions.keys().next().value!);
  };

  return {
    get(userId, roomId, req) {
      const limit = Math.min(req.limit ?? HIERARCHY_DEFAULT_LIMIT, HIERARCHY_MAX_LIMIT);
      const maxDepth = Math.min(req.maxDepth ?? HIERARCHY_DEFAULT_MAX_DEPTH, HIERARCHY_MAX_DEPTH);
      dropExpired();

      let session: Session;
      if (req.from !== undefined) {
        const found = sessions.get(req.from);
        if (!found || found.userId !== userId || found.roomId !== roomId) {
          throw MatrixError.invalidParam("Unknown or expired pagination token");
        }
        if (found.suggestedOnly !== req.suggestedOnly || found.maxDepth !== maxDepth) {
          throw MatrixError.invalidParam("suggested_only and max_depth cannot change on paginated requests");
        }
        // A token stays valid until it expires (a client may retry a page): continue from a copy.
        session = { ...found, queue: [...found.queue], seen: new Set(found.seen) };
      } else {
        const root = rooms.byId(roomId);
        const summary = root ? roomSummaries.of(root) : null;
        if (!root || !summary || !canPeekRoom(deps, userId, root, summary)) {
          throw MatrixError.forbidden("You are not allowed to view this room");
        }
        session = {
          userId,
          roomId,
          suggestedOnly: req.suggestedOnly,
          maxDepth,
          queue: [{ roomId, depth: 0 }],
          seen: new Set(),
          expiresAt: 0,
        };
      }

      const out: Record<string, unknown>[] = [];
      let visits = 0;
      while (session.queue.length > 0 && out.length < limit && visits < MAX_VISITS_PER_PAGE) {
        const { roomId: id, depth } = session.queue.shift()!;
        if (session.seen.has(id)) continue;
        session.seen.add(id);
        visits++;
        const room = rooms.byId(id);
        const summary = room ? roomSummaries.of(room) : null;
        if (!room || !summary || !canPeekRoom(deps, userId, room, summary)) continue;
        const isSpace = summary.roomType === "m.space";
        const children = isSpace ? spaceChildren(store, room, session.suggestedOnly) : [];
        out.push({
          ...roomSummaryJson(room, summary),
          children_state: children.map((c) => ({
            type: c.event.type,
            state_key: c.event.stateKey ?? "",
            content: c.event.content,
            sender: c.event.sender,
            origin_server_ts: c.event.originServerTs,
          })),
        });
        if (depth < session.maxDepth && children.length > 0) {
          const next = children
            .map((c) => ({ roomId: c.event.stateKey ?? "", depth: depth + 1 }))
            .filter((c) => !session.seen.has(c.roomId));
          session.queue.unshift(...next);
        }
      }

      // Drop what the next page would skip anyway, so a page is never empty and the last one has no token.
      while (session.queue.length > 0 && visits < MAX_VISITS_PER_PAGE) {
        const id = session.queue[0]!.roomId;
        if (!session.seen.has(id)) {
          const room = rooms.byId(id);
          const summary = room ? roomSummaries.of(room) : null;
          if (room && summary && canPeekRoom(deps, userId, room, summary)) break;
          session.seen.add(id);
          visits++;
        }
        session.queue.shift();
      }

      const page: HierarchyPage = { rooms: out };
      if (session.queue.length > 0) {
        const token = randomAlnum(24);
        session.expiresAt = clock.now() + SESSION_TTL_MS;
        sessions.set(token, session);
        page.next_batch = token;
      }
      return page;
    },
  };
}
