/** Notifications produced by users' push rules (for counts, /notifications and pushers). */
import type { Db } from "../db";

export interface PushNotificationRow {
  userId: string;
  eventNid: number;
  roomId: string;
  streamOrdering: number;
  threadId: string | null;
  highlight: boolean;
  actions: unknown[];
  ts: number;
}

interface Sql {
  user_id: string;
  event_nid: number;
  room_id: string;
  stream_ordering: number;
  thread_id: string | null;
  highlight: number;
  actions: string;
  ts: number;
}

const toRow = (r: Sql): PushNotificationRow => ({
  userId: r.user_id,
  eventNid: r.event_nid,
  roomId: r.room_id,
  streamOrdering: r.stream_ordering,
  threadId: r.thread_id,
  highlight: r.highlight === 1,
  actions: JSON.parse(r.actions) as unknown[],
  ts: r.ts,
});

export interface PushNotificationRepo {
  insert(n: PushNotificationRow): void;
  /** Newest first, strictly before `beforeStream` (when given). */
  page(userId: string, opts: { beforeStream?: number; limit: number; onlyHighlight: boolean }): PushNotificationRow[];
  /** Notifications for one user after a stream position, oldest first (pusher delivery). */
  after(userId: string, afterStream: number, limit: number): PushNotificationRow[];
  /** Notification and highlight counts in a room after a position, per thread (null = main timeline). */
  countsAfter(
    userId: string,
    roomId: string,
    afterStream: number,
  ): { threadId: string | null; notify: number; highlight: number }[];
  /** Unread notifications of the user across rooms after per-room positions (badge count for pushes). */
  totalUnread(userId: string, afterStreamByRoom: (roomId: string) => number): number;
}

export function createPushNotificationRepo(db: Db): PushNotificationRepo {
  const s = db.sqlite;
  const COLS = "user_id, event_nid, room_id, stream_ordering, thread_id, highlight, actions, ts";
  const q = {
    insert: s.query(`INSERT OR IGNORE INTO push_notifications (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    pageAll: s.query<Sql, [string, number, number]>(
      `SELECT ${COLS} FROM push_notifications WHERE user_id = ? AND stream_ordering < ? ORDER BY stream_ordering DESC LIMIT ?`,
    ),
    pageHighlight: s.query<Sql, [string, number, number]>(
      `SELECT ${COLS} FROM push_notifications WHERE user_id = ? AND stream_ordering < ? AND highlight = 1 ORDER BY stream_ordering DESC LIMIT ?`,
    ),
    after: s.query<Sql, [string, number, number]>(
      `SELECT ${COLS} FROM push_notifications WHERE user_id = ? AND stream_ordering > ? ORDER BY stream_ordering ASC LIMIT ?`,
    ),
    counts: s.query<{ thread_id: string | null; notify: number; highlight: number }, [string, string, number]>(
      `SELECT thread_id, count(*) AS notify, sum(highlight) AS highlight FROM push_notifications
        WHERE user_id = ? AND room_id = ? AND stream_ordering > ? GROUP BY thread_id`,
    ),
    rooms: s.query<{ room_id: string }, [string]>("SELECT DISTINCT room_id FROM push_notifications WHERE user_id = ?"),
    roomCount: s.query<{ n: number }, [string, string, number]>(
      "SELECT count(*) AS n FROM push_notifications WHERE user_id = ? AND room_id = ? AND stream_ordering > ?",
    ),
  };
  return {
    insert(n) {
      q.insert.run(
        n.userId,
        n.eventNid,
        n.roomId,
        n.streamOrdering,
        n.threadId,
        n.highlight ? 1 : 0,
        JSON.stringify(n.actions),
        n.ts,
      );
    },
    page(userId, { beforeStream, limit, onlyHighlight }) {
      const before = beforeStream ?? Number.MAX_SAFE_INTEGER;
      return (onlyHighlight ? q.pageHighlight : q.pageAll).all(userId, before, limit).map(toRow);
    },
    after: (u, a, l) => q.after.all(u, a, l).map(toRow),
    countsAfter: (u, r, a) =>
      q.counts.all(u, r, a).map((x) => ({ threadId: x.thread_id, notify: x.notify, highlight: x.highlight ?? 0 })),
    totalUnread(userId, afterStreamByRoom) {
      let n = 0;
      for (const { room_id } of q.rooms.all(userId))
        n += q.roomCount.get(userId, room_id, afterStreamByRoom(room_id))!.n;
      return n;
    },
  };
}
