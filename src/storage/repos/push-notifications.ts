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
  /** Stores several notifications in one transaction (one event, many users). */
  insertMany(rows: readonly PushNotificationRow[]): void;
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
  /** Notification and highlight counts in one thread (null = main timeline) of a room after a position. */
  countsInThreadAfter(
    userId: string,
    roomId: string,
    threadId: string | null,
    afterStream: number,
  ): { notify: number; highlight: number };
  /** One notification of the user for an event, or null. */
  byEvent(userId: string, eventNid: number): PushNotificationRow | null;
  /** Deletes notifications stored before `ts` (retention), at most `limit`; returns how many. */
  deleteOlderThan(ts: number, limit: number): number;
  /** Deletes every user's notification for an event (it was redacted); returns how many. */
  deleteForEvent(eventNid: number): number;
}

const INSERT_GROUP = 50;

export function createPushNotificationRepo(db: Db): PushNotificationRepo {
  const s = db.sqlite;
  const COLS = "user_id, event_nid, room_id, stream_ordering, thread_id, highlight, actions, ts";
  // Every per-user query is a range of the primary key (user_id, stream_ordering).
  const q = {
    insert: s.query(`INSERT OR IGNORE INTO push_notifications (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
    // Rows in groups: one statement per group instead of per row (big rooms store hundreds per event).
    insertGroup: s.query(
      `INSERT OR IGNORE INTO push_notifications (${COLS}) VALUES ${Array(INSERT_GROUP).fill("(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
    ),
    pageAll: s.query<Sql, [string, number, number]>(
      `SELECT ${COLS} FROM push_notifications WHERE user_id = ? AND stream_ordering < ? ORDER BY stream_ordering DESC LIMIT ?`,
    ),
    pageHighlight: s.query<Sql, [string, number, number]>(
      `SELECT ${COLS} FROM push_notifications WHERE user_id = ? AND stream_ordering < ? AND highlight = 1
        ORDER BY stream_ordering DESC LIMIT ?`,
    ),
    after: s.query<Sql, [string, number, number]>(
      `SELECT ${COLS} FROM push_notifications WHERE user_id = ? AND stream_ordering > ? ORDER BY stream_ordering ASC LIMIT ?`,
    ),
    counts: s.query<{ thread_id: string | null; notify: number; highlight: number | null }, [string, number, string]>(
      `SELECT thread_id, count(*) AS notify, sum(highlight) AS highlight FROM push_notifications
        WHERE user_id = ? AND stream_ordering > ? AND room_id = ? GROUP BY thread_id`,
    ),
    threadCounts: s.query<{ notify: number; highlight: number | null }, [string, number, string, string | null]>(
      `SELECT count(*) AS notify, sum(highlight) AS highlight FROM push_notifications
        WHERE user_id = ? AND stream_ordering > ? AND room_id = ? AND thread_id IS ?`,
    ),
    byEvent: s.query<Sql, [number, string]>(
      `SELECT ${COLS} FROM push_notifications WHERE event_nid = ? AND user_id = ?`,
    ),
    deleteForEvent: s.query<never, [number]>("DELETE FROM push_notifications WHERE event_nid = ?"),
    deleteOld: s.query<{ n: number }, [number, number]>(
      `DELETE FROM push_notifications WHERE (user_id, stream_ordering) IN
        (SELECT user_id, stream_ordering FROM push_notifications WHERE ts < ? LIMIT ?)`,
    ),
  };
  return {
    insertMany(rows) {
      const values = (n: PushNotificationRow) =>
        [
          n.userId,
          n.eventNid,
          n.roomId,
          n.streamOrdering,
          n.threadId,
          n.highlight ? 1 : 0,
          JSON.stringify(n.actions),
          n.ts,
        ] as const;
      db.tx(() => {
        let i = 0;
        for (; i + INSERT_GROUP <= rows.length; i += INSERT_GROUP) {
          const args: (string | number | null)[] = [];
          for (let k = i; k < i + INSERT_GROUP; k++) args.push(...values(rows[k]!));
          q.insertGroup.run(...args);
        }
        for (; i < rows.length; i++) q.insert.run(...values(rows[i]!));
      });
    },
    page(userId, { beforeStream, limit, onlyHighlight }) {
      const before = beforeStream ?? Number.MAX_SAFE_INTEGER;
      return (onlyHighlight ? q.pageHighlight : q.pageAll).all(userId, before, limit).map(toRow);
    },
    after: (u, a, l) => q.after.all(u, a, l).map(toRow),
    countsAfter: (u, r, a) =>
      q.counts.all(u, a, r).map((x) => ({ threadId: x.thread_id, notify: x.notify, highlight: x.highlight ?? 0 })),
    countsInThreadAfter(u, r, t, a) {
      const row = q.threadCounts.get(u, a, r, t)!;
      return { notify: row.notify, highlight: row.highlight ?? 0 };
    },
    byEvent(u, nid) {
      const r = q.byEvent.get(nid, u);
      return r ? toRow(r) : null;
    },
    deleteOlderThan: (ts, limit) => q.deleteOld.run(ts, limit).changes,
    deleteForEvent: (nid) => q.deleteForEvent.run(nid).changes,
  };
}
