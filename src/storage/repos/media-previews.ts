/** Cached URL previews (the OpenGraph answer per URL and fetch time). */
import type { Db } from "../db";

export interface UrlPreviewRecord {
  url: string;
  fetchedAt: number;
  expiresAt: number;
  og: Record<string, unknown>;
  imageMediaId: string | null;
}

export interface UrlPreviewRepo {
  /**
   * The newest preview of `url` fetched at or before `at` that is still fresh at `now`
   * (or, when none was fetched before `at`, the newest fresh one).
   */
  selectFresh(url: string, at: number, now: number): UrlPreviewRecord | null;
  insert(p: UrlPreviewRecord): void;
  /** Previews fetched before `before`, with the media ID of their image. */
  selectOlderThan(before: number, limit: number): { url: string; fetchedAt: number; imageMediaId: string | null }[];
  delete(url: string, fetchedAt: number): void;
}

interface Row {
  url: string;
  fetched_at: number;
  expires_at: number;
  og_json: string;
  image_media_id: string | null;
}

const toRecord = (r: Row): UrlPreviewRecord => ({
  url: r.url,
  fetchedAt: r.fetched_at,
  expiresAt: r.expires_at,
  og: JSON.parse(r.og_json) as Record<string, unknown>,
  imageMediaId: r.image_media_id,
});

export function createUrlPreviewRepo(db: Db): UrlPreviewRepo {
  const q = db.sqlite;
  const before = q.query<Row, [string, number, number]>(
    `SELECT * FROM url_previews WHERE url = ? AND fetched_at <= ? AND expires_at > ? ORDER BY fetched_at DESC LIMIT 1`,
  );
  const newest = q.query<Row, [string, number]>(
    "SELECT * FROM url_previews WHERE url = ? AND expires_at > ? ORDER BY fetched_at DESC LIMIT 1",
  );
  const insert = q.query(
    `INSERT INTO url_previews (url, fetched_at, expires_at, og_json, image_media_id) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (url, fetched_at) DO UPDATE SET expires_at = excluded.expires_at, og_json = excluded.og_json,
       image_media_id = excluded.image_media_id`,
  );
  const older = q.query<{ url: string; fetched_at: number; image_media_id: string | null }, [number, number]>(
    "SELECT url, fetched_at, image_media_id FROM url_previews WHERE fetched_at < ? LIMIT ?",
  );
  const del = q.query("DELETE FROM url_previews WHERE url = ? AND fetched_at = ?");
  return {
    selectFresh(url, at, now) {
      const r = before.get(url, at, now) ?? newest.get(url, now);
      return r ? toRecord(r) : null;
    },
    insert(p) {
      insert.run(p.url, p.fetchedAt, p.expiresAt, JSON.stringify(p.og), p.imageMediaId);
    },
    selectOlderThan: (b, limit) =>
      older.all(b, limit).map((r) => ({ url: r.url, fetchedAt: r.fetched_at, imageMediaId: r.image_media_id })),
    delete(url, fetchedAt) {
      del.run(url, fetchedAt);
    },
  };
}
