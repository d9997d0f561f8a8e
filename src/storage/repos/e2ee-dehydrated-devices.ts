/** Dehydrated devices (MSC3814): one per user, with the client's opaque `device_data`. */
import type { Db } from "../db";

export interface DehydratedDeviceRow {
  userId: string;
  deviceId: string;
  /** `device_data` as JSON text. */
  deviceData: string;
}

export interface DehydratedDeviceRepo {
  select(userId: string): DehydratedDeviceRow | null;
  /** Records the user's dehydrated device (replacing the record of an earlier one). */
  upsert(row: DehydratedDeviceRow, at: number): void;
}

export function createDehydratedDeviceRepo(db: Db): DehydratedDeviceRepo {
  const s = db.sqlite;
  const q = {
    select: s.query<{ user_id: string; device_id: string; device_data: string }, [string]>(
      "SELECT user_id, device_id, device_data FROM dehydrated_devices WHERE user_id = ?",
    ),
    upsert: s.query(
      `INSERT INTO dehydrated_devices (user_id, device_id, device_data, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET device_id = excluded.device_id, device_data = excluded.device_data,
         created_at = excluded.created_at`,
    ),
  };
  return {
    select(userId) {
      const r = q.select.get(userId);
      return r ? { userId: r.user_id, deviceId: r.device_id, deviceData: r.device_data } : null;
    },
    upsert(r, at) {
      q.upsert.run(r.userId, r.deviceId, r.deviceData, at);
    },
  };
}
