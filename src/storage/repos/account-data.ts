import type { Db } from "../db";

export interface AccountDataChange {
  /** null for global account data. */
  roomId: string | null;
  type: string;
  /** The content as stored (JSON text). */
  contentJson: string;
  streamPos: number;
}

export interface AccountDataRepo {
  /** Inserts or replaces; returns the new stream position (room_id "" is global). */
  upsert(userId: string, roomId: string, type: string, contentJson: string): number;
  select(userId: string, roomId: string, type: string): string | null;
  changesSince(userId: string, since: number): AccountDataChange[];
  maxPosition(): number;
}

export function createAccountDataRepo(db: Db): AccountDataRepo {
  const q = db.sqlite;
  const max = q.query<{ pos: number }, []>("SELECT coalesce(max(stream_pos), 0) AS pos FROM account_data");
  const upsert = q.query(
    `INSERT INTO account_data (user_id, room_id, type, content, stream_pos) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (user_id, room_id, type) DO UPDATE SET content = excluded.content, stream_pos = excluded.stream_pos`,
  );
  const select = q.query<{ content: string }, [string, string, string]>(
    "SELECT content FROM account_data WHERE user_id = ? AND room_id = ? AND type = ?",
  );
  const since = q.query<{ room_id: string; type: string; content: string; stream_pos: number }, [string, number]>(
    "SELECT room_id, type, content, stream_pos FROM account_data WHERE user_id = ? AND stream_pos > ? ORDER BY stream_pos",
  );
  return {
    upsert(userId, roomId, type, contentJson) {
      // The row with the highest position is only ever replaced by a higher one, so max()+1 is
      // monotonic; the synchronous transaction makes it race-free.
      return db.tx(() => {
        const pos = (max.get()?.pos ?? 0) + 1;
        upsert.run(userId, roomId, type, contentJson, pos);
        return pos;
      });
    },
    select: (userId, roomId, type) => select.get(userId, roomId, type)?.content ?? null,
    changesSince: (userId, s) =>
      since.all(userId, s).map((r) => ({
        roomId: r.room_id === "" ? null : r.room_id,
        type: r.type,
        contentJson: r.content,
        streamPos: r.stream_pos,
      })),
    maxPosition: () => max.get()?.pos ?? 0,
  };
}
