/**
 * History visibility (client-server API, "Room History Visibility", server behaviour): whether a user
 * may see an event, from the m.room.history_visibility in effect at the event and the user's
 * membership then and later.
 *   1. world_readable: allow.  2. membership at the event was join: allow.
 *   3. shared, and the user joined the room at any point after the event: allow.
 *   4. membership at the event was invite and visibility invited: allow.  5. Otherwise deny.
 * m.room.history_visibility events are visible when the setting before or after allows. The user's
 * own m.room.member events are always visible to them (the spec allows them when the membership
 * before or after allows; like Synapse we also show their invites and the leave that rejects one,
 * which reveal nothing they were not told).
 */
import { type HistoryVisibility, readHistoryVisibility } from "../../core/rooms";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { EventStore, LoadedEvent } from "./event-store";

export interface Visibility {
  /**
   * True when `userId` may see `ev`. `currentMembership` is the user's membership now; "join" stands
   * for "joined after the event" (callers that bound a departed user's history pass "join" for the
   * events before the leave).
   */
  canSee(userId: string, ev: LoadedEvent, currentMembership: string | null): boolean;
  /** True when anybody may see `ev` (world-readable then), whatever their membership. */
  canSeeAsStranger(ev: LoadedEvent): boolean;
}

export function createVisibility(store: EventStore, rooms: Pick<RoomRepo, "lastJoinStream">): Visibility {
  const worldReadable = (ev: LoadedEvent) => {
    const before = readHistoryVisibility(
      store.stateView(ev.stored.stateBeforeNid).get("m.room.history_visibility", "")?.content,
    );
    if (before === "world_readable") return true;
    return (
      ev.event.type === "m.room.history_visibility" &&
      ev.event.stateKey === "" &&
      readHistoryVisibility(ev.event.content) === "world_readable"
    );
  };
  return {
    canSeeAsStranger: worldReadable,
    canSee(userId, ev, currentMembership) {
      if (ev.event.type === "m.room.member" && ev.event.stateKey === userId) return true;
      const before = store.stateView(ev.stored.stateBeforeNid);
      const visBefore = readHistoryVisibility(before.get("m.room.history_visibility", "")?.content);
      const memberBefore = before.get("m.room.member", userId)?.content.membership;
      let joinedAfter: boolean | null = currentMembership === "join" ? true : null;
      const joinedLater = () => {
        if (joinedAfter === null) {
          const last = rooms.lastJoinStream(ev.stored.roomNid, userId);
          joinedAfter = last !== null && ev.stored.streamOrdering !== null && last > ev.stored.streamOrdering;
        }
        return joinedAfter;
      };
      const allowed = (vis: HistoryVisibility, membership: unknown) =>
        vis === "world_readable" ||
        membership === "join" ||
        (vis === "shared" && joinedLater()) ||
        (vis === "invited" && membership === "invite");

      if (allowed(visBefore, memberBefore)) return true;
      if (ev.event.type === "m.room.history_visibility" && ev.event.stateKey === "") {
        return allowed(readHistoryVisibility(ev.event.content), memberBefore);
      }
      return false;
    },
  };
}
