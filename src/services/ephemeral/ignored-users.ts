/**
 * Ignored users (client-server API, "Ignoring Users"): the `m.ignored_user_list` global account
 * data. /sync hides their non-state events, their invites, typing and receipts; notification
 * counts skip their events. Cached per user and dropped when the account data changes.
 */
export interface IgnoredUsers {
  /** The users `userId` ignores (empty when none). */
  of(userId: string): ReadonlySet<string>;
  /** Forgets the cached list (call when m.ignored_user_list changes). */
  invalidate(userId: string): void;
}

export const IGNORED_USER_LIST = "m.ignored_user_list";
const NONE: ReadonlySet<string> = new Set();
const CACHE = 10_000;

/** `read` returns the stored account data content, or null. */
export function createIgnoredUsers(read: (userId: string) => Record<string, unknown> | null): IgnoredUsers {
  const cache = new Map<string, ReadonlySet<string>>();
  return {
    of(userId) {
      const hit = cache.get(userId);
      if (hit) return hit;
      const content = read(userId);
      const list = content?.ignored_users;
      const set =
        list && typeof list === "object" && !Array.isArray(list) ? new Set(Object.keys(list as object)) : NONE;
      if (cache.size >= CACHE) cache.delete(cache.keys().next().value!);
      cache.set(userId, set.size ? set : NONE);
      return set;
    },
    invalidate(userId) {
      cache.delete(userId);
    },
  };
}
