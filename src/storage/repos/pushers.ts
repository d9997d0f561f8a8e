/** Pushers (where to deliver push notifications) and their delivery progress. */
import type { Db } from "../db";

export interface PusherRow {
  pusherId: number;
  userId: string;
  deviceId: string | null;
  kind: string;
  appId: string;
  pushkey: string;
  appDisplayName: string;
  deviceDisplayName: string;
  profileTag: string | null;
  lang: string;
  data: Record<string, unknown>;
  createdAt: number;
  lastStreamOrdering: number;
  failures: number;
  retryAt: number;
}

export type NewPusher = Omit<PusherRow, "pusherId" | "lastStreamOrdering" | "failures" | "retryAt">;

interface Sql {
  pusher_id: number;
  user_id: string;
  device_id: string | null;
  kind: string;
  app_id: string;
  pushkey: string;
  app_display_name: string;
  device_display_name: string;
  profile_tag: string | null;
  lang: string;
  data: string;
  created_at: number;
  last_stream_ordering: number;
  failures: number;
  retry_at: number;
}

const toRow = (r: Sql): PusherRow => ({
  pusherId: r.pusher_id,
  userId: r.user_id,
  deviceId: r.device_id,
  kind: r.kind,
  appId: r.app_id,
  pushkey: r.pushkey,
  appDisplayName: r.app_display_name,
  deviceDisplayName: r.device_display_name,
  profileTag: r.profile_tag,
  lang: r.lang,
  data: JSON.parse(r.data) as Record<string, unknown>,
  createdAt: r.created_at,
  lastStreamOrdering: r.last_stream_ordering,
  failures: r.failures,
  retryAt: r.retry_at,
});

export interface PusherRepo {
  /** Creates or updates the pusher (user, app_id, pushkey); new ones start after `startAfter`. */
  upsert(p: NewPusher, startAfter: number): void;
  delete(userId: string, appId: string, pushkey: string): boolean;
  /** Removes pushers with this app_id and pushkey that belong to other users; returns those users. */
  deleteForOtherUsers(appId: string, pushkey: string, userId: string): string[];
  deleteById(pusherId: number): void;
  deleteForDevice(userId: string, deviceId: string): void;
  deleteForUser(userId: string): void;
  ofUser(userId: string): PusherRow[];
  all(): PusherRow[];
  byId(pusherId: number): PusherRow | null;
  setProgress(pusherId: number, lastStreamOrdering: number): void;
  setFailure(pusherId: number, failures: number, retryAt: number): void;
}

export function createPusherRepo(db: Db): PusherRepo {
  const s = db.sqlite;
  const COLS =
    "pusher_id, user_id, device_id, kind, app_id, pushkey, app_display_name, device_display_name, profile_tag, lang, data, created_at, last_stream_ordering, failures, retry_at";
  const q = {
    upsert: s.query(
      `INSERT INTO pushers (user_id, device_id, kind, app_id, pushkey, app_display_name, device_display_name, profile_tag, lang, data, created_at, last_stream_ordering)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, app_id, pushkey) DO UPDATE SET device_id = excluded.device_id, kind = excluded.kind,
         app_display_name = excluded.app_display_name, device_display_name = excluded.device_display_name,
         profile_tag = excluded.profile_tag, lang = excluded.lang, data = excluded.data, failures = 0, retry_at = 0`,
    ),
    delete: s.query("DELETE FROM pushers WHERE user_id = ? AND app_id = ? AND pushkey = ?"),
    deleteOthers: s.query<{ user_id: string }, [string, string, string]>(
      "DELETE FROM pushers WHERE app_id = ? AND pushkey = ? AND user_id != ? RETURNING user_id",
    ),
    deleteById: s.query("DELETE FROM pushers WHERE pusher_id = ?"),
    deleteDevice: s.query("DELETE FROM pushers WHERE user_id = ? AND device_id = ?"),
    deleteUser: s.query("DELETE FROM pushers WHERE user_id = ?"),
    ofUser: s.query<Sql, [string]>(`SELECT ${COLS} FROM pushers WHERE user_id = ? ORDER BY pusher_id`),
    all: s.query<Sql, []>(`SELECT ${COLS} FROM pushers ORDER BY pusher_id`),
    byId: s.query<Sql, [number]>(`SELECT ${COLS} FROM pushers WHERE pusher_id = ?`),
    progress: s.query("UPDATE pushers SET last_stream_ordering = ?, failures = 0, retry_at = 0 WHERE pusher_id = ?"),
    failure: s.query("UPDATE pushers SET failures = ?, retry_at = ? WHERE pusher_id = ?"),
  };
  return {
    upsert(p, startAfter) {
      q.upsert.run(
        p.userId,
        p.deviceId,
        p.kind,
        p.appId,
        p.pushkey,
        p.appDisplayName,
        p.deviceDisplayName,
        p.profileTag,
        p.lang,
        JSON.stringify(p.data),
        p.createdAt,
        startAfter,
      );
    },
    delete: (u, a, k) => q.delete.run(u, a, k).changes > 0,
    deleteForOtherUsers: (a, k, u) => q.deleteOthers.all(a, k, u).map((r) => r.user_id),
    deleteById: (id) => {
      q.deleteById.run(id);
    },
    deleteForDevice: (u, d) => {
      q.deleteDevice.run(u, d);
    },
    deleteForUser: (u) => {
      q.deleteUser.run(u);
    },
    ofUser: (u) => q.ofUser.all(u).map(toRow),
    all: () => q.all.all().map(toRow),
    byId: (id) => {
      const r = q.byId.get(id);
      return r ? toRow(r) : null;
    },
    setProgress: (id, pos) => {
      q.progress.run(pos, id);
    },
    setFailure: (id, n, at) => {
      q.failure.run(n, at, id);
    },
  };
}
