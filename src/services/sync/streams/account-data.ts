/**
 * Account data in /sync: the global `account_data` and each room's (in `rooms.join`, and in
 * `rooms.leave` for a room left in this sync): what changed since the token, and everything for a
 * complete sync or a room synced in full.
 */
import type { AccountDataService } from "../../account-data/account-data-service";
import type { WireEvent } from "../response";
import type { StreamProvider } from "./types";

/**
 * `initialDefaults`: global account data the server supplies when the user has stored none of that
 * type (m.push_rules: the server-default push rules), sent in initial syncs.
 */
export function createAccountDataProvider(
  accountData: AccountDataService,
  initialDefaults?: (userId: string) => { type: string; content: Record<string, unknown> }[],
): StreamProvider {
  return {
    name: "accountData",
    positions: () => ({ accountData: accountData.currentPosition() }),
    sync(pass) {
      const { userId, filter } = pass.req;
      const since = pass.req.since?.accountData ?? 0;
      const to = pass.to.accountData;
      if (pass.req.since && since >= to && pass.completeRooms.size === 0) return;
      const changes = accountData.changesSince(userId, since).filter((c) => c.streamPos <= to);
      if (since > 0 && pass.completeRooms.size > 0) {
        // Rooms synced in full get all their account data, not only what changed.
        const seen = new Set(changes.map((c) => `${c.roomId}\u0000${c.type}`));
        for (const c of accountData.changesSince(userId, 0)) {
          if (c.roomId !== null && pass.completeRooms.has(c.roomId) && c.streamPos <= to) {
            if (!seen.has(`${c.roomId}\u0000${c.type}`)) changes.push(c);
          }
        }
      }
      const global: WireEvent[] = [];
      const perRoom = new Map<string, WireEvent[]>();
      for (const c of changes) {
        const ev = { type: c.type, content: JSON.parse(c.contentJson) as Record<string, unknown> };
        if (c.roomId === null) {
          if (filter.accountData.matches({ type: c.type })) global.push(ev);
          continue;
        }
        const rf = filter.room.accountData;
        if (!filter.room.includesRoom(c.roomId) || !rf.matchesRoom(c.roomId) || !rf.matches({ type: c.type })) continue;
        const list = perRoom.get(c.roomId) ?? [];
        list.push(ev);
        perRoom.set(c.roomId, list);
      }
      if (pass.req.since === null && initialDefaults) {
        for (const ev of initialDefaults(userId)) {
          const stored = changes.some((c) => c.roomId === null && c.type === ev.type);
          if (!stored && filter.accountData.matches({ type: ev.type })) global.push(ev);
        }
      }
      const limitTo = (list: WireEvent[], limit: number | undefined) =>
        limit === undefined ? list : list.slice(Math.max(0, list.length - limit));
      pass.response.account_data.events.push(...limitTo(global, filter.accountData.limit));
      for (const [roomId, list] of perRoom) {
        const events = limitTo(list, filter.room.accountData.limit);
        if (pass.joinedRooms.has(roomId)) pass.joined(roomId).account_data.events.push(...events);
        else pass.response.rooms.leave[roomId]?.account_data.events.push(...events);
      }
    },
  };
}
