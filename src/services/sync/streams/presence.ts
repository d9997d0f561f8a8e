/**
 * Presence in /sync: m.presence events for the user and the users they share a joined room with.
 * A complete sync gets everyone known; an incremental one gets the changes since the token, plus
 * everyone in rooms synced in full (a newly joined room's members) and whoever joined one of the
 * user's rooms in this sync's timelines. Nothing when presence is off.
 */
import type { SyncRepo } from "../../../storage/repos/sync";
import type { PresenceService } from "../../ephemeral/presence";
import type { StreamProvider } from "./types";

export function createPresenceProvider(
  presence: PresenceService,
  sync: SyncRepo,
  localMembersOf: (roomNid: number) => string[],
): StreamProvider {
  return {
    name: "presence",
    positions: () => ({ presence: presence.position() }),
    sync(pass) {
      if (!presence.enabled) return;
      const { userId, filter } = pass.req;
      const since = pass.req.since?.presence ?? null;
      // Someone who just joined one of the user's rooms: their presence comes along, changed or not.
      const joiners = new Set<string>();
      if (since !== null) {
        for (const room of Object.values(pass.response.rooms.join)) {
          for (const e of room.timeline.events) {
            const content = e.content as Record<string, unknown> | undefined;
            if (e.type === "m.room.member" && content?.membership === "join" && typeof e.state_key === "string") {
              joiners.add(e.state_key);
            }
          }
        }
      }
      if (since !== null && since >= pass.to.presence && pass.completeRooms.size === 0 && joiners.size === 0) return;
      const users = new Set<string>();
      if (since === null) {
        const mates = new Set(sync.roomMatesOf(userId));
        mates.add(userId);
        for (const k of presence.known()) if (mates.has(k.userId) && k.pos <= pass.to.presence) users.add(k.userId);
      } else {
        const changed = presence.changedIn(since, pass.to.presence);
        // Many changes: one query for everyone sharing a room beats one query per changed user.
        const mates = changed.length > 8 ? new Set(sync.roomMatesOf(userId)) : null;
        for (const c of changed) {
          if (c.userId === userId || (mates ? mates.has(c.userId) : sync.shareARoom(userId, c.userId))) {
            users.add(c.userId);
          }
        }
        if (joiners.size > 0) {
          const known = new Set(presence.known().map((k) => k.userId));
          for (const u of joiners) if (known.has(u)) users.add(u);
        }
        if (pass.completeRooms.size > 0) {
          const known = new Set(presence.known().map((k) => k.userId));
          for (const roomId of pass.completeRooms) {
            const room = pass.joinedRooms.get(roomId);
            if (!room) continue;
            for (const u of localMembersOf(room.roomNid)) if (known.has(u)) users.add(u);
          }
        }
      }
      const events = [];
      for (const u of users) {
        if (pass.ignored.has(u) || !filter.presence.matches({ type: "m.presence", sender: u })) continue;
        events.push({ type: "m.presence", sender: u, content: presence.presenceOf(u) });
      }
      const limit = filter.presence.limit;
      pass.response.presence.events.push(...(limit === undefined ? events : events.slice(0, limit)));
    },
  };
}
