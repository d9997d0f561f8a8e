/**
 * Unread notification and highlight counts (client-server API "Receiving notifications" and threaded
 * read receipts): the push_notifications rows after the user's read position. An unthreaded receipt
 * reads everything up to its event; a threaded one (`main` or a thread root) reads its own thread;
 * when a user has both, the one further ahead wins for that thread.
 */
import type { PushNotificationRepo } from "../../storage/repos/push-notifications";

export interface Counts {
  notify: number;
  highlight: number;
}

/** Where a user has read up to in a room, as stream orderings of the receipts' events. */
export interface ReadPositions {
  /** The newest unthreaded receipt (m.read or m.read.private), 0 when none. */
  unthreaded: number;
  /** Threaded receipts: "main" for the main timeline, else the thread root's event ID. */
  threads: ReadonlyMap<string, number>;
}

/** Read receipts as positions (implemented over the receipts store by whoever owns receipts). */
export interface ReadMarkers {
  positions(userId: string, roomId: string): ReadPositions;
}

export const NO_RECEIPTS: ReadMarkers = { positions: () => ({ unthreaded: 0, threads: new Map() }) };

export interface RoomNotificationCounts {
  /** Every thread together: `unread_notifications` for clients without thread counts. */
  room: Counts;
  /** The main timeline only: `unread_notifications` when the client asked for thread counts. */
  main: Counts;
  /** Per thread root, only threads with something unread: `unread_thread_notifications`. */
  threads: Map<string, Counts>;
}

export interface NotificationCounter {
  counts(userId: string, roomId: string): RoomNotificationCounts;
  /** True when a receipt covers this notification. */
  isRead(userId: string, roomId: string, threadId: string | null, streamOrdering: number): boolean;
  /** Unread notifications across the given rooms (the badge count sent to push gateways). */
  totalUnread(userId: string, roomIds: Iterable<string>): number;
}

const MAIN = "main";

export function readUpTo(p: ReadPositions, threadId: string | null): number {
  return Math.max(p.unthreaded, p.threads.get(threadId ?? MAIN) ?? 0);
}

export function createNotificationCounter(deps: {
  notifications: PushNotificationRepo;
  markers: () => ReadMarkers;
}): NotificationCounter {
  const counts = (userId: string, roomId: string): RoomNotificationCounts => {
    const p = deps.markers().positions(userId, roomId);
    const byThread = new Map<string | null, Counts>();
    for (const g of deps.notifications.countsAfter(userId, roomId, p.unthreaded)) {
      byThread.set(g.threadId, { notify: g.notify, highlight: g.highlight });
    }
    for (const [thread, pos] of p.threads) {
      if (pos <= p.unthreaded) continue;
      const t = thread === MAIN ? null : thread;
      if (!byThread.has(t)) continue;
      byThread.set(t, deps.notifications.countsInThreadAfter(userId, roomId, t, pos));
    }
    const room: Counts = { notify: 0, highlight: 0 };
    const threads = new Map<string, Counts>();
    let main: Counts = { notify: 0, highlight: 0 };
    for (const [t, c] of byThread) {
      room.notify += c.notify;
      room.highlight += c.highlight;
      if (t === null) main = c;
      else if (c.notify > 0) threads.set(t, c);
    }
    return { room, main, threads };
  };
  return {
    counts,
    isRead(userId, roomId, threadId, streamOrdering) {
      return streamOrdering <= readUpTo(deps.markers().positions(userId, roomId), threadId);
    },
    totalUnread(userId, roomIds) {
      let n = 0;
      for (const roomId of roomIds) n += counts(userId, roomId).room.notify;
      return n;
    },
  };
}
