import type { Db } from "../db";

export interface TokenOwner {
  userId: string;
  deviceId: string;
  expiresAt: number | null;
  refreshTokenId: number | null;
  /** The refresh token this access token came with replaced one that is still kept (see refresh_tokens). */
  refreshHasPredecessor: boolean;
  isGuest: boolean;
  isAdmin: boolean;
  deactivated: boolean;
}

interface OwnerRow {
  user_id: string;
  device_id: string;
  expires_at: number | null;
  refresh_token_id: number | null;
  refresh_pred: number;
  is_guest: number;
  is_admin: number;
  deactivated: number;
}

export interface AccessTokenRepo {
  insert(row: {
    tokenHash: Uint8Array;
    userId: string;
    deviceId: string;
    createdAt: number;
    expiresAt: number | null;
    refreshTokenId: number | null;
  }): void;
  selectOwner(tokenHash: Uint8Array): TokenOwner | null;
  deleteByHash(tokenHash: Uint8Array): void;
  deleteByDevice(userId: string, deviceId: string): void;
  deleteByUser(userId: string): void;
  deleteByRefreshToken(refreshTokenId: number): void;
}

export function createAccessTokenRepo(db: Db): AccessTokenRepo {
  const insert = db.sqlite.query(
    "INSERT INTO access_tokens (token_hash, user_id, device_id, created_at, expires_at, refresh_token_id) VALUES (?, ?, ?, ?, ?, ?)",
  );
  const owner = db.sqlite.query<OwnerRow, [Uint8Array]>(
    `SELECT t.user_id, t.device_id, t.expires_at, t.refresh_token_id, u.is_guest, u.is_admin, u.deactivated,
            (t.refresh_token_id IS NOT NULL
             AND EXISTS (SELECT 1 FROM refresh_tokens p WHERE p.next_token_id = t.refresh_token_id)) AS refresh_pred
       FROM access_tokens t JOIN users u ON u.user_id = t.user_id WHERE t.token_hash = ?`,
  );
  const delHash = db.sqlite.query("DELETE FROM access_tokens WHERE token_hash = ?");
  const delDevice = db.sqlite.query("DELETE FROM access_tokens WHERE user_id = ? AND device_id = ?");
  const delUser = db.sqlite.query("DELETE FROM access_tokens WHERE user_id = ?");
  const delRefresh = db.sqlite.query("DELETE FROM access_tokens WHERE refresh_token_id = ?");
  return {
    insert: (r) => {
      insert.run(r.tokenHash, r.userId, r.deviceId, r.createdAt, r.expiresAt, r.refreshTokenId);
    },
    selectOwner(tokenHash) {
      const r = owner.get(tokenHash);
      if (!r) return null;
      return {
        userId: r.user_id,
        deviceId: r.device_id,
        expiresAt: r.expires_at,
        refreshTokenId: r.refresh_token_id,
        refreshHasPredecessor: r.refresh_pred === 1,
        isGuest: r.is_guest === 1,
        isAdmin: r.is_admin === 1,
        deactivated: r.deactivated === 1,
      };
    },
    deleteByHash: (h) => {
      delHash.run(h);
    },
    deleteByDevice: (u, d) => {
      delDevice.run(u, d);
    },
    deleteByUser: (u) => {
      delUser.run(u);
    },
    deleteByRefreshToken: (id) => {
      delRefresh.run(id);
    },
  };
}
