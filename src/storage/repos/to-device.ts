/** Send-to-device inboxes (one per device, ordered by to_device stream position) and transaction IDs. */
import type { Db } from "../db";

export interface ToDeviceRow {
  pos: number;
  sender: string;
  type: string;
  /** The message content as JSON text. */
  content: string;
}

export interface ToDeviceRepo {
  insert(m: { pos: number; userId: string; deviceId: string; sender: string; type: string; content: string }): void;
  /** Messages after `sincePos`, oldest first, at most `limit`. */
  selectAfter(userId: string, deviceId: string, sincePos: number, limit: number): ToDeviceRow[];
  /** Deletes the messages at or before `upToPos`; returns how many. */
  deleteUpTo(userId: string, deviceId: string, upToPos: number): number;
  count(userId: string, deviceId: string): number;
  /** Deletes the `n` oldest messages of the device; returns the positions deleted. */
  deleteOldest(userId: string, deviceId: string, n: number): number[];

  /** Records a transaction ID; "exists" when this device already used it. */
  insertTxn(userId: string, deviceId: string, txnId: string, at: number): "ok" | "exists";
  deleteTxnsBefore(ts: number): number;
}

export function createToDeviceRepo(db: Db): ToDeviceRepo {
  const s = db.sqlite;
  const q = {
    insert: s.query(
      "INSERT INTO to_device_inbox (stream_pos, user_id, device_id, sender, type, content) VALUES (?, ?, ?, ?, ?, ?)",
    ),
    after: s.query<
      { stream_pos: number; sender: string; type: string; content: string },
      [string, string, number, number]
    >(
      `SELECT stream_pos, sender, type, content FROM to_device_inbox
        WHERE user_id = ? AND device_id = ? AND stream_pos > ? ORDER BY stream_pos LIMIT ?`,
    ),
    deleteUpTo: s.query("DELETE FROM to_device_inbox WHERE user_id = ? AND device_id = ? AND stream_pos <= ?"),
    count: s.query<{ n: number }, [string, string]>(
      "SELECT count(*) AS n FROM to_device_inbox WHERE user_id = ? AND device_id = ?",
    ),
    deleteOldest: s.query<{ stream_pos: number }, [string, string, string, string, number]>(
      `DELETE FROM to_device_inbox WHERE user_id = ? AND device_id = ? AND stream_pos IN (
         SELECT stream_pos FROM to_device_inbox WHERE user_id = ? AND device_id = ? ORDER BY stream_pos LIMIT ?
       ) RETURNING stream_pos`,
    ),
    insertTxn: s.query(
      "INSERT INTO to_device_txns (user_id, device_id, txn_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    ),
    deleteTxns: s.query("DELETE FROM to_device_txns WHERE created_at < ?"),
  };
  return {
    insert(m) {
      q.insert.run(m.pos, m.userId, m.deviceId, m.sender, m.type, m.content);
    },
    selectAfter: (userId, deviceId, sincePos, limit) =>
      q.after.all(userId, deviceId, sincePos, limit).map((r) => ({
        pos: r.stream_pos,
        sender: r.sender,
        type: r.type,
        content: r.content,
      })),
    deleteUpTo: (userId, deviceId, upToPos) => q.deleteUpTo.run(userId, deviceId, upToPos).changes,
    count: (userId, deviceId) => q.count.get(userId, deviceId)!.n,
    deleteOldest: (userId, deviceId, n) =>
      q.deleteOldest
        .all(userId, deviceId, userId, deviceId, n)
        .map((r) => r.stream_pos)
        .sort((a, b) => a - b),
    insertTxn: (userId, deviceId, txnId, at) =>
      q.insertTxn.run(userId, deviceId, txnId, at).changes === 1 ? "ok" : "exists",
    deleteTxnsBefore: (ts) => q.deleteTxns.run(ts).changes,
  };
}
