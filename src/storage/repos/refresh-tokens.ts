import type { Db } from "../db";

export interface RefreshTokenRecord {
  id: number;
  userId: string;
  deviceId: string;
  createdAt: number;
}

export interface RefreshTokenRepo {
  insert(row: { tokenHash: Uint8Array; userId: string; deviceId: string; createdAt: number }): number;
  selectByHash(tokenHash: Uint8Array): RefreshTokenRecord | null;
  /** Deletes a refresh token; access tokens issued with it go too (foreign key cascade). */
  delete(id: number): boolean;
  deleteByDevice(userId: string, deviceId: string): void;
}

export function createRefreshTokenRepo(db: Db): RefreshTokenRepo {
  const q = db.sqlite;
  const insert = q.query<{ id: number }, [Uint8Array, string, string, number]>(
    "INSERT INTO refresh_tokens (token_hash, user_id, device_id, created_at) VALUES (?, ?, ?, ?) RETURNING id",
  );
  const select = q.query<{ id: number; user_id: string; device_id: string; created_at: number }, [Uint8Array]>(
    "SELECT id, user_id, device_id, created_at FROM refresh_tokens WHERE token_hash = ?",
  );
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
      return r ? { id: r.id, userId: r.user_id, deviceId: r.device_id, createdAt: r.created_at } : null;
    },
    delete: (id) => del.run(id).changes === 1,
    deleteByDevice(userId, deviceId) {
      delDevice.run(userId, deviceId);
    },
  };
}
