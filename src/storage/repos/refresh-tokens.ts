import type { Db } from "../db";

export interface RefreshTokenRecord {
  id: number;
  userId: string;
  deviceId: string;
  createdAt: number;
  /** The token issued when this one was last used, while that one has not been used yet. */
  nextTokenId: number | null;
}

export interface RefreshTokenRepo {
  insert(row: { tokenHash: Uint8Array; userId: string; deviceId: string; createdAt: number }): number;
  selectByHash(tokenHash: Uint8Array): RefreshTokenRecord | null;
  /** Deletes a refresh token; access tokens issued with it go too (foreign key cascade). */
  delete(id: number): boolean;
  deleteByDevice(userId: string, deviceId: string): void;
  setNext(id: number, nextId: number): void;
  /** Deletes the token whose successor is `id` (its successor has now been used); true if there was one. */
  deletePredecessor(id: number): boolean;
}

export function createRefreshTokenRepo(db: Db): RefreshTokenRepo {
  const q = db.sqlite;
  const insert = q.query<{ id: number }, [Uint8Array, string, string, number]>(
    "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
  );
  const select = q.query<
    { id: number; user_id: string; device_id: string; created_at: number; next_token_id: number | null },
    [Uint8Array]
  >("SELECT id, user_id, device_id, created_at, next_token_id FROM refresh_tokens WHERE token_hash = ?");
  const setNext = q.query("UPDATE refresh_tokens SET next_token_id = ? WHERE id = ?");
  const delPred = q.query("DELETE FROM refresh_tokens WHERE next_token_id = ?");
  const del = q.query("DELETE FROM refresh_tokens WHERE id = ?");
  const delDevice = q.query("DELETE FROM refresh_tokens WHERE user_id = ? AND device_id = ?");
  return {
    insert(r) {
      const row = insert.get(r.tokenHash, r.userId, r.deviceId, r.createdAt);
      if (!row) throw new Error("refresh token insert returned no id");
      return row.id;
    },
    selectByHash(h) {
      const r = select.get(h);
      return r
        ? { id: r.id, userId: r.user_id, deviceId: r.device_id, createdAt: r.created_at, nextTokenId: r.next_token_id }
        : null;
    },
    delete: (id) => del.run(id).changes === 1,
    deleteByDevice(userId, deviceId) {
      delDevice.run(userId, deviceId);
    },
    setNext(id, nextId) {
      setNext.run(nextId, id);
    },
    deletePredecessor: (id) => delPred.run(id).changes > 0,
  };
}
