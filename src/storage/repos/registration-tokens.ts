import type { Db } from "../db";

export interface RegistrationTokenRecord {
  token: string;
  /** null: unlimited. */
  usesAllowed: number | null;
  /** UIA sessions that passed the token stage but have not registered yet (and have not expired). */
  pending: number;
  completed: number;
  /** Milliseconds since the epoch; null: never expires. */
  expiryTime: number | null;
  createdAt: number;
}

interface TokenRow {
  token: string;
  uses_allowed: number | null;
  completed: number;
  expiry_time: number | null;
  created_at: number;
  pending: number;
}

export interface RegistrationTokenRepo {
  insert(row: {
    token: string;
    usesAllowed: number | null;
    expiryTime: number | null;
    createdAt: number;
  }): "ok" | "exists";
  /** `sessionsSince`: UIA sessions created before this time no longer count as pending. */
  select(token: string, sessionsSince: number): RegistrationTokenRecord | null;
  list(sessionsSince: number): RegistrationTokenRecord[];
  update(token: string, changes: { usesAllowed?: number | null; expiryTime?: number | null }): boolean;
  delete(token: string): boolean;
  incrementCompleted(token: string): void;
}

function toRecord(r: TokenRow): RegistrationTokenRecord {
  return {
    token: r.token,
    usesAllowed: r.uses_allowed,
    pending: r.pending,
    completed: r.completed,
    expiryTime: r.expiry_time,
    createdAt: r.created_at,
  };
}

const SELECT = `SELECT t.token, t.uses_allowed, t.completed, t.expiry_time, t.created_at,
  (SELECT count(*) FROM uia_sessions s WHERE s.registration_token = t.token AND s.created_at >= ?1) AS pending
  FROM registration_tokens t`;

export function createRegistrationTokenRepo(db: Db): RegistrationTokenRepo {
  const q = db.sqlite;
  const insert = q.query(
    "INSERT INTO registration_tokens (token, uses_allowed, expiry_time, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const select = q.query<TokenRow, [number, string]>(`${SELECT} WHERE t.token = ?2`);
  const list = q.query<TokenRow, [number]>(`${SELECT} ORDER BY t.created_at, t.token`);
  const setUses = q.query("UPDATE registration_tokens SET uses_allowed = ? WHERE token = ?");
  const setExpiry = q.query("UPDATE registration_tokens SET expiry_time = ? WHERE token = ?");
  const exists = q.query<{ x: number }, [string]>("SELECT 1 AS x FROM registration_tokens WHERE token = ?");
  const del = q.query("DELETE FROM registration_tokens WHERE token = ?");
  const inc = q.query("UPDATE registration_tokens SET completed = completed + 1 WHERE token = ?");
  return {
    insert: (r) => (insert.run(r.token, r.usesAllowed, r.expiryTime, r.createdAt).changes === 1 ? "ok" : "exists"),
    select(token, since) {
      const r = select.get(since, token);
      return r ? toRecord(r) : null;
    },
    list: (since) => list.all(since).map(toRecord),
    update(token, c) {
      return db.tx(() => {
        if (!exists.get(token)) return false;
        if (c.usesAllowed !== undefined) setUses.run(c.usesAllowed, token);
        if (c.expiryTime !== undefined) setExpiry.run(c.expiryTime, token);
        return true;
      });
    },
    delete: (token) => del.run(token).changes === 1,
    incrementCompleted(token) {
      inc.run(token);
    },
  };
}
