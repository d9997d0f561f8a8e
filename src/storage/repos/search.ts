/**
 * The full-text index of room events (migrations 0012, 0013): search_docs (one row per indexed event,
 * with what the search filters on) and the contentless FTS5 table search_fts, whose rowid is the
 * event's stream_ordering (so FTS5 yields matches newest first), plus the indexer's high-water mark.
 * Queries take an FTS5 expression built by the search service.
 *
 * The scope conditions are written `+d.col IN (...)` so that SQLite finds each match's row by its
 * stream_ordering and then tests the lists, rather than probing an index once per listed room.
 */
import type { Db } from "../db";
import { COLS, type EventRow, type StoredEvent, toEvent } from "./events";

/** Which FTS5 column an event's text goes in (the spec's search keys). */
export type SearchColumn = "body" | "name" | "topic";

export interface SearchDoc {
  eventNid: number;
  roomNid: number;
  sender: string;
  type: string;
  streamOrdering: number;
  column: SearchColumn;
  text: string;
}

/** What a query is restricted to (all SQL-checkable). */
export interface SearchScope {
  /** FTS5 query expression (never raw user input). */
  match: string;
  roomNids: readonly number[];
  /** Only these event types (of the indexed ones). */
  types: readonly string[];
  /** Only these senders (null: anyone). */
  senders: readonly string[] | null;
  notSenders: readonly string[];
}

export interface SearchHit {
  eventNid: number;
  roomNid: number;
  sender: string;
  streamOrdering: number;
  /** Higher is more relevant (the negated bm25 score). */
  rank: number;
}

/** Where a page ends: results strictly after this one in the chosen order come next. */
export type SearchCursor = { order: "rank"; rank: number; stream: number } | { order: "recent"; stream: number };

/**
 * "rank" orders the newest this-many matches in scope by relevance (bm25 is computed for each), so
 * that a word found in most messages costs a bounded time; more specific terms are ranked in full.
 */
export const RANK_WINDOW = 10_000;
/** `count` looks at this many of the newest matches at most (the spec allows an approximate count). */
export const COUNT_CAP = 10_000;

export interface SearchRepo {
  /** The indexer's high-water mark (event_nid). */
  indexedUpTo(): number;
  setIndexedUpTo(eventNid: number): void;
  /** Events with event_nid > `after`, in event_nid order (timeline state and all). */
  eventsAfter(after: number, limit: number): StoredEvent[];
  /** Adds an event's entry (an event already indexed is left as it is). */
  insert(doc: SearchDoc): void;
  /** Removes an event's entry (no-op when absent). */
  remove(eventNid: number): void;
  /** The event_nid of an event that has been redacted, or null. */
  redactedNid(eventId: string): number | null;
  /** The newest RANK_WINDOW matches in scope with their scores, newest first (the caller orders them by rank). */
  rankWindow(scope: SearchScope): SearchHit[];
  /** Matches in scope older than `beforeStream` (a stream_ordering), newest first. */
  recent(scope: SearchScope, beforeStream: number, limit: number): SearchHit[];
  /** Where the newest COUNT_CAP matches in scope are (to count those the user may see). */
  matchPositions(scope: SearchScope): { roomNid: number; streamOrdering: number }[];
  /** Indexed entries (for tests and the benchmark). */
  size(): number;
}

interface HitRow {
  event_nid: number;
  room_nid: number;
  sender: string;
  stream_ordering: number;
  rank: number;
}

export function createSearchRepo(db: Db): SearchRepo {
  const s = db.sqlite;
  const scopeSql = `search_fts MATCH ?1
      AND +d.room_nid IN (SELECT value FROM json_each(?2))
      AND +d.type IN (SELECT value FROM json_each(?3))
      AND (?4 IS NULL OR +d.sender IN (SELECT value FROM json_each(?4)))
      AND +d.sender NOT IN (SELECT value FROM json_each(?5))`;
  const fromScope = `FROM search_fts JOIN search_docs d ON d.stream_ordering = search_fts.rowid WHERE ${scopeSql}`;
  const hitCols = "d.event_nid, d.room_nid, d.sender, d.stream_ordering, -bm25(search_fts) AS rank";
  // The newest RANK_WINDOW matches in scope, with their scores.
  const rankWindow = `SELECT ${hitCols} ${fromScope} ORDER BY search_fts.rowid DESC LIMIT ${RANK_WINDOW}`;
  type ScopeArgs = [string, string, string, string | null, string];
  const q = {
    mark: s.query<{ indexed_up_to: number }, []>("SELECT indexed_up_to FROM search_progress WHERE id = 1"),
    setMark: s.query<unknown, [number]>("UPDATE search_progress SET indexed_up_to = ? WHERE id = 1"),
    after: s.query<EventRow, [number, number]>(
      `SELECT ${COLS} FROM events WHERE event_nid > ? ORDER BY event_nid LIMIT ?`,
    ),
    insertDoc: s.query<unknown, [number, number, string, string, number]>(
      `INSERT INTO search_docs (event_nid, room_nid, sender, type, stream_ordering) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ),
    insertText: {
      body: s.query<unknown, [number, string]>("INSERT INTO search_fts (rowid, body) VALUES (?, ?)"),
      name: s.query<unknown, [number, string]>("INSERT INTO search_fts (rowid, name) VALUES (?, ?)"),
      topic: s.query<unknown, [number, string]>("INSERT INTO search_fts (rowid, topic) VALUES (?, ?)"),
    },
    remove: s.query<unknown, [number]>("DELETE FROM search_docs WHERE event_nid = ?"),
    redactedNid: s.query<{ event_nid: number }, [string]>(
      "SELECT event_nid FROM events WHERE event_id = ? AND redacted_by IS NOT NULL",
    ),
    rankWindow: s.query<HitRow, ScopeArgs>(rankWindow),
    recent: s.query<HitRow, [...ScopeArgs, number, number]>(
      `SELECT ${hitCols} ${fromScope} AND search_fts.rowid < ?6 ORDER BY search_fts.rowid DESC LIMIT ?7`,
    ),
    positions: s.query<{ room_nid: number; stream_ordering: number }, ScopeArgs>(
      `SELECT d.room_nid, d.stream_ordering ${fromScope} ORDER BY search_fts.rowid DESC LIMIT ${COUNT_CAP}`,
    ),
    size: s.query<{ n: number }, []>("SELECT count(*) AS n FROM search_docs"),
  };
  const args = (sc: SearchScope): ScopeArgs => [
    sc.match,
    JSON.stringify(sc.roomNids),
    JSON.stringify(sc.types),
    sc.senders === null ? null : JSON.stringify(sc.senders),
    JSON.stringify(sc.notSenders),
  ];
  const isEmpty = (sc: SearchScope) => sc.roomNids.length === 0 || sc.types.length === 0 || sc.senders?.length === 0;
  const toHit = (r: HitRow): SearchHit => ({
    eventNid: r.event_nid,
    roomNid: r.room_nid,
    sender: r.sender,
    streamOrdering: r.stream_ordering,
    rank: r.rank,
  });

  return {
    indexedUpTo: () => q.mark.get()?.indexed_up_to ?? 0,
    setIndexedUpTo(eventNid) {
      q.setMark.run(eventNid);
    },
    eventsAfter: (after, limit) => q.after.all(after, limit).map(toEvent),
    insert(doc) {
      const { changes } = q.insertDoc.run(doc.eventNid, doc.roomNid, doc.sender, doc.type, doc.streamOrdering);
      if (changes > 0) q.insertText[doc.column].run(doc.eventNid, doc.text);
    },
    remove(eventNid) {
      q.remove.run(eventNid);
    },
    redactedNid: (eventId) => q.redactedNid.get(eventId)?.event_nid ?? null,
    rankWindow(scope) {
      if (isEmpty(scope)) return [];
      return q.rankWindow.all(...args(scope)).map(toHit);
    },
    recent(scope, beforeStream, limit) {
      if (isEmpty(scope)) return [];
      return q.recent.all(...args(scope), beforeStream, limit).map(toHit);
    },
    matchPositions(scope) {
      if (isEmpty(scope)) return [];
      return q.positions.all(...args(scope)).map((r) => ({ roomNid: r.room_nid, streamOrdering: r.stream_ordering }));
    },
    size: () => q.size.get()?.n ?? 0,
  };
}
