/**
 * Typing in /sync: an m.typing event in a joined room's `ephemeral` when its typing list changed
 * since the token (or, for rooms synced in full, when someone types). Ignored users are left out.
 */
import type { TypingService } from "../../ephemeral/typing";
import type { StreamProvider } from "./types";

export function createTypingProvider(typing: TypingService): StreamProvider {
  return {
    name: "typing",
    positions: () => ({ typing: typing.position() }),
    sync(pass) {
      const filter = pass.req.filter.room.ephemeral;
      if (!filter.matches({ type: "m.typing" })) return;
      const since = pass.req.since?.typing ?? null;
      if (since !== null && since >= pass.to.typing && pass.completeRooms.size === 0) return;
      for (const roomId of pass.joinedRooms.keys()) {
        if (!filter.matchesRoom(roomId)) continue;
        const { userIds, pos } = typing.typingIn(roomId);
        const full = since === null || pass.completeRooms.has(roomId);
        if (full ? userIds.length === 0 : pos <= since || pos > pass.to.typing) continue;
        const events = pass.joined(roomId).ephemeral.events;
        if (filter.limit !== undefined && events.length >= filter.limit) continue;
        events.push({ type: "m.typing", content: { user_ids: userIds.filter((u) => !pass.ignored.has(u)) } });
      }
    },
  };
}
