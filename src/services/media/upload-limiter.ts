/** Per-user rate limit on uploads and media ID creation: a token bucket refilled continuously. */
import { MatrixError } from "../../core/errors";
import type { Clock } from "../../util/clock";

export interface UploadLimiter {
  /** Throws 429 M_LIMIT_EXCEEDED when the user has used up their uploads for now. */
  take(userId: string): void;
}

export function createUploadLimiter(opts: { enabled: boolean; perMinute: number }, clock: Clock): UploadLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const ratePerMs = opts.perMinute / 60_000;
  return {
    take(userId) {
      if (!opts.enabled) return;
      const now = clock.now();
      const b = buckets.get(userId) ?? { tokens: opts.perMinute, at: now };
      b.tokens = Math.min(opts.perMinute, b.tokens + (now - b.at) * ratePerMs);
      b.at = now;
      buckets.set(userId, b);
      if (b.tokens < 1) throw MatrixError.limitExceeded(Math.ceil((1 - b.tokens) / ratePerMs));
      b.tokens -= 1;
      if (buckets.size > 10_000) {
        for (const [k, v] of buckets) if (v.tokens + (now - v.at) * ratePerMs >= opts.perMinute) buckets.delete(k);
      }
    },
  };
}
