/** Server-side key backups: versions (per user, counting up) and the encrypted session keys in them. */
import type { Db } from "../db";

export interface BackupVersionRow {
  userId: string;
  version: number;
  algorithm: string;
  /** `auth_data` as JSON text. */
  authData: string;
  etag: number;
  deleted: boolean;
}

export interface BackupSessionRow {
  roomId: string;
  sessionId: string;
  firstMessageIndex: number;
  forwardedCount: number;
  isVerified: boolean;
  /** `session_data` as JSON text. */
  sessionData: string;
}

export interface KeyBackupRepo {
  /** The latest version that is not deleted. */
  selectCurrent(userId: string): BackupVersionRow | null;
  /** A version, deleted or not. */
  selectVersion(userId: string, version: number): BackupVersionRow | null;
  /** Inserts the next version number (one past the highest ever used) and returns it. */
  insertVersion(userId: string, algorithm: string, authData: string, at: number): number;
  updateAuthData(userId: string, version: number, authData: string): void;
  /** Marks a version deleted and deletes its keys. */
  markDeleted(userId: string, version: number): void;
  deleteAllForUser(userId: string): void;
  bumpEtag(userId: string, version: number): void;

  count(userId: string, version: number): number;
  selectSession(userId: string, version: number, roomId: string, sessionId: string): BackupSessionRow | null;
  selectRoom(userId: string, version: number, roomId: string): BackupSessionRow[];
  selectAll(userId: string, version: number): BackupSessionRow[];
  upsertSession(userId: string, version: number, row: BackupSessionRow): void;
  deleteSession(userId: string, version: number, roomId: string, sessionId: string): number;
  deleteRoom(userId: string, version: number, roomId: string): number;
  deleteAll(userId: string, version: number): number;
}

interface VersionSql {
  user_id: string;
  version: number;
  algorithm: string;
  auth_data: string;
  etag: number;
  deleted: number;
}
interface SessionSql {
  room_id: string;
  session_id: string;
  first_message_index: number;
  forwarded_count: number;
  is_verified: number;
  session_data: string;
}

const toVersion = (r: VersionSql): BackupVersionRow => ({
  userId: r.user_id,
  version: r.version,
  algorithm: r.algorithm,
  authData: r.auth_data,
  etag: r.etag,
  deleted: r.deleted === 1,
});
const toSession = (r: SessionSql): BackupSessionRow => ({
  roomId: r.room_id,
  sessionId: r.session_id,
  firstMessageIndex: r.first_message_index,
  forwardedCount: r.forwarded_count,
  isVerified: r.is_verified === 1,
  sessionData: r.session_data,
});

export function createKeyBackupRepo(db: Db): KeyBackupRepo {
  const s = db.sqlite;
  const VCOLS = "user_id, version, algorithm, auth_data, etag, deleted";
  const SCOLS = "room_id, session_id, first_message_index, forwarded_count, is_verified, session_data";
  const q = {
    current: s.query<VersionSql, [string]>(
      `SELECT ${VCOLS} FROM key_backup_versions WHERE user_id = ? AND deleted = 0 ORDER BY version DESC LIMIT 1`,
    ),
    version: s.query<VersionSql, [string, number]>(
      `SELECT ${VCOLS} FROM key_backup_versions WHERE user_id = ? AND version = ?`,
    ),
    insert: s.query<{ version: number }, [string, string, string, string, number]>(
      `INSERT INTO key_backup_versions (user_id, version, algorithm, auth_data, created_at)
       VALUES (?, (SELECT coalesce(max(version), 0) + 1 FROM key_backup_versions WHERE user_id = ?), ?, ?, ?)
       RETURNING version`,
    ),
    updateAuth: s.query("UPDATE key_backup_versions SET auth_data = ? WHERE user_id = ? AND version = ?"),
    markDeleted: s.query("UPDATE key_backup_versions SET deleted = 1 WHERE user_id = ? AND version = ?"),
    deleteUser: s.query("DELETE FROM key_backup_versions WHERE user_id = ?"),
    bump: s.query("UPDATE key_backup_versions SET etag = etag + 1 WHERE user_id = ? AND version = ?"),
    count: s.query<{ n: number }, [string, number]>(
      "SELECT count(*) AS n FROM key_backup_sessions WHERE user_id = ? AND version = ?",
    ),
    session: s.query<SessionSql, [string, number, string, string]>(
      `SELECT ${SCOLS} FROM key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ? AND session_id = ?`,
    ),
    room: s.query<SessionSql, [string, number, string]>(
      `SELECT ${SCOLS} FROM key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ? ORDER BY session_id`,
    ),
    all: s.query<SessionSql, [string, number]>(
      `SELECT ${SCOLS} FROM key_backup_sessions WHERE user_id = ? AND version = ? ORDER BY room_id, session_id`,
    ),
    upsert: s.query(
      `INSERT INTO key_backup_sessions (user_id, version, room_id, session_id, first_message_index, forwarded_count,
         is_verified, session_data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT DO UPDATE SET first_message_index = excluded.first_message_index,
         forwarded_count = excluded.forwarded_count, is_verified = excluded.is_verified,
         session_data = excluded.session_data`,
    ),
    deleteSession: s.query(
      "DELETE FROM key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ? AND session_id = ?",
    ),
    deleteRoom: s.query("DELETE FROM key_backup_sessions WHERE user_id = ? AND version = ? AND room_id = ?"),
    deleteAll: s.query("DELETE FROM key_backup_sessions WHERE user_id = ? AND version = ?"),
  };
  return {
    selectCurrent(userId) {
      const r = q.current.get(userId);
      return r ? toVersion(r) : null;
    },
    selectVersion(userId, version) {
      const r = q.version.get(userId, version);
      return r ? toVersion(r) : null;
    },
    insertVersion: (userId, algorithm, authData, at) => q.insert.get(userId, userId, algorithm, authData, at)!.version,
    updateAuthData(userId, version, authData) {
      q.updateAuth.run(authData, userId, version);
    },
    markDeleted(userId, version) {
      q.deleteAll.run(userId, version);
      q.markDeleted.run(userId, version);
    },
    deleteAllForUser(userId) {
      q.deleteUser.run(userId);
    },
    bumpEtag(userId, version) {
      q.bump.run(userId, version);
    },
    count: (userId, version) => q.count.get(userId, version)!.n,
    selectSession(userId, version, roomId, sessionId) {
      const r = q.session.get(userId, version, roomId, sessionId);
      return r ? toSession(r) : null;
    },
    selectRoom: (userId, version, roomId) => q.room.all(userId, version, roomId).map(toSession),
    selectAll: (userId, version) => q.all.all(userId, version).map(toSession),
    upsertSession(userId, version, r) {
      q.upsert.run(
        userId,
        version,
        r.roomId,
        r.sessionId,
        r.firstMessageIndex,
        r.forwardedCount,
        r.isVerified ? 1 : 0,
        r.sessionData,
      );
    },
    deleteSession: (userId, version, roomId, sessionId) =>
      q.deleteSession.run(userId, version, roomId, sessionId).changes,
    deleteRoom: (userId, version, roomId) => q.deleteRoom.run(userId, version, roomId).changes,
    deleteAll: (userId, version) => q.deleteAll.run(userId, version).changes,
  };
}
