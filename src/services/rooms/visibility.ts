/**
 * History visibility (client-server API "Room History Visibility"): whether a user may see an event,
 * from the m.room.history_visibility in effect at the event and the user's membership then and now.
 */
import { readHistoryVisibility } from "../../core/rooms";
import type { EventStore, LoadedEvent } from "./event-store";

export interface Visibility {
  /** True when `userId` may see `ev`; `currentMembership` is the user's membership now. */
  canSee(userId: string, ev: LoadedEvent, currentMembership: string | null): boolean;
}

export function createVisibility(store: EventStore): Visibility {
  return {
    canSee(userId, ev, currentMembership) {
      const before = store.stateView(ev.stored.stateBeforeNid);
      // A user's own membership event is visible to them (their join, invite, kick...).
      if (ev.event.type === "m.room.member" && ev.event.stateKey === userId) return true;
      const vis = readHistoryVisibility(before.get("m.room.history_visibility", "")?.content);
      if (vis === "world_readable") return true;
      const memberAt = before.get("m.room.member", userId)?.content.membership;
      if (memberAt === "join") return true;
      if (vis === "shared" && currentMembership === "join") return true;
      if ((vis === "shared" || vis === "invited") && memberAt === "invite") return true;
      return false;
    },
  };
}
