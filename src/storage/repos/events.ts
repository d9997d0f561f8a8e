/** Room events: stored verbatim (json) with extracted columns, their DAG edges and forward extremities. */
import type { Db } from "../db";

export interface StoredEvent {
  eventNid: number;
  eventId: string;
  roomNid: number;
  type: string;
  stateKey: string | null;
  sender: string;
  originServerTs: number;
  depth: number;
  streamOrdering: number | null;
  topologicalOrdering: number;
  json: string;
  stateBeforeNid: number | null;
  stateAfterNid: number | null;
  outlier: boolean;
  rejectedReason: string | null;
  softFailed: boolean;
  redactedBy: string | null;
  relType: string | null;
  relatesToId: string | null;
  threadId: string | null;
}

/** An event to insert: a stored event without its number and redaction, plus its edges. */
export type NewEvent = Omit<StoredEvent, "eventNid" | "redactedBy"> & {
  containsUrl: boolean;
  receivedAt: number;
  prevEventIds: readonly string[];
  authEventIds: readonly string[];
};

type Row = EventRow;
export interface EventRow {
  event_nid: number;
  event_id: string;
  room_nid: number;
  type: string;
  state_key: string | null;
  sender: string;
  origin_server_ts: number;
  depth: number;
  stream_ordering: number | null;
  topological_ordering: number;
  json: string;
  state_before_nid: number | null;
  state_after_nid: number | null;
  outlier: number;
  rejected_reason: string | null;
  soft_failed: number;
  redacted_by: string | null;
  rel_type: string | null;
  relates_to_id: string | null;
  thread_id: string | null;
}

export const COLS =
  "event_nid, event_id, room_nid, type, state_key, sender, origin_server_ts, depth, stream_ordering, topological_ordering, json, state_before_nid, state_after_nid, outlier, rejected_reason, soft_failed, redacted_by, rel_type, relates_to_id, thread_id";

export function toEvent(r: EventRow): StoredEvent {
  return {
    eventNid: r.event_nid,
    eventId: r.event_id,
    roomNid: r.room_nid,
    type: r.type,
    stateKey: r.state_key,
    sender: r.sender,
    originServerTs: r.origin_server_ts,
    depth: r.depth,
    streamOrdering: r.stream_ordering,
    topologicalOrdering: r.topological_ordering,
    json: r.json,
    stateBeforeNid: r.state_before_nid,
    stateAfterNid: r.state_after_nid,
    outlier: r.outlier === 1,
    rejectedReason: r.rejected_reason,
    softFailed: r.soft_failed === 1,
    redactedBy: r.redacted_by,
    relType: r.rel_type,
    relatesToId: r.relates_to_id,
    threadId: r.thread_id,
  };
}

/** A position in a room's history: (topological_ordering, stream_ordering). */
export interface TopoPosition {
  topo: number;
  stream: number;
}

export interface EventRepo {
  insert(e: NewEvent): number;
  byId(eventId: string): StoredEvent | null;
  byNid(eventNid: number): StoredEvent | null;
  byNids(eventNids: readonly number[]): StoredEvent[];
  nidOf(eventId: string): number | null;
  exists(eventId: string): boolean;
  forwardExtremities(roomNid: number): StoredEvent[];
  /** Removes `prevNids` from the room's extremities and adds `newNid` (unless something already points at it). */
  /**
   * Removes `prevNids` from the room's forward extremities and adds `newNid` unless a stored event
   * already cites it as a prev event; returns whether it was added. `newEventId` saves reading it back.
   */
  updateExtremities(roomNid: number, prevNids: readonly number[], newNid: number, newEventId?: string): boolean;
  maxStreamOrdering(): number;
  setRedactedBy(eventNid: number, redactionEventId: string): void;
  setStateAfter(eventNid: number, snapshotNid: number): void;
  /** Replaces the stored JSON (pruning a redacted event's content after the retention period). */
  pruneJson(eventNid: number, json: string, at: number): void;
  /** Redacted, not yet pruned events whose redaction is older than `before`. */
  prunable(beforeTs: number, limit: number): { eventNid: number; json: string; roomNid: number }[];
  /** Timeline events (not outliers, not rejected, not soft-failed) strictly before a position, newest first. */
  before(roomNid: number, pos: TopoPosition, limit: number): StoredEvent[];
  /** Timeline events strictly after a position, oldest first. */
  after(roomNid: number, pos: TopoPosition, limit: number): StoredEvent[];
  /** Timeline events with stream_ordering in (from, to], oldest first, at most `limit` (the newest ones when more). */
  inStreamRange(roomNid: number, from: number, to: number, limit: number): { events: StoredEvent[]; limited: boolean };
  /** The event closest to a timestamp in a direction. */
  closestToTs(roomNid: number, ts: number, dir: "f" | "b"): StoredEvent | null;
  /** Events relating to `eventId` (optionally of one rel_type / event type), in topological order. */
  relations(
    eventId: string,
    opts: { relType?: string; eventType?: string; from?: TopoPosition; dir: "f" | "b"; limit: number },
  ): StoredEvent[];
}

export function createEventRepo(db: Db): EventRepo {
  const s = db.sqlite;
  const q = {
    insert: s.query<{ event_nid: number }, (string | number | null)[]>(
      `INSERT INTO events (event_id, room_nid, type, state_key, sender, origin_server_ts, depth, stream_ordering,
         topological_ordering, json, state_before_nid, state_after_nid, outlier, rejected_reason, soft_failed,
         rel_type, relates_to_id, thread_id, contains_url, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING event_nid`,
    ),
    edge: s.query("INSERT OR IGNORE INTO event_edges (event_nid, prev_event_id) VALUES (?, ?)"),
    authEdge: s.query("INSERT OR IGNORE INTO event_auth_edges (event_nid, auth_event_id) VALUES (?, ?)"),
    byId: s.query<Row, [string]>(`SELECT ${COLS} FROM events WHERE event_id = ?`),
    byNid: s.query<Row, [number]>(`SELECT ${COLS} FROM events WHERE event_nid = ?`),
    nidOf: s.query<{ event_nid: number }, [string]>("SELECT event_nid FROM events WHERE event_id = ?"),
    nidToId: s.query<{ event_id: string }, [number]>("SELECT event_id FROM events WHERE event_nid = ?"),
    extremities: s.query<Row, [number]>(
      `SELECT ${COLS} FROM events WHERE event_nid IN (SELECT event_nid FROM forward_extremities WHERE room_nid = ?) ORDER BY depth DESC, event_nid DESC`,
    ),
    delExtremity: s.query("DELETE FROM forward_extremities WHERE room_nid = ? AND event_nid = ?"),
    addExtremity: s.query("INSERT OR IGNORE INTO forward_extremities (room_nid, event_nid) VALUES (?, ?)"),
    hasSuccessor: s.query<{ one: number }, [string]>(
      "SELECT 1 AS one FROM event_edges WHERE prev_event_id = ? LIMIT 1",
    ),
    maxStream: s.query<{ m: number | null }, []>("SELECT max(stream_ordering) AS m FROM events"),
    setRedactedBy: s.query("UPDATE events SET redacted_by = ? WHERE event_nid = ? AND redacted_by IS NULL"),
    setStateAfter: s.query("UPDATE events SET state_after_nid = ? WHERE event_nid = ?"),
    prune: s.query("UPDATE events SET json = ?, pruned_at = ? WHERE event_nid = ?"),
    prunable: s.query<{ event_nid: number; json: string; room_nid: number }, [number, number]>(
      `SELECT e.event_nid, e.json, e.room_nid FROM events e JOIN events r ON r.event_id = e.redacted_by
        WHERE e.pruned_at IS NULL AND r.received_at < ? LIMIT ?`,
    ),
    before: s.query<Row, [number, number, number, number, number]>(
      `SELECT ${COLS} FROM events WHERE room_nid = ? AND outlier = 0 AND rejected_reason IS NULL AND soft_failed = 0
         AND (topological_ordering < ? OR (topological_ordering = ? AND stream_ordering < ?))
       ORDER BY topological_ordering DESC, stream_ordering DESC LIMIT ?`,
    ),
    after: s.query<Row, [number, number, number, number, number]>(
      `SELECT ${COLS} FROM events WHERE room_nid = ? AND outlier = 0 AND rejected_reason IS NULL AND soft_failed = 0
         AND (topological_ordering > ? OR (topological_ordering = ? AND stream_ordering > ?))
       ORDER BY topological_ordering ASC, stream_ordering ASC LIMIT ?`,
    ),
    streamRange: s.query<Row, [number, number, number, number]>(
      `SELECT ${COLS} FROM events WHERE room_nid = ? AND stream_ordering > ? AND stream_ordering <= ?
         AND outlier = 0 AND rejected_reason IS NULL AND soft_failed = 0
       ORDER BY stream_ordering DESC LIMIT ?`,
    ),
    closestF: s.query<Row, [number, number]>(
      `SELECT ${COLS} FROM events WHERE room_nid = ? AND origin_server_ts >= ? AND outlier = 0 AND rejected_reason IS NULL AND soft_failed = 0
       ORDER BY origin_server_ts ASC, stream_ordering ASC LIMIT 1`,
    ),
    closestB: s.query<Row, [number, number]>(
      `SELECT ${COLS} FROM events WHERE room_nid = ? AND origin_server_ts <= ? AND outlier = 0 AND rejected_reason IS NULL AND soft_failed = 0
       ORDER BY origin_server_ts DESC, stream_ordering DESC LIMIT 1`,
    ),
  };

  const relationsQuery = (opts: { relType?: string; eventType?: string; from?: TopoPosition; dir: "f" | "b" }) => {
    const where = ["relates_to_id = ?", "outlier = 0", "rejected_reason IS NULL", "soft_failed = 0"];
    if (opts.relType !== undefined) where.push("rel_type = ?");
    if (opts.eventType !== undefined) where.push("type = ?");
    if (opts.from) {
      where.push(
        opts.dir === "b"
          ? "(topological_ordering < ? OR (topological_ordering = ? AND stream_ordering < ?))"
          : "(topological_ordering > ? OR (topological_ordering = ? AND stream_ordering > ?))",
      );
    }
    const order = opts.dir === "b" ? "DESC" : "ASC";
    return `SELECT ${COLS} FROM events WHERE ${where.join(" AND ")} ORDER BY topological_ordering ${order}, stream_ordering ${order} LIMIT ?`;
  };
  const relCache = new Map<string, ReturnType<typeof s.query<Row, (string | number)[]>>>();

  return {
    insert(e) {
      const nid = q.insert.get(
        e.eventId,
        e.roomNid,
        e.type,
        e.stateKey,
        e.sender,
        e.originServerTs,
        e.depth,
        e.streamOrdering,
        e.topologicalOrdering,
        e.json,
        e.stateBeforeNid,
        e.stateAfterNid,
        e.outlier ? 1 : 0,
        e.rejectedReason,
        e.softFailed ? 1 : 0,
        e.relType,
        e.relatesToId,
        e.threadId,
        e.containsUrl ? 1 : 0,
        e.receivedAt,
      )!.event_nid;
      for (const p of e.prevEventIds) q.edge.run(nid, p);
      for (const a of e.authEventIds) q.authEdge.run(nid, a);
      return nid;
    },
    byId: (id) => {
      const r = q.byId.get(id);
      return r ? toEvent(r) : null;
    },
    byNid: (nid) => {
      const r = q.byNid.get(nid);
      return r ? toEvent(r) : null;
    },
    byNids(nids) {
      const out: StoredEvent[] = [];
      for (let i = 0; i < nids.length; i += 500) {
        const chunk = nids.slice(i, i + 500);
        const rows = s
          .query<Row, number[]>(`SELECT ${COLS} FROM events WHERE event_nid IN (${chunk.map(() => "?").join(",")})`)
          .all(...chunk);
        out.push(...rows.map(toEvent));
      }
      return out;
    },
    nidOf: (id) => q.nidOf.get(id)?.event_nid ?? null,
    exists: (id) => q.nidOf.get(id) !== null,
    forwardExtremities: (roomNid) => q.extremities.all(roomNid).map(toEvent),
    updateExtremities(roomNid, prevNids, newNid, newEventId) {
      for (const p of prevNids) q.delExtremity.run(roomNid, p);
      const eventId = newEventId ?? q.nidToId.get(newNid)?.event_id;
      if (eventId === undefined || q.hasSuccessor.get(eventId)) return false;
      q.addExtremity.run(roomNid, newNid);
      return true;
    },
    maxStreamOrdering: () => q.maxStream.get()?.m ?? 0,
    setRedactedBy: (nid, rid) => {
      q.setRedactedBy.run(rid, nid);
    },
    setStateAfter: (nid, snap) => {
      q.setStateAfter.run(snap, nid);
    },
    pruneJson: (nid, json, at) => {
      q.prune.run(json, at, nid);
    },
    prunable: (before, limit) =>
      q.prunable.all(before, limit).map((r) => ({ eventNid: r.event_nid, json: r.json, roomNid: r.room_nid })),
    before: (roomNid, pos, limit) => q.before.all(roomNid, pos.topo, pos.topo, pos.stream, limit).map(toEvent),
    after: (roomNid, pos, limit) => q.after.all(roomNid, pos.topo, pos.topo, pos.stream, limit).map(toEvent),
    inStreamRange(roomNid, from, to, limit) {
      const rows = q.streamRange.all(roomNid, from, to, limit + 1);
      const limited = rows.length > limit;
      return { events: rows.slice(0, limit).reverse().map(toEvent), limited };
    },
    closestToTs(roomNid, ts, dir) {
      const r = dir === "f" ? q.closestF.get(roomNid, ts) : q.closestB.get(roomNid, ts);
      return r ? toEvent(r) : null;
    },
    relations(eventId, opts) {
      const sql = relationsQuery(opts);
      let stmt = relCache.get(sql);
      if (!stmt) {
        stmt = s.query<Row, (string | number)[]>(sql);
        relCache.set(sql, stmt);
      }
      const args: (string | number)[] = [eventId];
      if (opts.relType !== undefined) args.push(opts.relType);
      if (opts.eventType !== undefined) args.push(opts.eventType);
      if (opts.from) args.push(opts.from.topo, opts.from.topo, opts.from.stream);
      args.push(opts.limit);
      return stmt.all(...args).map(toEvent);
    },
  };
}
