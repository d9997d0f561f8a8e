/**
 * Delivers notifications to push gateways in the background. Each pusher has its own worker that
 * sends the user's notifications in stream order, one request at a time, and records its progress in
 * the pushers row (`last_stream_ordering`), so a restart resumes where it stopped. A failed request
 * (no answer, or a non-2xx status) is retried with exponential backoff from 1 s, capped by
 * `maxBackoffMs`; the failure count and the retry time are in the row too. A notification that still
 * fails `giveUpAfterMs` after it happened is skipped. A gateway answering `rejected` with the pusher's
 * pushkey removes the pusher. Workers wake when a notification is stored (no polling); the only timers
 * are for retries.
 */
import { BlockedAddressError, type PushGatewayClient } from "../../net/push-gateway";
import type { PushNotificationRepo, PushNotificationRow } from "../../storage/repos/push-notifications";
import type { PusherRepo, PusherRow } from "../../storage/repos/pushers";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { buildBadgeBody, buildNotifyBody, type NotifiedEvent, type NotifyContext } from "./notify-payload";

export const INITIAL_BACKOFF_MS = 1000;
const BATCH = 50;

export interface DeliveryPort {
  /** The event of a notification as the gateway sees it, or null when it is gone. */
  event(n: PushNotificationRow): NotifiedEvent | null;
  context(n: PushNotificationRow, ev: NotifiedEvent): NotifyContext;
  /** True when a read receipt covers the notification (it is then not pushed). */
  isRead(n: PushNotificationRow): boolean;
  /** The user's unread notifications across their rooms (the badge). */
  unread(userId: string): number;
}

export interface PushDeliveryDeps {
  pushers: PusherRepo;
  notifications: PushNotificationRepo;
  gateway: PushGatewayClient;
  port: DeliveryPort;
  clock: Clock;
  logger: Logger;
  maxBackoffMs: number;
  giveUpAfterMs: number;
  timeoutMs: number;
}

export interface PushDelivery {
  /** Starts workers for every pusher with pending notifications (resuming after a restart). */
  start(): void;
  /** Stops workers and timers, aborting requests in flight. */
  stop(): Promise<void>;
  /** New notifications were stored for these users. */
  wake(userIds: Iterable<string>): void;
  /** The user's pushers were added, changed or removed. */
  pushersChanged(userId: string): void;
  /**
   * The user's read position moved: their pushers get the new unread count (a push without an
   * event), when it differs from the last one sent. Best effort: not retried.
   */
  badge(userId: string): void;
}

export function backoffMs(failures: number, maxMs: number): number {
  return Math.min(maxMs, INITIAL_BACKOFF_MS * 2 ** Math.min(30, Math.max(0, failures - 1)));
}

export function createPushDelivery(deps: PushDeliveryDeps): PushDelivery {
  let running = false;
  const abort = new AbortController();
  /** Pusher IDs of every user with a pusher (cheap check on every notification). */
  const byUser = new Map<string, number[]>();
  const workers = new Map<number, Promise<void>>();
  const again = new Set<number>();
  const timers = new Map<number, ReturnType<typeof setTimeout>>();
  const badgePending = new Set<number>();
  /** The unread count each pusher was last sent (in memory: after a restart the next push sets it). */
  const lastBadge = new Map<number, number>();

  const reloadUser = (userId: string) => {
    const ids = deps.pushers.ofUser(userId).map((p) => p.pusherId);
    if (ids.length > 0) byUser.set(userId, ids);
    else byUser.delete(userId);
  };

  const schedule = (id: number, at: number) => {
    const old = timers.get(id);
    if (old) clearTimeout(old);
    const t = setTimeout(
      () => {
        timers.delete(id);
        kick(id);
      },
      Math.max(0, at - deps.clock.now()),
    );
    timers.set(id, t);
  };

  const kick = (id: number) => {
    if (!running) return;
    if (workers.has(id)) {
      again.add(id);
      return;
    }
    const w = work(id)
      .catch((e) => deps.logger.error("push delivery failed", { pusher: id, error: (e as Error).message }))
      .finally(() => {
        workers.delete(id);
        if (again.delete(id)) kick(id);
      });
    workers.set(id, w);
  };

  /** Sends one notification; returns false when the worker must stop (failure or pusher removed). */
  const deliver = async (p: PusherRow, n: PushNotificationRow): Promise<boolean> => {
    const ev = deps.port.event(n);
    if (!ev || deps.port.isRead(n)) {
      deps.pushers.setProgress(p.pusherId, n.streamOrdering);
      return true;
    }
    const ctx = deps.port.context(n, ev);
    const body = buildNotifyBody(p, ev, n.actions, ctx);
    let problem: string;
    try {
      const answer = await deps.gateway.notify(String(p.data.url), body, {
        timeoutMs: deps.timeoutMs,
        signal: abort.signal,
      });
      if (answer.status >= 200 && answer.status < 300) {
        if (answer.rejected.includes(p.pushkey)) {
          deps.logger.info("push gateway rejected a pushkey; removing the pusher", { user: p.userId, app: p.appId });
          deps.pushers.deleteById(p.pusherId);
          reloadUser(p.userId);
          return false;
        }
        deps.pushers.setProgress(p.pusherId, n.streamOrdering);
        lastBadge.set(p.pusherId, ctx.unread);
        return true;
      }
      problem = `status ${answer.status}`;
    } catch (e) {
      if (!running) return false;
      problem = e instanceof BlockedAddressError ? "address not allowed" : (e as Error).message;
    }
    if (!running) return false;
    const now = deps.clock.now();
    if (now - n.ts >= deps.giveUpAfterMs) {
      deps.logger.warn("giving up on a push notification", { user: p.userId, app: p.appId, problem });
      deps.pushers.setProgress(p.pusherId, n.streamOrdering);
      return true;
    }
    const fresh = deps.pushers.byId(p.pusherId);
    if (!fresh) return false;
    const failures = fresh.failures + 1;
    const retryAt = now + backoffMs(failures, deps.maxBackoffMs);
    deps.pushers.setFailure(p.pusherId, failures, retryAt);
    deps.logger.info("push gateway failed; will retry", { user: p.userId, app: p.appId, problem, failures });
    schedule(p.pusherId, retryAt);
    return false;
  };

  /** Sends the unread count alone (after the notifications, so that it is the newest). */
  const sendBadge = async (p: PusherRow) => {
    const unread = deps.port.unread(p.userId);
    if (lastBadge.get(p.pusherId) === unread) return;
    try {
      const answer = await deps.gateway.notify(String(p.data.url), buildBadgeBody(p, unread), {
        timeoutMs: deps.timeoutMs,
        signal: abort.signal,
      });
      if (answer.status >= 200 && answer.status < 300) {
        if (answer.rejected.includes(p.pushkey)) {
          deps.pushers.deleteById(p.pusherId);
          reloadUser(p.userId);
          return;
        }
        lastBadge.set(p.pusherId, unread);
      }
    } catch {
      // Best effort: the next notification carries the count anyway.
    }
  };

  const work = async (id: number) => {
    while (running) {
      const p = deps.pushers.byId(id);
      if (!p) return;
      if (p.retryAt > deps.clock.now()) {
        badgePending.delete(id);
        schedule(id, p.retryAt);
        return;
      }
      const batch = deps.notifications.after(p.userId, p.lastStreamOrdering, BATCH);
      if (batch.length === 0) {
        if (badgePending.delete(id)) await sendBadge(p);
        return;
      }
      for (const n of batch) {
        // The row may have changed (progress, or the pusher was replaced) while a request was out.
        const cur = deps.pushers.byId(id);
        if (!cur || !running) return;
        if (n.streamOrdering <= cur.lastStreamOrdering) continue;
        if (!(await deliver(cur, n))) return;
      }
    }
  };

  return {
    start() {
      running = true;
      for (const p of deps.pushers.all()) {
        byUser.set(p.userId, [...(byUser.get(p.userId) ?? []), p.pusherId]);
        kick(p.pusherId);
      }
    },
    async stop() {
      running = false;
      abort.abort();
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.allSettled([...workers.values()]);
    },
    wake(userIds) {
      for (const u of userIds) for (const id of byUser.get(u) ?? []) kick(id);
    },
    pushersChanged(userId) {
      const before = byUser.get(userId) ?? [];
      reloadUser(userId);
      const after = byUser.get(userId) ?? [];
      for (const id of before) {
        if (after.includes(id)) continue;
        const t = timers.get(id);
        if (t) clearTimeout(t);
        timers.delete(id);
      }
      for (const id of after) kick(id);
    },
    badge(userId) {
      for (const id of byUser.get(userId) ?? []) {
        badgePending.add(id);
        kick(id);
      }
    },
  };
}
