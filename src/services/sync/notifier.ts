/**
 * Wakes long-polling requests. A request waits for its user; writers notify the users a new fact
 * concerns (members of a room for an event, the recipient of a to-device message, ...). There is no
 * polling loop: a waiter costs one timer and one set entry, and both are released when it returns,
 * times out, or its client disconnects.
 */
export type WakeReason = "notified" | "timeout" | "aborted";

interface Waiter {
  resolve(reason: WakeReason): void;
}

export interface Notifier {
  /** Resolves when the user is notified, after `timeoutMs`, or when `signal` aborts. */
  wait(userId: string, timeoutMs: number, signal?: AbortSignal): Promise<WakeReason>;
  notify(userIds: Iterable<string>): void;
  /** Number of requests waiting now (for tests and metrics). */
  waiting(): number;
}

export function createNotifier(): Notifier {
  const byUser = new Map<string, Set<Waiter>>();
  let count = 0;
  return {
    wait(userId, timeoutMs, signal) {
      if (signal?.aborted) return Promise.resolve("aborted");
      return new Promise<WakeReason>((resolve) => {
        let set = byUser.get(userId);
        if (!set) {
          set = new Set();
          byUser.set(userId, set);
        }
        const waiters = set;
        let done = false;
        const finish = (reason: WakeReason) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          waiters.delete(waiter);
          if (waiters.size === 0 && byUser.get(userId) === waiters) byUser.delete(userId);
          count--;
          resolve(reason);
        };
        const onAbort = () => finish("aborted");
        const waiter: Waiter = { resolve: finish };
        const timer = setTimeout(() => finish("timeout"), Math.max(0, timeoutMs));
        signal?.addEventListener("abort", onAbort, { once: true });
        waiters.add(waiter);
        count++;
      });
    },
    notify(userIds) {
      for (const u of userIds) {
        const set = byUser.get(u);
        if (!set) continue;
        for (const w of [...set]) w.resolve("notified");
      }
    },
    waiting: () => count,
  };
}
