/** Reports of events, rooms and users sent by users for the server's admins. */
import type { Db } from "../db";

export type ReportKind = "event" | "room" | "user";

export interface Report {
  id: number;
  kind: ReportKind;
  receivedTs: number;
  userId: string;
  roomId: string | null;
  eventId: string | null;
  targetUserId: string | null;
  reason: string | null;
  score: number | null;
  eventJson: string | null;
}

export type NewReport = Omit<Report, "id">;

export interface ReportFilter {
  kind: ReportKind;
  /** Reports by users whose ID contains this. */
  userId?: string;
  /** Reports about rooms whose ID contains this. */
  roomId?: string;
  /** Reports about events sent (or users) whose ID contains this. */
  targetUserId?: string;
}

export interface ReportRepo {
  insert(r: NewReport): number;
  get(id: number): Report | null;
  delete(id: number): boolean;
  /** Newest first (`dir` "b", the default) or oldest first ("f"), from an offset. */
  list(
    filter: ReportFilter,
    opts: { from: number; limit: number; dir: "f" | "b" },
  ): { reports: Report[]; total: number };
}

interface Row {
  id: number;
  kind: ReportKind;
  received_ts: number;
  user_id: string;
  room_id: string | null;
  event_id: string | null;
  target_user_id: string | null;
  reason: string | null;
  score: number | null;
  event_json: string | null;
}

const COLS = "id, kind, received_ts, user_id, room_id, event_id, target_user_id, reason, score, event_json";

const toReport = (r: Row): Report => ({
  id: r.id,
  kind: r.kind,
  receivedTs: r.received_ts,
  userId: r.user_id,
  roomId: r.room_id,
  eventId: r.event_id,
  targetUserId: r.target_user_id,
  reason: r.reason,
  score: r.score,
  eventJson: r.event_json,
});

const like = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createReportRepo(db: Db): ReportRepo {
  const s = db.sqlite;
  const q = {
    insert: s.query<{ id: number }, (string | number | null)[]>(
      `INSERT INTO reports (kind, received_ts, user_id, room_id, event_id, target_user_id, reason, score, event_json)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    ),
    get: s.query<Row, [number]>(`SELECT ${COLS} FROM reports WHERE id = ?`),
    delete: s.query("DELETE FROM reports WHERE id = ?"),
  };
  // Optional filters are written as "? IS NULL OR ...", so two statements (per direction) cover every case.
  const WHERE = `kind = ?1 AND (?2 IS NULL OR user_id LIKE ?2 ESCAPE '\\') AND (?3 IS NULL OR room_id LIKE ?3 ESCAPE '\\')
    AND (?4 IS NULL OR target_user_id LIKE ?4 ESCAPE '\\')`;
  const listAsc = s.query<Row, (string | number | null)[]>(
    `SELECT ${COLS} FROM reports WHERE ${WHERE} ORDER BY id ASC LIMIT ?5 OFFSET ?6`,
  );
  const listDesc = s.query<Row, (string | number | null)[]>(
    `SELECT ${COLS} FROM reports WHERE ${WHERE} ORDER BY id DESC LIMIT ?5 OFFSET ?6`,
  );
  const count = s.query<{ n: number }, (string | null)[]>(`SELECT count(*) AS n FROM reports WHERE ${WHERE}`);

  return {
    insert: (r) =>
      q.insert.get(r.kind, r.receivedTs, r.userId, r.roomId, r.eventId, r.targetUserId, r.reason, r.score, r.eventJson)!
        .id,
    get: (id) => {
      const r = q.get.get(id);
      return r ? toReport(r) : null;
    },
    delete: (id) => q.delete.run(id).changes > 0,
    list(filter, { from, limit, dir }) {
      const args = [
        filter.kind,
        filter.userId !== undefined ? like(filter.userId) : null,
        filter.roomId !== undefined ? like(filter.roomId) : null,
        filter.targetUserId !== undefined ? like(filter.targetUserId) : null,
      ];
      const rows = (dir === "f" ? listAsc : listDesc).all(...args, limit, from);
      return { reports: rows.map(toReport), total: count.get(...args)!.n };
    },
  };
}
