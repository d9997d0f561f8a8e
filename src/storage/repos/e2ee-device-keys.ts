/** Device identity keys, one-time keys and fallback keys (POST /keys/upload, /keys/query, /keys/claim). */
import type { Db } from "../db";
import { chunked, IN_LIST } from "./e2ee-chunks";

export interface StoredDeviceKeys {
  userId: string;
  deviceId: string;
  /** The uploaded object as JSON text (without `unsigned`). */
  keyJson: string;
  /** The device's ed25519 public key (unpadded base64). */
  ed25519Key: string;
}

export interface StoredOneTimeKey {
  algorithm: string;
  /** The part after `<algorithm>:` in the uploaded key name. */
  keyId: string;
  keyJson: string;
}

export interface StoredFallbackKey extends StoredOneTimeKey {
  used: boolean;
}

export interface DeviceKeysRepo {
  selectDeviceKeys(userId: string, deviceId: string): StoredDeviceKeys | null;
  /** Every device of the user that has uploaded keys, with the device's display name. */
  selectUserDeviceKeys(userId: string): (StoredDeviceKeys & { displayName: string | null })[];
  /** The same for many users at once (in no particular order). */
  selectUsersDeviceKeys(userIds: readonly string[]): (StoredDeviceKeys & { displayName: string | null })[];
  upsertDeviceKeys(k: StoredDeviceKeys, at: number): void;

  /** The stored JSON of the unclaimed one-time key `<algorithm>:<keyId>`, if any. */
  selectOneTimeKey(userId: string, deviceId: string, algorithm: string, keyId: string): string | null;
  insertOneTimeKey(userId: string, deviceId: string, k: StoredOneTimeKey): void;
  /** Unclaimed one-time keys per algorithm. */
  countOneTimeKeys(userId: string, deviceId: string): Record<string, number>;
  /** Deletes and returns the oldest unclaimed one-time key of the algorithm. */
  claimOneTimeKey(userId: string, deviceId: string, algorithm: string): StoredOneTimeKey | null;

  selectFallbackKey(userId: string, deviceId: string, algorithm: string): StoredFallbackKey | null;
  /** Replaces the device's fallback key for the algorithm (unused). */
  upsertFallbackKey(userId: string, deviceId: string, k: StoredOneTimeKey): void;
  /** Marks the fallback key used and returns it. */
  useFallbackKey(userId: string, deviceId: string, algorithm: string): StoredFallbackKey | null;
  unusedFallbackAlgorithms(userId: string, deviceId: string): string[];
}

interface DeviceKeysRow {
  user_id: string;
  device_id: string;
  key_json: string;
  ed25519_key: string;
}
interface KeyRow {
  key_id: string;
  algorithm: string;
  key_json: string;
}

const toDeviceKeys = (r: DeviceKeysRow): StoredDeviceKeys => ({
  userId: r.user_id,
  deviceId: r.device_id,
  keyJson: r.key_json,
  ed25519Key: r.ed25519_key,
});

export function createDeviceKeysRepo(db: Db): DeviceKeysRepo {
  const s = db.sqlite;
  const q = {
    selectKeys: s.query<DeviceKeysRow, [string, string]>(
      "SELECT user_id, device_id, key_json, ed25519_key FROM e2e_device_keys WHERE user_id = ? AND device_id = ?",
    ),
    selectUserKeys: s.query<DeviceKeysRow & { display_name: string | null }, [string]>(
      `SELECT k.user_id, k.device_id, k.key_json, k.ed25519_key, d.display_name
         FROM e2e_device_keys k JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id
        WHERE k.user_id = ? ORDER BY k.device_id`,
    ),
    selectUsersKeys: s.query<DeviceKeysRow & { display_name: string | null }, string[]>(
      `SELECT k.user_id, k.device_id, k.key_json, k.ed25519_key, d.display_name
         FROM e2e_device_keys k JOIN devices d ON d.user_id = k.user_id AND d.device_id = k.device_id
        WHERE k.user_id IN (${IN_LIST})`,
    ),
    upsertKeys: s.query(
      `INSERT INTO e2e_device_keys (user_id, device_id, key_json, ed25519_key, uploaded_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (user_id, device_id) DO UPDATE SET key_json = excluded.key_json,
         ed25519_key = excluded.ed25519_key, uploaded_at = excluded.uploaded_at`,
    ),
    selectOtk: s.query<{ key_json: string }, [string, string, string, string]>(
      "SELECT key_json FROM e2e_one_time_keys WHERE user_id = ? AND device_id = ? AND algorithm = ? AND key_id = ?",
    ),
    insertOtk: s.query(
      "INSERT INTO e2e_one_time_keys (user_id, device_id, algorithm, key_id, key_json) VALUES (?, ?, ?, ?, ?)",
    ),
    countOtks: s.query<{ algorithm: string; n: number }, [string, string]>(
      "SELECT algorithm, count(*) AS n FROM e2e_one_time_keys WHERE user_id = ? AND device_id = ? GROUP BY algorithm",
    ),
    claimOtk: s.query<KeyRow, [string, string, string]>(
      `DELETE FROM e2e_one_time_keys WHERE id = (
         SELECT id FROM e2e_one_time_keys WHERE user_id = ? AND device_id = ? AND algorithm = ? ORDER BY id LIMIT 1
       ) RETURNING key_id, algorithm, key_json`,
    ),
    selectFallback: s.query<KeyRow & { used: number }, [string, string, string]>(
      "SELECT key_id, algorithm, key_json, used FROM e2e_fallback_keys WHERE user_id = ? AND device_id = ? AND algorithm = ?",
    ),
    upsertFallback: s.query(
      `INSERT INTO e2e_fallback_keys (user_id, device_id, algorithm, key_id, key_json, used) VALUES (?, ?, ?, ?, ?, 0)
       ON CONFLICT (user_id, device_id, algorithm) DO UPDATE SET key_id = excluded.key_id,
         key_json = excluded.key_json, used = 0`,
    ),
    useFallback: s.query<KeyRow & { used: number }, [string, string, string]>(
      `UPDATE e2e_fallback_keys SET used = 1 WHERE user_id = ? AND device_id = ? AND algorithm = ?
       RETURNING key_id, algorithm, key_json, used`,
    ),
    unusedFallback: s.query<{ algorithm: string }, [string, string]>(
      "SELECT algorithm FROM e2e_fallback_keys WHERE user_id = ? AND device_id = ? AND used = 0 ORDER BY algorithm",
    ),
  };
  const toFallback = (r: KeyRow & { used: number }): StoredFallbackKey => ({
    keyId: r.key_id,
    algorithm: r.algorithm,
    keyJson: r.key_json,
    used: r.used === 1,
  });

  return {
    selectDeviceKeys(userId, deviceId) {
      const r = q.selectKeys.get(userId, deviceId);
      return r ? toDeviceKeys(r) : null;
    },
    selectUserDeviceKeys: (userId) =>
      q.selectUserKeys.all(userId).map((r) => ({ ...toDeviceKeys(r), displayName: r.display_name })),
    selectUsersDeviceKeys: (userIds) =>
      chunked(userIds, (c) => q.selectUsersKeys.all(...c)).map((r) => ({
        ...toDeviceKeys(r),
        displayName: r.display_name,
      })),
    upsertDeviceKeys(k, at) {
      q.upsertKeys.run(k.userId, k.deviceId, k.keyJson, k.ed25519Key, at);
    },
    selectOneTimeKey: (userId, deviceId, algorithm, keyId) =>
      q.selectOtk.get(userId, deviceId, algorithm, keyId)?.key_json ?? null,
    insertOneTimeKey(userId, deviceId, k) {
      q.insertOtk.run(userId, deviceId, k.algorithm, k.keyId, k.keyJson);
    },
    countOneTimeKeys(userId, deviceId) {
      const out: Record<string, number> = {};
      for (const r of q.countOtks.all(userId, deviceId)) out[r.algorithm] = r.n;
      return out;
    },
    claimOneTimeKey(userId, deviceId, algorithm) {
      const r = q.claimOtk.get(userId, deviceId, algorithm);
      return r ? { keyId: r.key_id, algorithm: r.algorithm, keyJson: r.key_json } : null;
    },
    selectFallbackKey(userId, deviceId, algorithm) {
      const r = q.selectFallback.get(userId, deviceId, algorithm);
      return r ? toFallback(r) : null;
    },
    upsertFallbackKey(userId, deviceId, k) {
      q.upsertFallback.run(userId, deviceId, k.algorithm, k.keyId, k.keyJson);
    },
    useFallbackKey(userId, deviceId, algorithm) {
      const r = q.useFallback.get(userId, deviceId, algorithm);
      return r ? toFallback(r) : null;
    },
    unusedFallbackAlgorithms: (userId, deviceId) => q.unusedFallback.all(userId, deviceId).map((r) => r.algorithm),
  };
}
