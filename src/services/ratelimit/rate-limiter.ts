import { MatrixError } from "../../core/errors";
import type { Clock } from "../../util/clock";

export type Bucket = "login" | "register";

export interface RateLimiter {
  /** Throws M_LIMIT_EXCEEDED when the address (or the user, when known) has used up its bucket. */
  check(bucket: Bucket, ip: string, userId: string | null): void;
  /** Counts an attempt against an account name (logins), so guessing one account's password is slowed. */
  checkAccount(bucket: Bucket, account: string): void;
  /**
   * Throws M_LIMIT_EXCEEDED when the bucket for `key` is used up, without using it. With `take` this
   * counts only some outcomes: peek before checking a password and take after a wrong one, so that
   * only failures count and a locked-out guesser learns nothing from further attempts.
   */
  peek(bucket: Bucket, key: string): void;
  /** Uses one from the bucket for `key`; throws M_LIMIT_EXCEEDED when it is used up. */
  take(bucket: Bucket, key: string): void;
}

export interface RateLimitSettings {
  enabled: boolean;
  perMinute: Record<Bucket, number>;
}

/** Token buckets kept in memory: `perMinute` requests a minute, refilled continuously, burst = perMinute. */
export function createRateLimiter(settings: RateLimitSettings, clock: Clock): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const peek = (key: string, perMinute: number) => {
    const b = buckets.get(key);
    if (!b) return;
    const ratePerMs = perMinute / 60_000;
    const tokens = Math.min(perMinute, b.tokens + (clock.now() - b.at) * ratePerMs);
    if (tokens < 1) throw MatrixError.limitExceeded(Math.ceil((1 - tokens) / ratePerMs));
  };
  const take = (key: string, perMinute: number) => {
    const now = clock.now();
    const ratePerMs = perMinute / 60_000;
    const b = buckets.get(key) ?? { tokens: perMinute, at: now };
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * ratePerMs);
    b.at = now;
    if (b.tokens < 1) {
      buckets.set(key, b);
      throw MatrixError.limitExceeded(Math.ceil((1 - b.tokens) / ratePerMs));
    }
    b.tokens -= 1;
    buckets.set(key, b);
    if (buckets.size > 100_000) {
      // Drop full buckets so memory stays bounded under address scans.
      for (const [k, v] of buckets) if (v.tokens + (now - v.at) * ratePerMs >= perMinute) buckets.delete(k);
    }
  };
  return {
    check(bucket, ip, userId) {
      if (!settings.enabled) return;
      take(`${bucket}|ip|${ip}`, settings.perMinute[bucket]);
      if (userId) take(`${bucket}|user|${userId}`, settings.perMinute[bucket]);
    },
    checkAccount(bucket, account) {
      if (!settings.enabled) return;
      take(`${bucket}|account|${account}`, settings.perMinute[bucket]);
    },
    peek(bucket, key) {
      if (!settings.enabled) return;
      peek(`${bucket}|key|${key}`, settings.perMinute[bucket]);
    },
    take(bucket, key) {
      if (!settings.enabled) return;
      take(`${bucket}|key|${key}`, settings.perMinute[bucket]);
    },
  };
}
