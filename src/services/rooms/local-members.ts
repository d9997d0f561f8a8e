/**
 * Local users in each room with their membership, cached in memory: every event written to a room
 * needs them (whom to wake, whose push rules to run), and rooms can be large. The cache of a room is
 * dropped when a membership in it changes (and when that change rolls back).
 */
import type { Db } from "../../storage/db";
import type { RoomRepo } from "../../storage/repos/rooms";

export interface LocalMembers {
  /** Local users whose membership is one of `memberships`, for a room number. */
  of(roomNid: number, memberships: readonly string[]): string[];
  /** A local user's membership in a room, or null. */
  membershipOf(roomNid: number, userId: string): string | null;
  /** Forget a room's cached members (call when a membership in it changes). */
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
    invalidate(roomNid) {
      cache.delete(roomNid);
      deps.db.onRollback(() => cache.delete(roomNid));
    },
  };
}
