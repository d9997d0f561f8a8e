/**
 * Server-side key backups (client-server API, "Server-side key backups"). Versions count up per
 * user ("1", "2", ...); keys can only be written to the current (latest, not deleted) version. The
 * `etag` changes whenever the keys of a version change; `count` is the number of keys in it.
 */
import { MatrixError } from "../../core/errors";
import type { Db } from "../../storage/db";
import type { BackupSessionRow, BackupVersionRow, KeyBackupRepo } from "../../storage/repos/key-backup";
import type { Clock } from "../../util/clock";
import type { JsonObject } from "./key-objects";

export interface KeyBackupData {
  first_message_index: number;
  forwarded_count: number;
  is_verified: boolean;
  session_data: JsonObject;
}

export interface BackupVersionInfo {
  algorithm: string;
  auth_data: JsonObject;
  count: number;
  etag: string;
  version: string;
}

export interface RoomKeysUpdate {
  etag: string;
  count: number;
}

/** Keys to store or read: room ID → session ID → key data. */
export type RoomKeys = Record<string, Record<string, KeyBackupData>>;

export interface KeyBackupService {
  createVersion(userId: string, algorithm: string, authData: JsonObject): { version: string };
  /** The current version (`version` undefined) or a given one; 404 M_NOT_FOUND when there is none. */
  getVersion(userId: string, version?: string): BackupVersionInfo;
  updateVersion(
    userId: string,
    version: string,
    req: { algorithm: string; auth_data: JsonObject; version?: string | undefined },
  ): void;
  /** Deletes a version and its keys; deleting it again succeeds. */
  deleteVersion(userId: string, version: string): void;
  putKeys(userId: string, version: string, keys: RoomKeys): RoomKeysUpdate;
  getSession(userId: string, version: string, roomId: string, sessionId: string): KeyBackupData;
  getRoom(userId: string, version: string, roomId: string): { sessions: Record<string, KeyBackupData> };
  getAll(userId: string, version: string): { rooms: Record<string, { sessions: Record<string, KeyBackupData> }> };
  /** Deletes one session (both IDs), a room (roomId), or every key (neither). */
  deleteKeys(userId: string, version: string, roomId?: string, sessionId?: string): RoomKeysUpdate;
}

export interface KeyBackupDeps {
  db: Db;
  repo: KeyBackupRepo;
  clock: Clock;
}

const VERSION = /^[1-9][0-9]{0,14}$/;

const unknownVersion = () => MatrixError.notFound("Unknown backup version");

/**
 * The spec's rule for two copies of one session key: the verified one wins; then the one that can
 * decrypt from an earlier message; then the one forwarded fewer times. Ties keep the stored copy.
 */
export function shouldReplace(stored: BackupSessionRow, next: KeyBackupData): boolean {
  if (stored.isVerified !== next.is_verified) return next.is_verified;
  if (stored.firstMessageIndex !== next.first_message_index) return next.first_message_index < stored.firstMessageIndex;
  return next.forwarded_count < stored.forwardedCount;
}

const toData = (r: BackupSessionRow): KeyBackupData => ({
  first_message_index: r.firstMessageIndex,
  forwarded_count: r.forwardedCount,
  is_verified: r.isVerified,
  session_data: JSON.parse(r.sessionData) as JsonObject,
});

export function createKeyBackupService(deps: KeyBackupDeps): KeyBackupService {
  const { db, repo } = deps;

  /** An existing, not deleted version; 404 otherwise. */
  const existing = (userId: string, version: string): BackupVersionRow => {
    if (!VERSION.test(version)) throw unknownVersion();
    const row = repo.selectVersion(userId, Number(version));
    if (!row || row.deleted) throw unknownVersion();
    return row;
  };
  const update = (userId: string, v: number): RoomKeysUpdate => ({
    etag: String(repo.selectVersion(userId, v)?.etag ?? 0),
    count: repo.count(userId, v),
  });
  const info = (row: BackupVersionRow): BackupVersionInfo => ({
    algorithm: row.algorithm,
    auth_data: JSON.parse(row.authData) as JsonObject,
    count: repo.count(row.userId, row.version),
    etag: String(row.etag),
    version: String(row.version),
  });

  return {
    createVersion(userId, algorithm, authData) {
      const v = repo.insertVersion(userId, algorithm, JSON.stringify(authData), deps.clock.now());
      return { version: String(v) };
    },

    getVersion(userId, version) {
      if (version === undefined) {
        const cur = repo.selectCurrent(userId);
        if (!cur) throw MatrixError.notFound("No current backup version");
        return info(cur);
      }
      return info(existing(userId, version));
    },

    updateVersion(userId, version, req) {
      const row = existing(userId, version);
      if (req.version !== undefined && req.version !== version) {
        throw MatrixError.invalidParam("The version in the body does not match the version in the path");
      }
      if (req.algorithm !== row.algorithm) throw MatrixError.invalidParam("The algorithm does not match the backup's");
      repo.updateAuthData(userId, row.version, JSON.stringify(req.auth_data));
    },

    deleteVersion(userId, version) {
      if (!VERSION.test(version)) throw unknownVersion();
      db.tx(() => {
        const row = repo.selectVersion(userId, Number(version));
        if (!row) throw unknownVersion();
        if (!row.deleted) repo.markDeleted(userId, row.version);
      });
    },

    putKeys(userId, version, keys) {
      return db.tx(() => {
        const current = repo.selectCurrent(userId);
        const target = VERSION.test(version) ? repo.selectVersion(userId, Number(version)) : null;
        if (!target || target.deleted || !current) throw unknownVersion();
        if (target.version !== current.version) {
          throw new MatrixError(403, "M_WRONG_ROOM_KEYS_VERSION", "Keys can only be added to the current backup", {
            current_version: String(current.version),
          });
        }
        let changed = false;
        for (const [roomId, sessions] of Object.entries(keys)) {
          for (const [sessionId, data] of Object.entries(sessions)) {
            const stored = repo.selectSession(userId, current.version, roomId, sessionId);
            if (stored && !shouldReplace(stored, data)) continue;
            repo.upsertSession(userId, current.version, {
              roomId,
              sessionId,
              firstMessageIndex: data.first_message_index,
              forwardedCount: data.forwarded_count,
              isVerified: data.is_verified,
              sessionData: JSON.stringify(data.session_data),
            });
            changed = true;
          }
        }
        if (changed) repo.bumpEtag(userId, current.version);
        return update(userId, current.version);
      });
    },

    getSession(userId, version, roomId, sessionId) {
      const row = existing(userId, version);
      const s = repo.selectSession(userId, row.version, roomId, sessionId);
      if (!s) throw MatrixError.notFound("No key for this session in the backup");
      return toData(s);
    },

    getRoom(userId, version, roomId) {
      const row = existing(userId, version);
      const sessions: Record<string, KeyBackupData> = {};
      for (const s of repo.selectRoom(userId, row.version, roomId)) sessions[s.sessionId] = toData(s);
      return { sessions };
    },

    getAll(userId, version) {
      const row = existing(userId, version);
      const rooms: Record<string, { sessions: Record<string, KeyBackupData> }> = {};
      for (const s of repo.selectAll(userId, row.version)) {
        const room = rooms[s.roomId] ?? { sessions: {} };
        rooms[s.roomId] = room;
        room.sessions[s.sessionId] = toData(s);
      }
      return { rooms };
    },

    deleteKeys(userId, version, roomId, sessionId) {
      return db.tx(() => {
        const row = existing(userId, version);
        const n =
          roomId === undefined
            ? repo.deleteAll(userId, row.version)
            : sessionId === undefined
              ? repo.deleteRoom(userId, row.version, roomId)
              : repo.deleteSession(userId, row.version, roomId, sessionId);
        if (n > 0) repo.bumpEtag(userId, row.version);
        return update(userId, row.version);
      });
    },
  };
}
