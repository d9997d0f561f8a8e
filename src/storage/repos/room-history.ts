/**
 * Read queries over room history for the client read paths: timeline pages with room event filters
 * pushed into SQL, relations (optionally recursive), bundled-aggregation lookups, thread roots and
 * timestamp lookups. Only timeline events count: not outliers, not rejected, not soft-failed.
 *
 * Positions are (topological_ordering, stream_ordering) pairs compared as row values, which SQLite
 * answers from the events_room_topo index.
 */
import type { Db } from "../db";
import { COLS, type EventRow, type StoredEvent, toEvent } from "./events";

export interface Position {
  topo: number;
  stream: number;
}

/** A room event filter's SQL-checkable parts (types may contain `*` wildcards). */
export interface HistoryFilter {
  types?: readonly string[];
  notTypes?: readonly string[];
  senders?: readonly string[];
  notSenders?: readonly string[];
  containsUrl?: boolean;
}

export interface RelationFilter {
  relType?: string;
  eventType?: string;
}

export interface ThreadRoot {
  rootId: string;
  /** Position of the newest event in the thread. */
  latest: Position;
}

export interface RoomHistoryRepo {
  /**
   * Up to `limit` timeline events of a room matching `filter`: for "b", at or before `from`, newest
   * first; for "f", strictly after `from`, oldest first.
   */
  page(roomNid: number, from: Position, dir: "b" | "f", limit: number, filter: HistoryFilter): StoredEvent[];
  /** The newest position among events with stream_ordering <= `stream` (a sync token's position), or null. */
  positionAtStream(roomNid: number, stream: number): Position | null;
  /** The newest position in the room, or null when it has no timeline events. */
  latestPosition(roomNid: number): Position | null;
  /**
   * Events relating to `eventId` in the room (not redacted), up to `maxDepth` relation hops, each hop
   * matching `filter`; paginated like `page`.
   */
  relations(
    roomNid: number,
    eventId: string,
    filter: RelationFilter,
    maxDepth: number,
    from: Position,
    dir: "b" | "f",
    limit: number,
  ): StoredEvent[];
  /** rel_type -> number of valid, unredacted children of an event (not counting `notSenders`'). */
  relationCounts(roomNid: number, eventId: string, notSenders?: readonly string[]): Map<string, number>;
  /** The same for many events in one query (events without children are absent). */
  relationCountsMany(
    roomNid: number,
    eventIds: readonly string[],
    notSenders?: readonly string[],
  ): Map<string, Map<string, number>>;
  /** m.replace children by `sender` of `type`, newest first (origin_server_ts, then event_id). */
  editCandidates(roomNid: number, eventId: string, sender: string, type: string, limit: number): StoredEvent[];
  /** The newest event of a thread (topologically) not sent by `notSenders`, or null. */
  latestInThread(roomNid: number, rootId: string, notSenders?: readonly string[]): StoredEvent | null;
  /** Whether `userId` sent an unredacted event in the thread. */
  sentInThread(roomNid: number, rootId: string, userId: string): boolean;
  /** IDs of unredacted m.reference children (not sent by `notSenders`), oldest first. */
  references(roomNid: number, eventId: string, limit: number, notSenders?: readonly string[]): string[];
  /**
   * Thread roots ordered by their newest thread event (newest first), strictly before `before`;
   * with `participant`, only threads that user started or posted in.
   */
  threadRoots(roomNid: number, before: Position, limit: number, participant?: string): ThreadRoot[];
  /** Up to `limit` events at or after (f) / at or before (b) a timestamp, nearest first. */
  nearTimestamp(roomNid: number, ts: number, dir: "b" | "f", limit: number): StoredEvent[];
}

const VALID = "outlier = 0 AND rejected_reason IS NULL AND soft_failed = 0";
const MAX_CACHED = 200;

/** ` AND sender NOT IN (?, ...)` for a non-empty list. */
function notSendersSql(notSenders: readonly string[]): string {
  return notSenders.length ? ` AND sender NOT IN (${notSenders.map(() => "?").join(",")})` : "";
}

function globOf(pattern: string): string {
  // Only `*` is a wildcard in filters; GLOB's other specials are taken literally.
  return pattern.replace(/[[?]/g, (c) => `[${c}]`);
}

export function createRoomHistoryRepo(db: Db): RoomHistoryRepo {
  const s = db.sqlite;
  const cache = new Map<string, ReturnType<typeof s.query<EventRow, (string | number)[]>>>();
  const stmt = (sql: string) => {
    let q = cache.get(sql);
    if (!q) {
      if (cache.size >= MAX_CACHED) cache.clear();
      q = s.query<EventRow, (string | number)[]>(sql);
      cache.set(sql, q);
    }
    return q;
  };

  const q = {
    positionAtStream: s.query<{ topo: number; stream: number }, [number, number]>(
      `SELECT topological_ordering AS topo, stream_ordering AS stream FROM events
        WHERE room_nid = ? AND stream_ordering <= ? AND ${VALID}
        ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 1`,
    ),
    latest: s.query<{ topo: number; stream: number }, [number]>(
      `SELECT topological_ordering AS topo, stream_ordering AS stream FROM events WHERE room_nid = ? AND ${VALID}
        ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 1`,
    ),
    counts: s.query<{ rel_type: string | null; n: number }, [string, number]>(
      `SELECT rel_type, count(*) AS n FROM events WHERE relates_to_id = ? AND +room_nid = ? AND ${VALID}
         AND redacted_by IS NULL GROUP BY rel_type`,
    ),
    edits: s.query<EventRow, [string, number, string, string, number]>(
      `SELECT ${COLS} FROM events WHERE relates_to_id = ? AND rel_type = 'm.replace' AND +room_nid = ? AND sender = ?
         AND type = ? AND state_key IS NULL AND redacted_by IS NULL AND ${VALID}
       ORDER BY origin_server_ts DESC, event_id DESC LIMIT ?`,
    ),
    latestInThread: s.query<EventRow, [string, number]>(
      `SELECT ${COLS} FROM events WHERE relates_to_id = ? AND rel_type = 'm.thread' AND +room_nid = ?
         AND redacted_by IS NULL AND ${VALID}
       ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 1`,
    ),
    sentInThread: s.query<{ one: number }, [string, number, string]>(
      `SELECT 1 AS one FROM events WHERE relates_to_id = ? AND rel_type = 'm.thread' AND +room_nid = ? AND sender = ?
         AND redacted_by IS NULL AND ${VALID} LIMIT 1`,
    ),
    references: s.query<{ event_id: string }, [string, number, number]>(
      `SELECT event_id FROM events WHERE relates_to_id = ? AND rel_type = 'm.reference' AND +room_nid = ?
         AND redacted_by IS NULL AND ${VALID}
       ORDER BY topological_ordering, stream_ordering LIMIT ?`,
    ),
    nearF: s.query<EventRow, [number, number, number]>(
      `SELECT ${COLS} FROM events WHERE room_nid = ? AND origin_server_ts >= ? AND ${VALID}
       ORDER BY origin_server_ts ASC, stream_ordering ASC LIMIT ?`,
    ),
    nearB: s.query<EventRow, [number, number, number]>(
      `SELECT ${COLS} FROM events WHERE room_nid = ? AND origin_server_ts <= ? AND ${VALID}
       ORDER BY origin_server_ts DESC, stream_ordering DESC LIMIT ?`,
    ),
  };

  const threadRootsSql = (participant: boolean) =>
    `SELECT root, topo, stream FROM (
       SELECT thread_id AS root, topological_ordering AS topo, stream_ordering AS stream,
         row_number() OVER (PARTITION BY thread_id ORDER BY topological_ordering DESC, stream_ordering DESC) AS rn
       FROM events WHERE room_nid = ? AND thread_id IS NOT NULL AND rel_type = 'm.thread'
         AND redacted_by IS NULL AND ${VALID}
     ) t
     WHERE rn = 1 AND (topo, stream) < (?, ?)
       AND EXISTS (SELECT 1 FROM events r WHERE r.event_id = t.root AND r.room_nid = ? AND r.outlier = 0
                     AND r.rejected_reason IS NULL AND r.soft_failed = 0)
       ${
         participant
           ? `AND (EXISTS (SELECT 1 FROM events r WHERE r.event_id = t.root AND r.sender = ?)
                OR EXISTS (SELECT 1 FROM events c WHERE c.room_nid = ? AND c.thread_id = t.root AND c.sender = ?
                             AND c.rel_type = 'm.thread' AND c.redacted_by IS NULL AND c.outlier = 0
                             AND c.rejected_reason IS NULL AND c.soft_failed = 0))`
           : ""
       }
     ORDER BY topo DESC, stream DESC LIMIT ?`;
  const threadRootsAll = s.query<{ root: string; topo: number; stream: number }, (string | number)[]>(
    threadRootsSql(false),
  );
  const threadRootsOf = s.query<{ root: string; topo: number; stream: number }, (string | number)[]>(
    threadRootsSql(true),
  );

  const countsMany = (
    roomNid: number,
    eventIds: readonly string[],
    notSenders: readonly string[] = [],
  ): Map<string, Map<string, number>> => {
    const out = new Map<string, Map<string, number>>();
    for (let i = 0; i < eventIds.length; i += 200) {
      const chunk = eventIds.slice(i, i + 200);
      const rows = stmt(
        `SELECT relates_to_id, rel_type, count(*) AS n FROM events
          WHERE relates_to_id IN (${chunk.map(() => "?").join(",")}) AND +room_nid = ? AND ${VALID}
            AND redacted_by IS NULL AND rel_type IS NOT NULL${notSendersSql(notSenders)}
          GROUP BY relates_to_id, rel_type`,
      ).all(...chunk, roomNid, ...notSenders) as unknown as { relates_to_id: string; rel_type: string; n: number }[];
      for (const r of rows) {
        const m = out.get(r.relates_to_id) ?? new Map<string, number>();
        m.set(r.rel_type, r.n);
        out.set(r.relates_to_id, m);
      }
    }
    return out;
  };

  return {
    page(roomNid, from, dir, limit, filter) {
      if (filter.types?.length === 0 || filter.senders?.length === 0 || limit <= 0) return [];
      const where = [`room_nid = ?`, VALID];
      const args: (string | number)[] = [roomNid];
      where.push(
        dir === "b"
          ? "(topological_ordering, stream_ordering) <= (?, ?)"
          : "(topological_ordering, stream_ordering) > (?, ?)",
      );
      args.push(from.topo, from.stream);
      if (filter.types) {
        where.push(`(${filter.types.map(() => "type GLOB ?").join(" OR ")})`);
        args.push(...filter.types.map(globOf));
      }
      for (const t of filter.notTypes ?? []) {
        where.push("type NOT GLOB ?");
        args.push(globOf(t));
      }
      if (filter.senders) {
        where.push(`sender IN (${filter.senders.map(() => "?").join(",")})`);
        args.push(...filter.senders);
      }
      if (filter.notSenders?.length) {
        where.push(`sender NOT IN (${filter.notSenders.map(() => "?").join(",")})`);
        args.push(...filter.notSenders);
      }
      if (filter.containsUrl !== undefined) where.push(`contains_url = ${filter.containsUrl ? 1 : 0}`);
      const order = dir === "b" ? "DESC" : "ASC";
      args.push(limit);
      const sql = `SELECT ${COLS} FROM events WHERE ${where.join(" AND ")}
        ORDER BY topological_ordering ${order}, stream_ordering ${order} LIMIT ?`;
      return stmt(sql)
        .all(...args)
        .map(toEvent);
    },
    positionAtStream(roomNid, stream) {
      return q.positionAtStream.get(roomNid, stream) ?? null;
    },
    latestPosition(roomNid) {
      return q.latest.get(roomNid) ?? null;
    },
    relations(roomNid, eventId, filter, maxDepth, from, dir, limit) {
      const hop = (alias: string) => {
        const parts = [
          `+${alias}.room_nid = ?`,
          `${alias}.outlier = 0`,
          `${alias}.rejected_reason IS NULL`,
          `${alias}.soft_failed = 0`,
          `${alias}.redacted_by IS NULL`,
        ];
        const a: (string | number)[] = [roomNid];
        if (filter.relType !== undefined) {
          parts.push(`${alias}.rel_type = ?`);
          a.push(filter.relType);
        }
        if (filter.eventType !== undefined) {
          parts.push(`${alias}.type = ?`);
          a.push(filter.eventType);
        }
        return { sql: parts.join(" AND "), args: a };
      };
      const first = hop("e");
      const next = hop("e");
      const order = dir === "b" ? "DESC" : "ASC";
      const sql = `WITH RECURSIVE rel(id, depth) AS (
          SELECT e.event_id, 1 FROM events e WHERE e.relates_to_id = ? AND ${first.sql}
          UNION
          SELECT e.event_id, rel.depth + 1 FROM rel JOIN events e ON e.relates_to_id = rel.id
           WHERE rel.depth < ? AND ${next.sql}
        )
        SELECT ${COLS} FROM events WHERE event_id IN (SELECT id FROM rel)
          AND (topological_ordering, stream_ordering) ${dir === "b" ? "<=" : ">"} (?, ?)
        ORDER BY topological_ordering ${order}, stream_ordering ${order} LIMIT ?`;
      return stmt(sql)
        .all(eventId, ...first.args, maxDepth, ...next.args, from.topo, from.stream, limit)
        .map(toEvent);
    },
    relationCounts(roomNid, eventId, notSenders = []) {
      if (notSenders.length > 0) return countsMany(roomNid, [eventId], notSenders).get(eventId) ?? new Map();
      const out = new Map<string, number>();
      for (const r of q.counts.all(eventId, roomNid)) if (r.rel_type !== null) out.set(r.rel_type, r.n);
      return out;
    },
    relationCountsMany: countsMany,
    editCandidates: (roomNid, eventId, sender, type, limit) =>
      q.edits.all(eventId, roomNid, sender, type, limit).map(toEvent),
    latestInThread(roomNid, rootId, notSenders = []) {
      const r =
        notSenders.length === 0
          ? q.latestInThread.get(rootId, roomNid)
          : stmt(
              `SELECT ${COLS} FROM events WHERE relates_to_id = ? AND rel_type = 'm.thread' AND +room_nid = ?
                 AND redacted_by IS NULL AND ${VALID}${notSendersSql(notSenders)}
               ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT 1`,
            ).get(rootId, roomNid, ...notSenders);
      return r ? toEvent(r) : null;
    },
    sentInThread: (roomNid, rootId, userId) => q.sentInThread.get(rootId, roomNid, userId) !== null,
    references(roomNid, eventId, limit, notSenders = []) {
      const rows =
        notSenders.length === 0
          ? q.references.all(eventId, roomNid, limit)
          : (stmt(
              `SELECT event_id FROM events WHERE relates_to_id = ? AND rel_type = 'm.reference' AND +room_nid = ?
                 AND redacted_by IS NULL AND ${VALID}${notSendersSql(notSenders)}
               ORDER BY topological_ordering, stream_ordering LIMIT ?`,
            ).all(eventId, roomNid, ...notSenders, limit) as unknown as { event_id: string }[]);
      return rows.map((r) => r.event_id);
    },
    threadRoots(roomNid, before, limit, participant) {
      const rows =
        participant === undefined
          ? threadRootsAll.all(roomNid, before.topo, before.stream, roomNid, limit)
          : threadRootsOf.all(roomNid, before.topo, before.stream, roomNid, participant, roomNid, participant, limit);
      return rows.map((r) => ({ rootId: r.root, latest: { topo: r.topo, stream: r.stream } }));
    },
    nearTimestamp: (roomNid, ts, dir, limit) => (dir === "f" ? q.nearF : q.nearB).all(roomNid, ts, limit).map(toEvent),
  };
}
