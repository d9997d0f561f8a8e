/**
 * Reading a room's history for one user: who may read it at all, how far (a user who left sees
 * nothing after their leave), and a scanner that walks the timeline in either direction keeping only
 * the events the room event filter matches and history visibility lets the user see.
 */
import { MatrixError } from "../../core/errors";
import { readHistoryVisibility } from "../../core/rooms";
import type { StoredEvent } from "../../storage/repos/events";
import type { HistoryFilter, RoomHistoryRepo } from "../../storage/repos/room-history";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { EventStore, LoadedEvent } from "./event-store";
import {
  comparePositions,
  HISTORY_START,
  type HistoryPosition,
  type PaginationToken,
  tokenAfter,
  tokenBefore,
} from "./pagination-token";
import type { Visibility } from "./visibility";

/** Past every event. */
export const HISTORY_END: HistoryPosition = { topo: Number.MAX_SAFE_INTEGER, stream: Number.MAX_SAFE_INTEGER };

export interface HistoryAccess {
  room: RoomRow;
  userId: string;
  /** The user's membership now (null: never in the room). */
  current: string | null;
  /**
   * The membership given to the visibility rules: a user who left (or was kicked or banned) after
   * being joined counts as joined for "shared" events before they left, as the spec's rule 3 says
   * ("the user joined the room at any point after the event was sent").
   */
  effective: string | null;
  /** The last position the user may read (just after their leave or ban), or null for no limit. */
  upTo: HistoryPosition | null;
  /** The room's current history visibility is world_readable. */
  worldReadable: boolean;
  /** Users this user ignores: their non-state events are not shown (m.ignored_user_list). */
  ignored: ReadonlySet<string>;
}

export interface TimelineDeps {
  rooms: RoomRepo;
  history: RoomHistoryRepo;
  store: EventStore;
  visibility: Visibility;
  /** The users someone ignores (none when not given). */
  ignoredUsersOf?(userId: string): ReadonlySet<string>;
}

export interface ScanResult {
  events: LoadedEvent[];
  /** Where the next page starts (the gap after the last event looked at). */
  next: HistoryPosition;
  /** Nothing more in that direction that this user may read. */
  exhausted: boolean;
  /** The scan stopped at the `to` position. */
  reachedTo: boolean;
}

/** Events looked at per scan before giving up on filling a page (the client then continues from `next`). */
const SCAN_BUDGET = 2_000;

export interface Timeline {
  /** 404 for an unknown room; 403 when the user may not read it (never a member, not world-readable). */
  access(roomId: string, userId: string): HistoryAccess;
  /**
   * True when the user may see this timeline event (visibility, the leave limit, ignored senders;
   * `evenIfIgnored` leaves out the last check).
   */
  canSee(a: HistoryAccess, ev: LoadedEvent, opts?: { evenIfIgnored?: boolean }): boolean;
  /** A token as a position in this room ("s" tokens: up to that stream position). */
  positionOf(a: HistoryAccess, token: PaginationToken): HistoryPosition;
  /** Walks from `from` in `dir` collecting up to `limit` readable events matching `filter`, stopping at `to`. */
  scan(
    a: HistoryAccess,
    from: HistoryPosition,
    dir: "b" | "f",
    limit: number,
    filter: HistoryFilter,
    to?: HistoryPosition,
  ): ScanResult;
}

export function createTimeline(deps: TimelineDeps): Timeline {
  const { rooms, history, store, visibility } = deps;

  const isWorldReadable = (room: RoomRow) =>
    readHistoryVisibility(store.stateView(room.currentSnapshotNid).get("m.room.history_visibility", "")?.content) ===
    "world_readable";

  const NOBODY: ReadonlySet<string> = new Set();
  const seeable = (a: HistoryAccess, ev: LoadedEvent, evenIfIgnored = false) =>
    (evenIfIgnored || ev.stored.stateKey !== null || !a.ignored.has(ev.stored.sender)) &&
    visibility.canSee(a.userId, ev, a.effective);

  return {
    access(roomId, userId) {
      const room = rooms.byId(roomId);
      if (!room) throw MatrixError.notFound("Unknown room");
      // A forgotten room reads as one the user was never in (client-server API, "Leaving rooms").
      const row = rooms.membership(room.roomNid, userId);
      const m = row?.forgotten ? null : row;
      const current = m?.membership ?? null;
      let effective = current;
      let upTo: HistoryPosition | null = null;
      if (current === "leave" || current === "ban") {
        const own = store.byNid(m!.eventNid);
        if (own) {
          upTo = tokenAfter(own.stored);
          const before = store.stateView(own.stored.stateBeforeNid).get("m.room.member", userId);
          if (before?.content.membership === "join") effective = "join";
        }
      }
      const member = current === "join" || current === "invite" || current === "leave" || current === "ban";
      const worldReadable = isWorldReadable(room);
      if (!member && !worldReadable) throw MatrixError.forbidden("You aren't a member of the room");
      const ignored = deps.ignoredUsersOf?.(userId) ?? NOBODY;
      return { room, userId, current, effective, upTo, worldReadable, ignored };
    },

    canSee(a, ev, opts) {
      if (a.upTo && comparePositions(tokenAfter(ev.stored), a.upTo) > 0) return false;
      return seeable(a, ev, opts?.evenIfIgnored === true);
    },

    positionOf(a, token) {
      if (token.kind === "topo") return token.pos;
      return history.positionAtStream(a.room.roomNid, token.stream) ?? HISTORY_START;
    },

    scan(a, from, dir, limit, filter, to) {
      const events: LoadedEvent[] = [];
      let cursor = from;
      // Backwards: never start past the user's limit. Forwards: stop there.
      if (dir === "b" && a.upTo && comparePositions(cursor, a.upTo) > 0) cursor = a.upTo;
      const past = (ev: StoredEvent, p: HistoryPosition | null | undefined) =>
        p !== undefined &&
        p !== null &&
        (dir === "b" ? comparePositions(tokenAfter(ev), p) <= 0 : comparePositions(tokenAfter(ev), p) > 0);
      const upTo = dir === "f" ? a.upTo : null;
      const done = (exhausted: boolean, reachedTo = false): ScanResult => ({
        events,
        next: cursor,
        exhausted,
        reachedTo,
      });
      if (limit <= 0) return done(false);
      let looked = 0;
      for (;;) {
        // One more than needed tells whether history goes on; later rounds (after invisible events) read more.
        const want = Math.min(looked === 0 ? limit + 1 : Math.max(limit - events.length + 1, 50), 500);
        const batch = history.page(a.room.roomNid, cursor, dir, want, filter);
        for (const stored of batch) {
          if (past(stored, to)) return done(false, true);
          if (past(stored, upTo)) return done(true);
          cursor = dir === "b" ? tokenBefore(stored) : tokenAfter(stored);
          looked++;
          const ev = store.fromStored(stored);
          if (seeable(a, ev)) events.push(ev);
          if (events.length >= limit) return done(false);
        }
        if (batch.length < want) return done(true);
        if (looked >= SCAN_BUDGET) return done(false);
      }
    },
  };
}
