/**
 * Local users in each room with their membership, cached in memory: every event written to a room
 * needs them (whom to wake, whose push rules to run), and rooms can be large. A membership change
 * updates the cached entry in place; a transaction that rolls back drops the room's cache.
 */
import type { Db } from "../../storage/db";
import type { RoomRepo } from "../../storage/repos/rooms";

export interface LocalMembers {
  /** Local users whose membership is one of `memberships`, for a room number. */
  of(roomNid: number, memberships: readonly string[]): string[];
  /** A local user's membership in a room, or null. */
  membershipOf(roomNid: number, userId: string): string | null;
  /** Records a user's new membership (for a room whose members are cached; remote users are ignored). */
  set(roomNid: number, userId: string, membership: string): void;
  /** Forget a room's cached members. */
  invalidate(roomNid: number): void;
}

export function createLocalMembers(deps: { db: Db; rooms: RoomRepo; serverName: string }): LocalMembers {
  const cache = new Map<number, Map<string, string>>();
  const suffix = `:${deps.serverName}`;
  const MAX_ROOMS = 5_000;
  const load = (roomNid: number): Map<string, string> => {
    let members = cache.get(roomNid);
    if (!members) {
      members = new Map();
      for (const m of deps.rooms.members(roomNid)) if (m.userId.endsWith(suffix)) members.set(m.userId, m.membership);
      if (cache.size >= MAX_ROOMS) cache.delete(cache.keys().next().value!);
      cache.set(roomNid, members);
      deps.db.onRollback(() => cache.delete(roomNid));
    }
    return members;
  };
  return {
    of(roomNid, memberships) {
      const out: string[] = [];
      for (const [userId, membership] of load(roomNid)) if (memberships.includes(membership)) out.push(userId);
      return out;
    },
    membershipOf(roomNid, userId) {
      return load(roomNid).get(userId) ?? null;
    },
    set(roomNid, userId, membership) {
      const members = cache.get(roomNid);
      if (!members || !userId.endsWith(suffix)) return;
      members.set(userId, membership);
      deps.db.onRollback(() => cache.delete(roomNid));
    },
    invalidate(roomNid) {
      cache.delete(roomNid);
      deps.db.onRollback(() => cache.delete(roomNid));
    },
  };
}
