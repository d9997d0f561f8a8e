/**
 * Read queries for /sync over the rooms tables (events by stream position, room summaries, who
 * shares a room with whom), and the implicit read positions users reach by sending events.
 */
import type { Db } from "../db";

/** An event at a stream position, with the state after it. */
export interface StreamPoint {
  eventNid: number;
  streamOrdering: number;
  topologicalOrdering: number;
  stateAfterNid: number | null;
}

export interface SyncRepo {
  /** Rooms with timeline events whose stream ordering is in (from, to]. */
  roomsWithEventsIn(from: number, to: number): Set<number>;
  /** Timeline events with stream ordering in (after, before), newest first: their nids. */
  pageDesc(roomNid: number, after: number, before: number, limit: number): number[];
  /** The last timeline event with stream ordering <= `stream`. */
  lastAtOrBefore(roomNid: number, stream: number): StreamPoint | null;
  /** Members with one of two memberships, in the order they got it, leaving out `exclude`. */
  membersInOrder(roomNid: number, memberships: readonly [string, string], exclude: string, limit: number): string[];
  /** Every user joined to a room the user is joined to (the user included when joined anywhere). */
  roomMatesOf(userId: string): string[];
  /** True when the two users are joined to a common room. */
  shareARoom(a: string, b: string): boolean;
  setImplicitRead(userId: string, roomNid: number, threadId: string, streamOrdering: number): void;
  /** Thread ("" = main timeline) -> stream ordering of the user's latest own event there. */
  implicitReads(userId: string, roomNid: number): Map<string, number>;
}

export function createSyncRepo(db: Db): SyncRepo {
  const s = db.sqlite;
  const TIMELINE = "outlier = 0 AND rejected_reason IS NULL AND soft_failed = 0";
  const q = {
    roomsIn: s.query<{ room_nid: number }, [number, number]>(
      "SELECT DISTINCT room_nid FROM events WHERE stream_ordering > ? AND stream_ordering <= ?",
    ),
    page: s.query<{ event_nid: number }, [number, number, number, number]>(
      `SELECT event_nid FROM events WHERE room_nid = ? AND stream_ordering > ? AND stream_ordering < ? AND ${TIMELINE}
       ORDER BY stream_ordering DESC LIMIT ?`,
    ),
    last: s.query<
      { event_nid: number; stream_ordering: number; topological_ordering: number; state_after_nid: number | null },
      [number, number]
    >(
      `SELECT event_nid, stream_ordering, topological_ordering, state_after_nid FROM events
        WHERE room_nid = ? AND stream_ordering <= ? AND ${TIMELINE} ORDER BY stream_ordering DESC LIMIT 1`,
    ),
    members: s.query<{ user_id: string }, [number, string, string, string, number]>(
      `SELECT user_id FROM room_memberships WHERE room_nid = ? AND membership IN (?, ?) AND user_id != ?
       ORDER BY stream_ordering LIMIT ?`,
    ),
    mates: s.query<{ user_id: string }, [string]>(
      `SELECT DISTINCT b.user_id FROM room_memberships a JOIN room_memberships b ON b.room_nid = a.room_nid
        WHERE a.user_id = ? AND a.membership = 'join' AND b.membership = 'join'`,
    ),
    share: s.query<{ one: number }, [string, string]>(
      `SELECT 1 AS one FROM room_memberships a JOIN room_memberships b ON b.room_nid = a.room_nid
        WHERE a.user_id = ? AND a.membership = 'join' AND b.user_id = ? AND b.membership = 'join' LIMIT 1`,
    ),
    setRead: s.query(
      `INSERT INTO implicit_reads (user_id, room_nid, thread_id, stream_ordering) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id, room_nid, thread_id) DO UPDATE SET stream_ordering = max(stream_ordering, excluded.stream_ordering)`,
    ),
    reads: s.query<{ thread_id: string; stream_ordering: number }, [string, number]>(
      "SELECT thread_id, stream_ordering FROM implicit_reads WHERE user_id = ? AND room_nid = ?",
    ),
  };
  return {
    roomsWithEventsIn: (from, to) => new Set(q.roomsIn.all(from, to).map((r) => r.room_nid)),
    pageDesc: (roomNid, after, before, limit) => q.page.all(roomNid, after, before, limit).map((r) => r.event_nid),
    lastAtOrBefore(roomNid, stream) {
      const r = q.last.get(roomNid, stream);
      return r
        ? {
            eventNid: r.event_nid,
            streamOrdering: r.stream_ordering,
            topologicalOrdering: r.topological_ordering,
            stateAfterNid: r.state_after_nid,
          }
        : null;
    },
    membersInOrder: (roomNid, [m1, m2], exclude, limit) =>
      q.members.all(roomNid, m1, m2, exclude, limit).map((r) => r.user_id),
    roomMatesOf: (userId) => q.mates.all(userId).map((r) => r.user_id),
    shareARoom: (a, b) => q.share.get(a, b) !== null,
    setImplicitRead: (userId, roomNid, threadId, stream) => {
      q.setRead.run(userId, roomNid, threadId, stream);
    },
    implicitReads: (userId, roomNid) =>
      new Map(q.reads.all(userId, roomNid).map((r) => [r.thread_id, r.stream_ordering])),
  };
}
