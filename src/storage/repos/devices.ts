import type { Db } from "../db";

export interface DeviceRecord {
  userId: string;
  deviceId: string;
  displayName: string | null;
  lastSeenTs: number | null;
  lastSeenIp: string | null;
  createdAt: number;
}

interface DeviceRow {
  user_id: string;
  device_id: string;
  display_name: string | null;
  last_seen_ts: number | null;
  last_seen_ip: string | null;
  created_at: number;
}

export interface DeviceRepo {
  /** Inserts the device unless it exists; "exists" leaves the stored one (and its display name) untouched. */
  insert(row: { userId: string; deviceId: string; displayName: string | null; createdAt: number }): "ok" | "exists";
  select(userId: string, deviceId: string): DeviceRecord | null;
  listByUser(userId: string): DeviceRecord[];
  updateDisplayName(userId: string, deviceId: string, displayName: string | null): boolean;
  updateLastSeen(userId: string, deviceId: string, ip: string, ts: number): void;
  /** Deletes a device; its access and refresh tokens go with it (foreign keys cascade). */
  delete(userId: string, deviceId: string): boolean;
  deleteAllForUser(userId: string): string[];
  deleteAllForUserExcept(userId: string, keepDeviceId: string): string[];
}

function toRecord(r: DeviceRow): DeviceRecord {
  return {
    userId: r.user_id,
    deviceId: r.device_id,
    displayName: r.display_name,
    lastSeenTs: r.last_seen_ts,
    lastSeenIp: r.last_seen_ip,
    createdAt: r.created_at,
  };
}

const COLUMNS = "user_id, device_id, display_name, last_seen_ts, last_seen_ip, created_at";

export function createDeviceRepo(db: Db): DeviceRepo {
  const q = db.sqlite;
  const insert = q.query(
    "INSERT INTO devices (user_id, device_id, display_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
  );
  const select = q.query<DeviceRow, [string, string]>(
    `SELECT ${COLUMNS} FROM devices WHERE user_id = ? AND device_id = ?`,
  );
  const list = q.query<DeviceRow, [string]>(`SELECT ${COLUMNS} FROM devices WHERE user_id = ? ORDER BY device_id`);
  const setName = q.query("UPDATE devices SET display_name = ? WHERE user_id = ? AND device_id = ?");
  const seen = q.query("UPDATE devices SET last_seen_ts = ?, last_seen_ip = ? WHERE user_id = ? AND device_id = ?");
  const del = q.query("DELETE FROM devices WHERE user_id = ? AND device_id = ?");
  const delAll = q.query<{ device_id: string }, [string]>("DELETE FROM devices WHERE user_id = ? RETURNING device_id");
  const delExcept = q.query<{ device_id: string }, [string, string]>(
    "DELETE FROM devices WHERE user_id = ? AND device_id != ? RETURNING device_id",
  );
  return {
    insert: (r) => (insert.run(r.userId, r.deviceId, r.displayName, r.createdAt).changes === 1 ? "ok" : "exists"),
    select(userId, deviceId) {
      const r = select.get(userId, deviceId);
      return r ? toRecord(r) : null;
    },
    listByUser: (userId) => list.all(userId).map(toRecord),
    updateDisplayName: (userId, deviceId, name) => setName.run(name, userId, deviceId).changes === 1,
    updateLastSeen(userId, deviceId, ip, ts) {
      seen.run(ts, ip, userId, deviceId);
    },
    delete: (userId, deviceId) => del.run(userId, deviceId).changes === 1,
    deleteAllForUser: (userId) => delAll.all(userId).map((r) => r.device_id),
    deleteAllForUserExcept: (userId, keep) => delExcept.all(userId, keep).map((r) => r.device_id),
  };
}
