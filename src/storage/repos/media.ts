/**
 * Media metadata: content rows (one per stored file, by SHA-256), media IDs pointing at them, and
 * thumbnails. The files themselves are handled by services/media/content-store.ts.
 */
import type { Db } from "../db";

export type MediaKind = "upload" | "preview" | "remote";

export interface MediaRecord {
  serverName: string;
  mediaId: string;
  kind: MediaKind;
  userId: string | null;
  contentType: string | null;
  uploadName: string | null;
  /** null while an async upload is pending. */
  sha256: string | null;
  size: number | null;
  createdAt: number;
  uploadedAt: number | null;
  unusedExpiresAt: number | null;
  lastAccessAt: number | null;
  quarantined: boolean;
}

export interface ThumbnailRecord {
  width: number;
  height: number;
  method: "crop" | "scale";
  contentType: string;
  sha256: string;
  size: number;
}

interface MediaRow {
  server_name: string;
  media_id: string;
  kind: MediaKind;
  user_id: string | null;
  content_type: string | null;
  upload_name: string | null;
  sha256: string | null;
  size: number | null;
  created_at: number;
  uploaded_at: number | null;
  unused_expires_at: number | null;
  last_access_at: number | null;
  quarantined: number;
}

export interface MediaRepo {
  /** Records a stored file (no-op when already known). Call in the same transaction as the reference. */
  insertContent(sha256: string, size: number, now: number): void;
  hasContent(sha256: string): boolean;
  /** Media rows plus thumbnail rows pointing at this content. */
  countContentReferences(sha256: string): number;
  /** Content rows nothing points at any more (the cleanup deletes their files). */
  selectUnreferencedContent(limit: number): string[];
  /** Deletes the content row if (and only if) nothing references it; true when deleted. */
  deleteContentIfUnreferenced(sha256: string): boolean;

  /** Inserts a media row; false when the (server_name, media_id) already exists. */
  insertMedia(m: Omit<MediaRecord, "quarantined" | "lastAccessAt"> & { lastAccessAt?: number | null }): boolean;
  selectMedia(serverName: string, mediaId: string): MediaRecord | null;
  /** Fills a pending async upload; false when it is not pending any more (already uploaded). */
  completePending(
    serverName: string,
    mediaId: string,
    c: { sha256: string; size: number; contentType: string; uploadName: string | null; uploadedAt: number },
  ): boolean;
  /** Pending uploads of a user that have not expired, oldest expiry first. */
  selectPendingExpiries(userId: string, now: number): number[];
  /** Sum of the sizes of a user's uploads (for the quota). */
  sumUserBytes(userId: string): number;
  touchAccess(serverName: string, mediaId: string, now: number): void;
  setQuarantined(serverName: string, mediaId: string, quarantined: boolean): boolean;
  deleteMedia(serverName: string, mediaId: string): boolean;

  /** Expired pending uploads. Returns how many were deleted. */
  deleteExpiredPending(now: number): number;
  /** Media of a kind whose last access (or arrival) is before `before`. */
  selectStale(kind: MediaKind, before: number, limit: number): { serverName: string; mediaId: string }[];

  /** Local uploads that arrived before `before` (and are larger than `sizeGt`), for the admin API. */
  selectLocalBefore(serverName: string, before: number, sizeGt: number, limit: number): string[];
  /** Per-user totals of uploaded media (admin statistics), with the user's display name. */
  selectUserUsage(opts: {
    orderBy: "media_length" | "media_count" | "user_id";
    descending: boolean;
    from: number;
    limit: number;
  }): { userId: string; displayname: string | null; mediaCount: number; mediaLength: number }[];
  countUsersWithMedia(): number;

  selectThumbnail(
    serverName: string,
    mediaId: string,
    width: number,
    height: number,
    method: "crop" | "scale",
  ): ThumbnailRecord | null;
  countThumbnails(serverName: string, mediaId: string): number;
  insertThumbnail(serverName: string, mediaId: string, t: ThumbnailRecord, now: number): void;
}

function toRecord(r: MediaRow): MediaRecord {
  return {
    serverName: r.server_name,
    mediaId: r.media_id,
    kind: r.kind,
    userId: r.user_id,
    contentType: r.content_type,
    uploadName: r.upload_name,
    sha256: r.sha256,
    size: r.size,
    createdAt: r.created_at,
    uploadedAt: r.uploaded_at,
    unusedExpiresAt: r.unused_expires_at,
    lastAccessAt: r.last_access_at,
    quarantined: r.quarantined === 1,
  };
}

export function createMediaRepo(db: Db): MediaRepo {
  const q = db.sqlite;
  const insertContent = q.query(
    "INSERT INTO media_content (sha256, size, created_at) VALUES (?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
  );
  const hasContent = q.query<{ one: number }, [string]>("SELECT 1 AS one FROM media_content WHERE sha256 = ?");
  const countRefs = q.query<{ n: number }, [string, string]>(
    `SELECT (SELECT count(*) FROM media WHERE sha256 = ?) + (SELECT count(*) FROM media_thumbnails WHERE sha256 = ?) AS n`,
  );
  const unreferenced = q.query<{ sha256: string }, [number]>(
    `SELECT c.sha256 FROM media_content c
      WHERE NOT EXISTS (SELECT 1 FROM media m WHERE m.sha256 = c.sha256)
        AND NOT EXISTS (SELECT 1 FROM media_thumbnails t WHERE t.sha256 = c.sha256)
      LIMIT ?`,
  );
  const deleteContent = q.query(
    `DELETE FROM media_content WHERE sha256 = ?1
       AND NOT EXISTS (SELECT 1 FROM media WHERE sha256 = ?1)
       AND NOT EXISTS (SELECT 1 FROM media_thumbnails WHERE sha256 = ?1)`,
  );
  const insertMedia = q.query(
    `INSERT INTO media (server_name, media_id, kind, user_id, content_type, upload_name, sha256, size, created_at,
                        uploaded_at, unused_expires_at, last_access_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (server_name, media_id) DO NOTHING`,
  );
  const selectMedia = q.query<MediaRow, [string, string]>("SELECT * FROM media WHERE server_name = ? AND media_id = ?");
  const completePending = q.query(
    `UPDATE media SET sha256 = ?, size = ?, content_type = ?, upload_name = ?, uploaded_at = ?, unused_expires_at = NULL,
            last_access_at = ?
      WHERE server_name = ? AND media_id = ? AND sha256 IS NULL`,
  );
  const pendingExpiries = q.query<{ e: number }, [string, number]>(
    `SELECT unused_expires_at AS e FROM media
      WHERE user_id = ? AND sha256 IS NULL AND unused_expires_at > ? ORDER BY unused_expires_at`,
  );
  const sumUser = q.query<{ n: number | null }, [string]>(
    "SELECT sum(size) AS n FROM media WHERE user_id = ? AND kind = 'upload'",
  );
  // Written at most once an hour per media, so downloads do not turn into a write each.
  const touch = q.query(
    `UPDATE media SET last_access_at = ?1 WHERE server_name = ?2 AND media_id = ?3
        AND (last_access_at IS NULL OR last_access_at < ?1 - 3600000)`,
  );
  const quarantine = q.query("UPDATE media SET quarantined = ? WHERE server_name = ? AND media_id = ?");
  const deleteMedia = q.query("DELETE FROM media WHERE server_name = ? AND media_id = ?");
  const deleteExpired = q.query("DELETE FROM media WHERE sha256 IS NULL AND unused_expires_at <= ?");
  const stale = q.query<{ server_name: string; media_id: string }, [string, number, number]>(
    `SELECT server_name, media_id FROM media
      WHERE kind = ? AND sha256 IS NOT NULL AND coalesce(last_access_at, uploaded_at) < ? LIMIT ?`,
  );
  const localBefore = q.query<{ media_id: string }, [string, number, number, number]>(
    `SELECT media_id FROM media WHERE server_name = ? AND kind = 'upload' AND sha256 IS NOT NULL
        AND uploaded_at < ? AND size > ? LIMIT ?`,
  );
  const usage = (order: string, dir: string) =>
    q.query<
      { user_id: string; displayname: string | null; media_count: number; media_length: number },
      [number, number]
    >(
      `SELECT m.user_id, u.displayname, count(*) AS media_count, coalesce(sum(m.size), 0) AS media_length
         FROM media m LEFT JOIN users u ON u.user_id = m.user_id
        WHERE m.kind = 'upload' AND m.user_id IS NOT NULL
        GROUP BY m.user_id ORDER BY ${order} ${dir}, m.user_id ASC LIMIT ? OFFSET ?`,
    );
  const usageQueries = new Map<string, ReturnType<typeof usage>>();
  for (const order of ["media_length", "media_count", "user_id"]) {
    for (const dir of ["ASC", "DESC"])
      usageQueries.set(`${order} ${dir}`, usage(order === "user_id" ? "m.user_id" : order, dir));
  }
  const usersWithMedia = q.query<{ n: number }, []>(
    "SELECT count(DISTINCT user_id) AS n FROM media WHERE kind = 'upload' AND user_id IS NOT NULL",
  );
  const selectThumb = q.query<
    { width: number; height: number; method: "crop" | "scale"; content_type: string; sha256: string; size: number },
    [string, string, number, number, string]
  >(
    `SELECT width, height, method, content_type, sha256, size FROM media_thumbnails
      WHERE server_name = ? AND media_id = ? AND width = ? AND height = ? AND method = ?`,
  );
  const countThumbs = q.query<{ n: number }, [string, string]>(
    "SELECT count(*) AS n FROM media_thumbnails WHERE server_name = ? AND media_id = ?",
  );
  const insertThumb = q.query(
    `INSERT INTO media_thumbnails (server_name, media_id, width, height, method, content_type, sha256, size, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
  );

  return {
    insertContent(sha256, size, now) {
      insertContent.run(sha256, size, now);
    },
    hasContent: (sha256) => hasContent.get(sha256) !== null,
    countContentReferences: (sha256) => countRefs.get(sha256, sha256)?.n ?? 0,
    selectUnreferencedContent: (limit) => unreferenced.all(limit).map((r) => r.sha256),
    deleteContentIfUnreferenced: (sha256) => deleteContent.run(sha256).changes > 0,

    insertMedia(m) {
      return (
        insertMedia.run(
          m.serverName,
          m.mediaId,
          m.kind,
          m.userId,
          m.contentType,
          m.uploadName,
          m.sha256,
          m.size,
          m.createdAt,
          m.uploadedAt,
          m.unusedExpiresAt,
          m.lastAccessAt ?? m.uploadedAt,
        ).changes > 0
      );
    },
    selectMedia(serverName, mediaId) {
      const r = selectMedia.get(serverName, mediaId);
      return r ? toRecord(r) : null;
    },
    completePending(serverName, mediaId, c) {
      return (
        completePending.run(
          c.sha256,
          c.size,
          c.contentType,
          c.uploadName,
          c.uploadedAt,
          c.uploadedAt,
          serverName,
          mediaId,
        ).changes > 0
      );
    },
    selectPendingExpiries: (userId, now) => pendingExpiries.all(userId, now).map((r) => r.e),
    sumUserBytes: (userId) => sumUser.get(userId)?.n ?? 0,
    touchAccess(serverName, mediaId, now) {
      touch.run(now, serverName, mediaId);
    },
    setQuarantined: (serverName, mediaId, on) => quarantine.run(on ? 1 : 0, serverName, mediaId).changes > 0,
    deleteMedia: (serverName, mediaId) => deleteMedia.run(serverName, mediaId).changes > 0,
    deleteExpiredPending: (now) => deleteExpired.run(now).changes,
    selectStale: (kind, before, limit) =>
      stale.all(kind, before, limit).map((r) => ({ serverName: r.server_name, mediaId: r.media_id })),

    selectLocalBefore: (serverName, before, sizeGt, limit) =>
      localBefore.all(serverName, before, sizeGt, limit).map((r) => r.media_id),
    selectUserUsage({ orderBy, descending, from, limit }) {
      const stmt = usageQueries.get(`${orderBy} ${descending ? "DESC" : "ASC"}`)!;
      return stmt.all(limit, from).map((r) => ({
        userId: r.user_id,
        displayname: r.displayname,
        mediaCount: r.media_count,
        mediaLength: r.media_length,
      }));
    },
    countUsersWithMedia: () => usersWithMedia.get()?.n ?? 0,

    selectThumbnail(serverName, mediaId, width, height, method) {
      const r = selectThumb.get(serverName, mediaId, width, height, method);
      return r
        ? {
            width: r.width,
            height: r.height,
            method: r.method,
            contentType: r.content_type,
            sha256: r.sha256,
            size: r.size,
          }
        : null;
    },
    countThumbnails: (serverName, mediaId) => countThumbs.get(serverName, mediaId)?.n ?? 0,
    insertThumbnail(serverName, mediaId, t, now) {
      insertThumb.run(serverName, mediaId, t.width, t.height, t.method, t.contentType, t.sha256, t.size, now);
    },
  };
}
