/**
 * POST /search, category room_events (client-server API, "Server Side Search"): full-text search of
 * the events a user may see in the rooms they are in or were in (left, banned, invited; not the rooms
 * they forgot), ranked by relevance (FTS5 bm25) or newest first, with the room event filter, event
 * context, grouping by room or sender, the rooms' state and `next_batch` pagination (also per group).
 * Every result passes the history visibility rules and the leave limit, as /messages does.
 */
import { readHistoryVisibility } from "../../core/rooms";
import type { Db } from "../../storage/db";
import type { RoomHistoryRepo } from "../../storage/repos/room-history";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import { createSearchRepo, type SearchCursor, type SearchHit, type SearchScope } from "../../storage/repos/search";
import type { Logger } from "../../util/log";
import type { Aggregations } from "../rooms/aggregations";
import type { ClientEvent, ClientEventContext } from "../rooms/client-event";
import type { EventStore, LoadedEvent } from "../rooms/event-store";
import { clientEvents, lazyMembers, type ReadDeps } from "../rooms/messages";
import { createTimeline, type HistoryAccess } from "../rooms/messages-timeline";
import { formatTopoToken, tokenAfter, tokenBefore } from "../rooms/pagination-token";
import type { Viewer } from "../rooms/rooms-service";
import type { Visibility } from "../rooms/visibility";
import { type BatchToken, formatBatchToken, type GroupKey, parseBatchToken } from "./batch-token";
import { createSearchIndexer, SEARCHED_TYPES, type SearchIndexer } from "./indexer";
import { matchedWords, parseSearchTerm } from "./search-term";

export type SearchKey = "content.body" | "content.name" | "content.topic";

/** The room_events criteria, as validated by the API layer. */
export interface RoomEventsCriteria {
  searchTerm: string;
  /** Keys to search (default: all three). */
  keys?: readonly SearchKey[];
  filter?: {
    limit?: number;
    rooms?: readonly string[];
    not_rooms?: readonly string[];
    senders?: readonly string[];
    not_senders?: readonly string[];
    types?: readonly string[];
    not_types?: readonly string[];
    contains_url?: boolean;
  };
  orderBy: "rank" | "recent";
  eventContext?: { beforeLimit: number; afterLimit: number; includeProfile: boolean };
  includeState: boolean;
  groupBy: readonly GroupKey[];
}

export interface SearchResult {
  rank: number;
  result: ClientEvent;
  context?: {
    start: string;
    end: string;
    events_before: ClientEvent[];
    events_after: ClientEvent[];
    profile_info?: Record<string, { displayname?: string; avatar_url?: string }>;
  };
}

export interface RoomEventsResults {
  count: number;
  highlights: string[];
  results: SearchResult[];
  state?: Record<string, ClientEvent[]>;
  groups?: Partial<Record<GroupKey, Record<string, { results: string[]; order: number; next_batch?: string }>>>;
  next_batch?: string;
}

export interface SearchService {
  searchRoomEvents(viewer: Viewer, criteria: RoomEventsCriteria, nextBatch?: string): RoomEventsResults;
  /**
   * An event was committed: it is indexed in the next batch (at most INDEX_DELAY_MS later, and before any
   * search runs), so sends do not pay for the index one commit at a time.
   */
  eventWritten(): void;
  /** Indexes up to `max` events written since the last call; returns how many were looked at (0: up to date). */
  indexPending(max?: number): number;
  /** Starts indexing in the background: the backlog (older databases, a crash) and then each batch of new events. */
  start(): void;
  stop(): void;
}

export interface SearchDeps {
  db: Db;
  logger: Logger;
  rooms: RoomRepo;
  history: RoomHistoryRepo;
  store: EventStore;
  visibility: Visibility;
  aggregations: Pick<Aggregations, "withPrimed">;
  clientContext(room: RoomRow, viewer: Viewer): ClientEventContext;
  /** Current state as the user may see it (state at their leave when they left). */
  stateOf(viewer: Viewer, roomId: string): ClientEvent[];
  ignoredUsersOf?(userId: string): ReadonlySet<string>;
}

export const SEARCH_DEFAULT_LIMIT = 10;
export const SEARCH_MAX_LIMIT = 100;
export const CONTEXT_DEFAULT_LIMIT = 5;
export const CONTEXT_MAX_LIMIT = 100;
/** Longest an event waits to be indexed while the server runs (a search indexes what waits first). */
export const INDEX_DELAY_MS = 500;
/** Events indexed per slice of background work (one transaction per 500 events). */
const INDEX_SLICE = 2_000;
/** Most waiting events a search indexes before it runs (more only after a long outage: the background catches up). */
const SEARCH_CATCH_UP = 10_000;
/** Matches looked at per request before answering with what was found (and a next_batch to go on). */
const SEARCH_BUDGET = 2_000;
const ALL_KEYS: readonly SearchKey[] = ["content.body", "content.name", "content.topic"];

function globMatcher(pattern: string): (s: string) => boolean {
  if (!pattern.includes("*")) return (s) => s === pattern;
  const re = new RegExp(
    `^${pattern
      .split("*")
      .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "s",
  );
  return (s) => re.test(s);
}

const cursorOf = (order: "rank" | "recent", h: SearchHit): SearchCursor =>
  order === "rank" ? { order, rank: h.rank, stream: h.streamOrdering } : { order, stream: h.streamOrdering };

export function createSearchService(deps: SearchDeps): SearchService {
  const repo = createSearchRepo(deps.db);
  const indexer: SearchIndexer = createSearchIndexer({
    db: deps.db,
    repo,
    store: deps.store,
    logger: deps.logger,
  });
  const timeline = createTimeline({
    rooms: deps.rooms,
    history: deps.history,
    store: deps.store,
    visibility: deps.visibility,
    ...(deps.ignoredUsersOf ? { ignoredUsersOf: deps.ignoredUsersOf } : {}),
  });
  const read: ReadDeps = {
    timeline,
    history: deps.history,
    store: deps.store,
    clientContext: deps.clientContext,
    aggregations: deps.aggregations,
  };
  let started = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const indexPending = (max?: number) => {
    if (stopped) return 0;
    try {
      return indexer.indexPending(max);
    } catch (e) {
      deps.logger.error("search indexing failed", { error: e instanceof Error ? e.message : String(e) });
      return 0;
    }
  };
  const schedule = (delayMs: number) => {
    if (!started || stopped || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      // A full slice means more is waiting (a backlog): go on at once, between requests.
      if (indexPending(INDEX_SLICE) >= INDEX_SLICE) schedule(0);
    }, delayMs);
  };

  return {
    indexPending,
    eventWritten: () => schedule(INDEX_DELAY_MS),
    start() {
      started = true;
      schedule(0);
    },
    stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    },

    searchRoomEvents(viewer, c, nextBatch) {
      const token: BatchToken | null = nextBatch !== undefined ? parseBatchToken(nextBatch, c.orderBy) : null;
      // What was written since the last batch is searchable at once.
      indexPending(SEARCH_CATCH_UP);
      const parsed = parseSearchTerm(c.searchTerm);
      const f = c.filter ?? {};
      const limit = Math.min(f.limit ?? SEARCH_DEFAULT_LIMIT, SEARCH_MAX_LIMIT);
      const empty: RoomEventsResults = {
        count: 0,
        highlights: [],
        results: [],
        ...(c.includeState ? { state: {} } : {}),
        ...(c.groupBy.length ? { groups: Object.fromEntries(c.groupBy.map((k) => [k, {}])) } : {}),
      };
      if (parsed.expression === null) return empty;

      // Scope: the user's rooms (not forgotten), the filter's rooms, types and senders, the group of the token.
      const group = token?.group;
      const keys = new Set(c.keys?.length ? c.keys : ALL_KEYS);
      const typeIn = f.types?.map(globMatcher);
      const typeOut = (f.not_types ?? []).map(globMatcher);
      const searched = Object.entries(SEARCHED_TYPES).filter(([, s]) => keys.has(s.key as SearchKey));
      const types = searched
        .map(([t]) => t)
        .filter((t) => (!typeIn || typeIn.some((m) => m(t))) && !typeOut.some((m) => m(t)));
      const roomsById = new Map<string, RoomRow>();
      const roomNids: number[] = [];
      for (const m of deps.rooms.roomsOfUser(viewer.userId, ["join", "invite", "leave", "ban"])) {
        if (m.forgotten) continue;
        if (f.rooms && !f.rooms.includes(m.roomId)) continue;
        if (f.not_rooms?.includes(m.roomId)) continue;
        if (group?.key === "room_id" && group.value !== m.roomId) continue;
        const room = deps.rooms.byNid(m.roomNid);
        if (!room) continue;
        roomsById.set(room.roomId, room);
        roomNids.push(room.roomNid);
      }
      let senders: readonly string[] | null = f.senders ?? null;
      if (group?.key === "sender") senders = senders === null || senders.includes(group.value) ? [group.value] : [];
      const columns = searched.map(([, s]) => s.column);
      const match =
        columns.length === ALL_KEYS.length ? parsed.expression : `{${columns.join(" ")}} : (${parsed.expression})`;
      const scope: SearchScope = { match, roomNids, types, senders, notSenders: f.not_senders ?? [] };

      // Walk the matches in order, keeping what the user may see, until the page is full.
      const access = new Map<number, HistoryAccess | null>();
      const accessOf = (room: RoomRow) => {
        if (!access.has(room.roomNid)) {
          try {
            access.set(room.roomNid, timeline.access(room.roomId, viewer.userId));
          } catch {
            access.set(room.roomNid, null);
          }
        }
        return access.get(room.roomNid) ?? null;
      };
      const roomByNid = new Map([...roomsById.values()].map((r) => [r.roomNid, r]));
      // `count` must not tell what the user may not see: per room, only matches in the part of the
      // history they may read (up to their leave; from their join when the room's history is not
      // shared) are counted. Changes of the visibility setting over time are not looked at.
      const readable = new Map<number, { from: number; to: number } | null>();
      const readableRange = (roomNid: number) => {
        if (!readable.has(roomNid)) {
          const room = roomByNid.get(roomNid);
          const a = room ? accessOf(room) : null;
          let range: { from: number; to: number } | null = null;
          if (room && a) {
            const vis = readHistoryVisibility(
              deps.store.stateView(room.currentSnapshotNid).get("m.room.history_visibility", "")?.content,
            );
            const own = deps.rooms.membership(roomNid, viewer.userId);
            const from =
              vis === "shared" || vis === "world_readable"
                ? Number.MIN_SAFE_INTEGER
                : (deps.rooms.lastJoinStream(roomNid, viewer.userId) ?? own?.streamOrdering ?? Number.MAX_SAFE_INTEGER);
            range = { from, to: a.upTo ? a.upTo.stream : Number.MAX_SAFE_INTEGER };
          }
          readable.set(roomNid, range);
        }
        return readable.get(roomNid) ?? null;
      };
      const countOf = (positions: readonly { roomNid: number; streamOrdering: number }[]) => {
        let n = 0;
        for (const p of positions) {
          const r = readableRange(p.roomNid);
          if (r && p.streamOrdering >= r.from && p.streamOrdering <= r.to) n++;
        }
        return n;
      };

      // Where matches come from: "rank" scores its window once and orders it here; "recent" reads
      // pages from the index, newest first.
      let count: number;
      let nextHits: (want: number) => SearchHit[];
      if (c.orderBy === "rank") {
        const window = repo.rankWindow(scope);
        count = countOf(window);
        window.sort((x, y) => y.rank - x.rank || y.streamOrdering - x.streamOrdering);
        const from = token?.cursor.order === "rank" ? token.cursor : null;
        let i = from
          ? window.findIndex((h) => h.rank < from.rank || (h.rank === from.rank && h.streamOrdering < from.stream))
          : 0;
        if (i < 0) i = window.length;
        nextHits = (want) => {
          const page = window.slice(i, i + want);
          i += page.length;
          return page;
        };
      } else {
        count = countOf(repo.matchPositions(scope));
        let before = token?.cursor.order === "recent" ? token.cursor.stream : Number.MAX_SAFE_INTEGER;
        nextHits = (want) => {
          const page = repo.recent(scope, before, want);
          if (page.length) before = page.at(-1)!.streamOrdering;
          return page;
        };
      }

      const found: { hit: SearchHit; ev: LoadedEvent; room: RoomRow; a: HistoryAccess }[] = [];
      let cursor: SearchCursor | null = token?.cursor ?? null;
      let looked = 0;
      let more = false;
      while (found.length <= limit) {
        const want = Math.min(looked === 0 ? limit + 1 : 200, SEARCH_BUDGET - looked);
        if (want <= 0) {
          more = true; // budget spent: the client goes on from the last match looked at
          break;
        }
        const hits = nextHits(want);
        for (const hit of hits) {
          looked++;
          const room = roomByNid.get(hit.roomNid);
          const ev = deps.store.byNid(hit.eventNid);
          const a = room ? accessOf(room) : null;
          const visible =
            room !== undefined &&
            a !== null &&
            ev !== null &&
            ev.stored.redactedBy === null &&
            timeline.canSee(a, ev) &&
            (f.contains_url === undefined || (typeof ev.event.content.url === "string") === f.contains_url);
          if (visible) {
            if (found.length === limit) {
              more = true;
              break;
            }
            found.push({ hit, ev, room, a });
          }
          cursor = cursorOf(c.orderBy, hit);
        }
        if (more || hits.length < want) break;
      }

      const withGroup = (cur: SearchCursor, g = group) => formatBatchToken({ cursor: cur, ...(g ? { group: g } : {}) });
      const out: RoomEventsResults = { count, highlights: [], results: [] };
      if (more && cursor !== null) out.next_batch = withGroup(cursor);

      // Client format, one room at a time (bundled aggregations are loaded per room).
      const formatted = new Map<string, ClientEvent>();
      const byRoom = new Map<number, LoadedEvent[]>();
      for (const x of found) {
        const list = byRoom.get(x.room.roomNid);
        if (list) list.push(x.ev);
        else byRoom.set(x.room.roomNid, [x.ev]);
      }
      for (const [roomNid, evs] of byRoom) {
        const [list] = clientEvents(read, roomByNid.get(roomNid)!, viewer, evs);
        for (const [i, ce] of list!.entries()) formatted.set(evs[i]!.stored.eventId, ce);
      }

      const highlights = new Set(parsed.words);
      for (const x of found) {
        const text = indexer.textOf(x.ev.event.type, x.ev.stored.stateKey, x.ev.event.content);
        if (text) for (const w of matchedWords(text, parsed.words)) highlights.add(w);
        const result: SearchResult = { rank: x.hit.rank, result: formatted.get(x.ev.stored.eventId)! };
        if (c.eventContext) result.context = contextOf(x.ev, x.room, x.a, c.eventContext);
        out.results.push(result);
      }
      out.highlights = [...highlights];

      if (c.groupBy.length) {
        out.groups = {};
        for (const key of c.groupBy) {
          const groups: Record<string, { results: string[]; order: number; next_batch?: string }> = {};
          let order = 0;
          for (const x of found) {
            const value = key === "room_id" ? x.room.roomId : x.ev.event.sender;
            let g = groups[value];
            if (!g) {
              order++;
              g = { results: [], order };
              groups[value] = g;
            }
            g.results.push(x.ev.stored.eventId);
            if (more) g.next_batch = withGroup(cursorOf(c.orderBy, x.hit), { key, value });
          }
          out.groups[key] = groups;
        }
      }

      if (c.includeState) {
        out.state = {};
        for (const x of found) {
          if (out.state[x.room.roomId]) continue;
          try {
            out.state[x.room.roomId] = deps.stateOf(viewer, x.room.roomId);
          } catch {
            // A room whose state the user may not read: no state for it.
          }
        }
      }
      return out;

      function contextOf(
        target: LoadedEvent,
        room: RoomRow,
        a: HistoryAccess,
        ec: NonNullable<RoomEventsCriteria["eventContext"]>,
      ): NonNullable<SearchResult["context"]> {
        const before = timeline.scan(
          a,
          tokenBefore(target.stored),
          "b",
          Math.min(ec.beforeLimit, CONTEXT_MAX_LIMIT),
          {},
        );
        const after = timeline.scan(a, tokenAfter(target.stored), "f", Math.min(ec.afterLimit, CONTEXT_MAX_LIMIT), {});
        const [evBefore, evAfter] = clientEvents(read, room, viewer, before.events, after.events);
        const ctx: NonNullable<SearchResult["context"]> = {
          start: formatTopoToken(before.next),
          end: formatTopoToken(after.next),
          events_before: evBefore!,
          events_after: evAfter!,
        };
        if (ec.includeProfile) {
          const profiles: Record<string, { displayname?: string; avatar_url?: string }> = {};
          for (const m of lazyMembers(deps.store, [target, ...before.events, ...after.events])) {
            const userId = m.stored.stateKey;
            if (userId === null) continue;
            const { displayname, avatar_url } = m.event.content;
            profiles[userId] = {
              ...(typeof displayname === "string" ? { displayname } : {}),
              ...(typeof avatar_url === "string" ? { avatar_url } : {}),
            };
          }
          ctx.profile_info = profiles;
        }
        return ctx;
      }
    },
  };
}
