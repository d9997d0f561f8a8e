/**
 * Who each user ignores (client-server API "Ignoring Users": the keys of `ignored_users` in the
 * m.ignored_user_list global account data), cached per user and dropped when that account data changes.
 */
import { MatrixError } from "../../core/errors";
import type { AccountDataService } from "../account-data/account-data-service";
import type { AccountEvents } from "../accounts/account-events";
import type { IgnoredUsers } from "./push-processor";

const TYPE = "m.ignored_user_list";
const EMPTY: ReadonlySet<string> = new Set();

export function createIgnoredUsers(deps: {
  accountData: AccountDataService;
  events: AccountEvents;
  cacheSize?: number;
}): IgnoredUsers {
  const cacheSize = deps.cacheSize ?? 10_000;
  const cache = new Map<string, ReadonlySet<string>>();
  deps.events.on("accountDataChanged", (e) => {
    if (e.roomId === null && e.type === TYPE) cache.delete(e.userId);
  });
  const load = (userId: string): ReadonlySet<string> => {
    let content: Record<string, unknown>;
    try {
      content = deps.accountData.getAccountData(userId, userId, null, TYPE);
    } catch (e) {
      if (e instanceof MatrixError && e.status === 404) return EMPTY;
      throw e;
    }
    const ignored = content.ignored_users;
    if (typeof ignored !== "object" || ignored === null || Array.isArray(ignored)) return EMPTY;
    const keys = Object.keys(ignored);
    return keys.length === 0 ? EMPTY : new Set(keys);
  };
  return {
    ignores(userId, other) {
      let set = cache.get(userId);
      if (!set) {
        set = load(userId);
        if (cache.size >= cacheSize) cache.delete(cache.keys().next().value!);
        cache.set(userId, set);
      }
      return set.has(other);
    },
  };
}
