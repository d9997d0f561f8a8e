import type { Db } from "../db";

export interface UiaSessionRecord {
  sessionId: string;
  operation: string;
  userId: string | null;
  completed: string[];
  registrationToken: string | null;
  createdAt: number;
}

interface Row {
  session_id: string;
  operation: string;
  user_id: string | null;
  completed: string;
  registration_token: string | null;
  created_at: number;
}

export interface UiaSessionRepo {
  insert(row: { sessionId: string; operation: string; userId: string | null; createdAt: number }): void;
  /** Only sessions created at or after `since` (older ones have expired). */
  select(sessionId: string, since: number): UiaSessionRecord | null;
  updateCompleted(sessionId: string, completed: string[]): void;
  setRegistrationToken(sessionId: string, token: string): void;
  delete(sessionId: string): void;
  deleteCreatedBefore(before: number): void;
}

export function createUiaSessionRepo(db: Db): UiaSessionRepo {
  const q = db.sqlite;
  const insert = q.query("INSERT INTO uia_sessions (session_id, operation, user_id, created_at) VALUES (?, ?, ?, ?)");
  const select = q.query<Row, [string, number]>(
    "SELECT session_id, operation, user_id, completed, registration_token, created_at FROM uia_sessions WHERE session_id = ? AND created_at >= ?",
  );
  const setCompleted = q.query("UPDATE uia_sessions SET completed = ? WHERE session_id = ?");
  const setToken = q.query("UPDATE uia_sessions SET registration_token = ? WHERE session_id = ?");
  const del = q.query("DELETE FROM uia_sessions WHERE session_id = ?");
  const delOld = q.query("DELETE FROM uia_sessions WHERE created_at < ?");
  return {
    insert(r) {
      insert.run(r.sessionId, r.operation, r.userId, r.createdAt);
    },
    select(sessionId, since) {
      const r = select.get(sessionId, since);
      if (!r) return null;
      return {
        sessionId: r.session_id,
        operation: r.operation,
        userId: r.user_id,
        completed: JSON.parse(r.completed) as string[],
        registrationToken: r.registration_token,
        createdAt: r.created_at,
      };
    },
    updateCompleted(sessionId, completed) {
      setCompleted.run(JSON.stringify(completed), sessionId);
    },
    setRegistrationToken(sessionId, token) {
      setToken.run(token, sessionId);
    },
    delete(sessionId) {
      del.run(sessionId);
    },
    deleteCreatedBefore(before) {
      delOld.run(before);
    },
  };
}
