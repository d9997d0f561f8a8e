/**
 * Unread notification counts for the joined rooms of a /sync response. They come from the push
 * service (its notifications and counter); one room at a time costs a range of the user's
 * notifications per room, so for many rooms (a complete sync) the user's unread notifications are
 * read once and counted per room and thread here, with the same rule the push counter uses: a
 * notification is read when a receipt or the user's own later event covers it (the furthest
 * unthreaded receipt, or the furthest threaded one for its thread, "main" for the main timeline).
 */
import type { ReadPositions } from "../ephemeral/receipts";

export interface Counts {
  notify: number;
  highlight: number;
}

export interface RoomCounts {
  /** Every thread together. */
  room: Counts;
  /** The main timeline only. */
  main: Counts;
  /** Threads with something unread, by thread root. */
  threads: ReadonlyMap<string, Counts>;
}

/** The push service's counter (one room). */
export interface UnreadCountsSource {
  counts(userId: string, roomId: string): RoomCounts;
}

/** The user's notifications after a stream position, oldest first (the push service's storage). */
export interface NotificationRows {
  after(
    userId: string,
    afterStream: number,
    limit: number,
  ): { roomId: string; streamOrdering: number; threadId: string | null; highlight: boolean }[];
}

export interface UnreadCounts {
  countsForRooms(userId: string, rooms: readonly { roomId: string; roomNid: number }[]): Map<string, RoomCounts>;
}

/** Up to this many rooms are counted one by one. */
const ONE_BY_ONE = 2;
const PAGE = 2000;

export function createUnreadCounts(deps: {
  single: UnreadCountsSource;
  rows: NotificationRows;
  readPositions(userId: string, roomNid: number): ReadPositions;
}): UnreadCounts {
  return {
    countsForRooms(userId, rooms) {
      const out = new Map<string, RoomCounts>();
      if (rooms.length <= ONE_BY_ONE) {
        for (const r of rooms) out.set(r.roomId, deps.single.counts(userId, r.roomId));
        return out;
      }
      const positions = new Map<string, ReadPositions>();
      let from = Number.POSITIVE_INFINITY;
      for (const r of rooms) {
        const p = deps.readPositions(userId, r.roomNid);
        positions.set(r.roomId, p);
        from = Math.min(from, p.unthreaded);
        out.set(r.roomId, { room: { notify: 0, highlight: 0 }, main: { notify: 0, highlight: 0 }, threads: new Map() });
      }
      for (let after = from; ; ) {
        const page = deps.rows.after(userId, after, PAGE);
        for (const n of page) {
          const p = positions.get(n.roomId);
          if (!p) continue;
          const thread = n.threadId ?? "main";
          if (n.streamOrdering <= Math.max(p.unthreaded, p.threads.get(thread) ?? 0)) continue;
          const c = out.get(n.roomId)!;
          let t: Counts;
          if (n.threadId === null) t = c.main;
          else {
            const threads = c.threads as Map<string, Counts>;
            t = threads.get(n.threadId) ?? { notify: 0, highlight: 0 };
            threads.set(n.threadId, t);
          }
          t.notify++;
          c.room.notify++;
          if (n.highlight) {
            t.highlight++;
            c.room.highlight++;
          }
        }
        if (page.length < PAGE) break;
        after = page[page.length - 1]!.streamOrdering;
      }
      return out;
    },
  };
}
