/**
 * Operator actions on media (the Synapse-compatible admin API): quarantine, delete, purge the remote
 * cache, and per-user usage. Deleting a media row drops its thumbnails; the files go in the cleanup
 * pass that follows, once nothing refers to them.
 */
import { MatrixError } from "../../core/errors";
import type { MediaContext } from "./context";

export interface UserMediaUsage {
  userId: string;
  displayname: string | null;
  mediaCount: number;
  mediaLength: number;
}

export interface MediaAdmin {
  /** Quarantined media is answered 404 everywhere until released. */
  setQuarantined(serverName: string, mediaId: string, quarantined: boolean): void;
  /** Deletes one local media item (its file goes once nothing else refers to it). */
  deleteLocal(serverName: string, mediaId: string): Promise<string[]>;
  /** Deletes local uploads that arrived before `before` and are larger than `sizeGt` bytes. */
  deleteLocalBefore(before: number, sizeGt: number): Promise<string[]>;
  /** Drops remote media cached and not used since `before` (it is fetched again when asked for). */
  purgeRemoteBefore(before: number): Promise<number>;
  usage(opts: {
    orderBy: "media_length" | "media_count" | "user_id";
    descending: boolean;
    from: number;
    limit: number;
  }): { users: UserMediaUsage[]; total: number };
}

export function createMediaAdmin(ctx: MediaContext, cleanupFiles: () => Promise<unknown>): MediaAdmin {
  const BATCH = 500;
  return {
    setQuarantined(serverName, mediaId, quarantined) {
      if (!ctx.repo.setQuarantined(serverName, mediaId, quarantined)) throw MatrixError.notFound("Media not found");
    },
    async deleteLocal(serverName, mediaId) {
      if (!ctx.isLocal(serverName)) throw MatrixError.invalidParam("Can only delete local media");
      if (!ctx.db.tx(() => ctx.repo.deleteMedia(serverName, mediaId))) throw MatrixError.notFound("Media not found");
      await cleanupFiles();
      return [mediaId];
    },
    async deleteLocalBefore(before, sizeGt) {
      const deleted: string[] = [];
      for (;;) {
        const ids = ctx.repo.selectLocalBefore(ctx.serverName, before, sizeGt, BATCH);
        ctx.db.tx(() => {
          for (const id of ids) if (ctx.repo.deleteMedia(ctx.serverName, id)) deleted.push(id);
        });
        if (ids.length < BATCH) break;
      }
      await cleanupFiles();
      return deleted;
    },
    async purgeRemoteBefore(before) {
      let n = 0;
      for (;;) {
        const stale = ctx.repo.selectStale("remote", before, BATCH);
        ctx.db.tx(() => {
          for (const m of stale) if (ctx.repo.deleteMedia(m.serverName, m.mediaId)) n++;
        });
        if (stale.length < BATCH) break;
      }
      await cleanupFiles();
      return n;
    },
    usage(opts) {
      return { users: ctx.repo.selectUserUsage(opts), total: ctx.repo.countUsersWithMedia() };
    },
  };
}
