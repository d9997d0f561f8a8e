/**
 * Whether a user may learn about a room without being in it (the space hierarchy and room summaries,
 * client-server "Spaces"): members and invitees; rooms anyone may join or knock on; restricted rooms
 * when the user is joined to one of the allowed rooms; rooms with world-readable history. A banned
 * user sees nothing. Without a user (an unauthenticated summary), only public, knockable and
 * world-readable rooms.
 */
import { isKnockJoinRule, isRestrictedJoinRule } from "../../core/rooms";
import type { RoomSummary } from "../../storage/repos/room-summaries";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { EventStore } from "../rooms/event-store";

export function canPeekRoom(
  deps: { rooms: RoomRepo; store: EventStore },
  userId: string | null,
  room: RoomRow,
  s: RoomSummary,
): boolean {
  const rules = deps.store.rulesOf(room);
  const membership = userId ? deps.rooms.membership(room.roomNid, userId)?.membership : undefined;
  if (membership === "join" || membership === "invite") return true;
  if (membership === "ban") return false;
  if (s.historyVisibility === "world_readable") return true;
  if (s.joinRule === "public" || isKnockJoinRule(rules, s.joinRule)) return true;
  if (userId !== null && isRestrictedJoinRule(rules, s.joinRule)) {
    return s.allowedRoomIds.some((id) => {
      const allowed = deps.rooms.byId(id);
      return allowed !== null && deps.rooms.membership(allowed.roomNid, userId)?.membership === "join";
    });
  }
  return false;
}
