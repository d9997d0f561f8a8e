/** Receipts (m.read, m.read.private): the latest per (room, user, type, thread), each with a position in the receipts stream. */
import type { Db } from "../db";

export interface ReceiptRow {
  roomNid: number;
  userId: string;
  receiptType: string;
  /** "" for an unthreaded receipt; "main" or a thread root's event ID otherwise. */
  threadId: string;
  eventId: string;
  /** The receipted event's stream ordering. */
  eventStream: number;
  ts: number;
  streamPos: number;
}

interface Sql {
  room_nid: number;
  user_id: string;
  receipt_type: string;
  thread_id: string;
  event_id: string;
  event_stream: number;
  ts: number;
  stream_pos: number;
}

const toRow = (r: Sql): ReceiptRow => ({
  roomNid: r.room_nid,
  userId: r.user_id,
  receiptType: r.receipt_type,
  threadId: r.thread_id,
  eventId: r.event_id,
  eventStream: r.event_stream,
  ts: r.ts,
  streamPos: r.stream_pos,
});

export interface ReceiptRepo {
  /** Inserts or moves a receipt; returns its new stream position. */
  upsert(r: Omit<ReceiptRow, "streamPos">): number;
  select(roomNid: number, userId: string, receiptType: string, threadId: string): ReceiptRow | null;
  /** Every receipt of a user in a room (to work out how far they have read). */
  ofUserInRoom(userId: string, roomNid: number): ReceiptRow[];
  /** Receipts in the given rooms with a position in (from, to] (all of them when from is null). */
  inRooms(roomNids: readonly number[], from: number | null, to: number): ReceiptRow[];
  maxPosition(): number;
}

export function createReceiptRepo(db: Db): ReceiptRepo {
  const s = db.sqlite;
  const COLS = "room_nid, user_id, receipt_type, thread_id, event_id, event_stream, ts, stream_pos";
  const q = {
    max: s.query<{ pos: number }, []>("SELECT coalesce(max(stream_pos), 0) AS pos FROM receipts"),
    upsert: s.query(
      `INSERT INTO receipts (${COLS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room_nid, user_id, receipt_type, thread_id) DO UPDATE SET event_id = excluded.event_id,
         event_stream = excluded.event_stream, ts = excluded.ts, stream_pos = excluded.stream_pos`,
    ),
    select: s.query<Sql, [number, string, string, string]>(
      `SELECT ${COLS} FROM receipts WHERE room_nid = ? AND user_id = ? AND receipt_type = ? AND thread_id = ?`,
    ),
    ofUser: s.query<Sql, [number, string]>(`SELECT ${COLS} FROM receipts WHERE room_nid = ? AND user_id = ?`),
    inRooms: s.query<Sql, [string, number, number]>(
      `SELECT ${COLS} FROM receipts WHERE room_nid IN (SELECT value FROM json_each(?))
         AND stream_pos > ? AND stream_pos <= ? ORDER BY stream_pos`,
    ),
  };
  return {
    upsert(r) {
      // max()+1 inside one synchronous transaction: positions are unique and only grow.
      return db.tx(() => {
        const pos = (q.max.get()?.pos ?? 0) + 1;
        q.upsert.run(r.roomNid, r.userId, r.receiptType, r.threadId, r.eventId, r.eventStream, r.ts, pos);
        return pos;
      });
    },
    select(roomNid, userId, type, threadId) {
      const r = q.select.get(roomNid, userId, type, threadId);
      return r ? toRow(r) : null;
    },
    ofUserInRoom: (userId, roomNid) => q.ofUser.all(roomNid, userId).map(toRow),
    inRooms(roomNids, from, to) {
      if (roomNids.length === 0) return [];
      return q.inRooms.all(JSON.stringify(roomNids), from ?? -1, to).map(toRow);
    },
    maxPosition: () => q.max.get()?.pos ?? 0,
  };
}
