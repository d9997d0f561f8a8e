/**
 * What GET /admin/whois reads: each device's last request (time, address, and since migration 0012
 * the User-Agent, kept in the devices table next to the address).
 */
import type { Db } from "../db";

export interface DeviceSeen {
  deviceId: string;
  lastSeenTs: number | null;
  lastSeenIp: string | null;
  lastSeenUserAgent: string | null;
}

export interface WhoisRepo {
  /** Records the User-Agent of the device's latest request (next to last_seen_ts / last_seen_ip). */
  setUserAgent(userId: string, deviceId: string, userAgent: string): void;
  /** Every device of the user, by device ID. */
  devicesOf(userId: string): DeviceSeen[];
  /** True when the user exists (deactivated users too). */
  userExists(userId: string): boolean;
}

export function createWhoisRepo(db: Db): WhoisRepo {
  const s = db.sqlite;
  const q = {
    setUa: s.query<unknown, [string, string, string]>(
      "UPDATE devices SET last_seen_user_agent = ? WHERE user_id = ? AND device_id = ?",
    ),
    devices: s.query<
      {
        device_id: string;
        last_seen_ts: number | null;
        last_seen_ip: string | null;
        last_seen_user_agent: string | null;
      },
      [string]
    >(
      "SELECT device_id, last_seen_ts, last_seen_ip, last_seen_user_agent FROM devices WHERE user_id = ? ORDER BY device_id",
    ),
    user: s.query<{ one: number }, [string]>("SELECT 1 AS one FROM users WHERE user_id = ?"),
  };
  return {
    setUserAgent(userId, deviceId, userAgent) {
      q.setUa.run(userAgent, userId, deviceId);
    },
    devicesOf: (userId) =>
      q.devices.all(userId).map((r) => ({
        deviceId: r.device_id,
        lastSeenTs: r.last_seen_ts,
        lastSeenIp: r.last_seen_ip,
        lastSeenUserAgent: r.last_seen_user_agent,
      })),
    userExists: (userId) => q.user.get(userId) !== null,
  };
}
