/**
 * The media cleanup: expired pending uploads, remote media not used within the retention, URL
 * previews (and their images) past their retention, then every file nothing refers to any more. On
 * start it also sweeps what a crash can leave: temp files of unfinished uploads, and content files
 * that were renamed into place but never recorded.
 */
import type { MediaContext } from "./context";
import type { CleanupReport } from "./media-service";

const BATCH = 500;

export function startCleanup(
  ctx: MediaContext,
  opts: { intervalMs: number; sweepOnStart?: boolean },
): { run(): Promise<CleanupReport>; stop(): Promise<void> } {
  let running: Promise<CleanupReport> | null = null;
  let stopped = false;

  async function deleteUnreferencedFiles(): Promise<number> {
    let n = 0;
    for (;;) {
      const batch = ctx.repo.selectUnreferencedContent(BATCH);
      let deleted = 0;
      for (const sha of batch) {
        await ctx.contentLocks.with(sha, async () => {
          if (!ctx.db.tx(() => ctx.repo.deleteContentIfUnreferenced(sha))) return;
          await ctx.store.remove(sha);
          deleted++;
        });
      }
      n += deleted;
      if (batch.length < BATCH || deleted === 0) return n;
    }
  }

  async function pass(): Promise<CleanupReport> {
    const now = ctx.clock.now();
    const report: CleanupReport = { expiredPending: 0, remoteDeleted: 0, previewsDeleted: 0, filesDeleted: 0 };
    report.expiredPending = ctx.db.tx(() => ctx.repo.deleteExpiredPending(now));

    const retention = ctx.config.remote_retention_ms;
    if (retention > 0) {
      for (;;) {
        const stale = ctx.repo.selectStale("remote", now - retention, BATCH);
        ctx.db.tx(() => {
          for (const m of stale) if (ctx.repo.deleteMedia(m.serverName, m.mediaId)) report.remoteDeleted++;
        });
        if (stale.length < BATCH) break;
      }
    }

    const previewBefore = now - ctx.config.url_preview.retention_ms;
    for (;;) {
      const old = ctx.previews.selectOlderThan(previewBefore, BATCH);
      ctx.db.tx(() => {
        for (const p of old) {
          ctx.previews.delete(p.url, p.fetchedAt);
          if (p.imageMediaId) ctx.repo.deleteMedia(ctx.serverName, p.imageMediaId);
          report.previewsDeleted++;
        }
      });
      if (old.length < BATCH) break;
    }
    for (;;) {
      // Preview images whose preview row is gone already.
      const stale = ctx.repo.selectStale("preview", previewBefore, BATCH);
      ctx.db.tx(() => {
        for (const m of stale) ctx.repo.deleteMedia(m.serverName, m.mediaId);
      });
      if (stale.length < BATCH) break;
    }

    report.filesDeleted = await deleteUnreferencedFiles();
    return report;
  }

  async function sweepAfterCrash(): Promise<void> {
    const temps = await ctx.store.sweepTemp();
    let orphans = 0;
    for await (const sha of ctx.store.list()) {
      if (stopped) return;
      await ctx.contentLocks.with(sha, async () => {
        if (ctx.repo.hasContent(sha)) return;
        await ctx.store.remove(sha);
        orphans++;
      });
    }
    if (temps + orphans > 0) {
      ctx.logger.info("media: removed files left by an interrupted upload", { temp_files: temps, orphans });
    }
  }

  const startup: Promise<void> | null = opts.sweepOnStart
    ? sweepAfterCrash().catch((e) => ctx.logger.error("media start-up sweep failed", { error: String(e) }))
    : null;

  const run = () => {
    // The start-up sweep goes first, so a pass right after start sees its result.
    running ??= (startup ?? Promise.resolve()).then(pass).finally(() => {
      running = null;
    });
    return running;
  };

  let timer: ReturnType<typeof setInterval> | null = null;
  if (opts.intervalMs > 0) {
    timer = setInterval(() => {
      run().catch((e) => ctx.logger.error("media cleanup failed", { error: String(e) }));
    }, opts.intervalMs);
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    run,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await startup;
      await running?.catch(() => {});
    },
  };
}
