/**
 * Membership changes by local users: join (by ID or alias), invite, leave, kick, ban, unban, knock,
 * forget. Each is one m.room.member event through the write path, so the authorization rules decide
 * (a banned user cannot rejoin, a user without power cannot kick, ...).
 */
import { MatrixError } from "../../core/errors";
import { parseUserId, type UserId, userServerName } from "../../core/ids";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { EventStore, LoadedEvent } from "./event-store";
import type { RoomWriter } from "./write/room-writer";

export interface MembershipDeps {
  rooms: RoomRepo;
  store: EventStore;
  writer: RoomWriter;
  serverName: string;
  profileOf(userId: string): { displayname?: string; avatar_url?: string };
  /** For restricted rooms: picks a joined local user who can invite, to authorise a join. */
  restrictedJoinAuthoriser?(roomId: string, userId: string): string | null;
}

export interface MembershipService {
  join(roomId: string, userId: string, opts?: { reason?: string }): LoadedEvent;
  invite(roomId: string, sender: string, target: string, opts?: { reason?: string; isDirect?: boolean }): LoadedEvent;
  leave(roomId: string, userId: string, opts?: { reason?: string }): LoadedEvent;
  kick(roomId: string, sender: string, target: string, reason?: string): LoadedEvent;
  ban(roomId: string, sender: string, target: string, reason?: string): LoadedEvent;
  unban(roomId: string, sender: string, target: string, reason?: string): LoadedEvent;
  knock(roomId: string, userId: string, reason?: string): LoadedEvent;
  forget(roomId: string, userId: string): void;
  /** Re-sends the user's member event in every room they are joined to (profile change). */
  refreshProfile(userId: string): void;
  /** Leaves (or rejects) every room the user is in, invited to or knocking on (account deactivation). */
  leaveAll(userId: string): void;
}

const withReason = (c: Record<string, unknown>, reason?: string) => (reason !== undefined ? { ...c, reason } : c);

export function createMembershipService(deps: MembershipDeps): MembershipService {
  const { rooms, store, writer } = deps;

  const roomOrNotFound = (roomId: string) => {
    const room = rooms.byId(roomId);
    if (!room) throw MatrixError.notFound("Unknown room");
    return room;
  };

  const currentMember = (roomId: string, userId: string): LoadedEvent | null => {
    const room = roomOrNotFound(roomId);
    const m = rooms.membership(room.roomNid, userId);
    return m ? store.byNid(m.eventNid) : null;
  };

  const membershipOf = (roomId: string, userId: string): string => {
    const room = roomOrNotFound(roomId);
    return rooms.membership(room.roomNid, userId)?.membership ?? "leave";
  };

  const requireTarget = (target: string): UserId => {
    const u = parseUserId(target);
    if (!u) throw MatrixError.invalidParam(`Invalid user ID: ${target}`);
    return u;
  };

  const profile = (userId: string) => {
    const p = deps.profileOf(userId);
    const c: Record<string, unknown> = {};
    if (p.displayname !== undefined) c.displayname = p.displayname;
    if (p.avatar_url !== undefined) c.avatar_url = p.avatar_url;
    return c;
  };

  const setMembership = (roomId: string, sender: string, target: string, content: Record<string, unknown>) =>
    writer.createLocalEvent(roomId, { type: "m.room.member", stateKey: target, sender, content });

  return {
    join(roomId, userId, opts = {}) {
      const room = roomOrNotFound(roomId);
      if (room.isBlocked) throw MatrixError.forbidden("This room has been blocked on this server");
      const content: Record<string, unknown> = withReason({ membership: "join", ...profile(userId) }, opts.reason);
      const current = membershipOf(roomId, userId);
      if (current !== "join" && current !== "invite") {
        // Restricted rooms: a joined local user who can invite vouches for the join.
        const authoriser = deps.restrictedJoinAuthoriser?.(roomId, userId);
        if (authoriser) content.join_authorised_via_users_server = authoriser;
      }
      return setMembership(roomId, userId, userId, content);
    },
    invite(roomId, sender, target, opts = {}) {
      const t = requireTarget(target);
      if (userServerName(t) !== deps.serverName) {
        throw MatrixError.forbidden(
          "Inviting users on other servers needs federation, which this server does not offer yet",
        );
      }
      const current = membershipOf(roomId, t);
      if (current === "join") throw MatrixError.forbidden(`${t} is already in the room`);
      if (current === "ban") throw MatrixError.forbidden(`${t} is banned from the room`);
      const content: Record<string, unknown> = withReason({ membership: "invite", ...profile(t) }, opts.reason);
      if (opts.isDirect) content.is_direct = true;
      return setMembership(roomId, sender, t, content);
    },
    leave(roomId, userId, opts = {}) {
      const current = membershipOf(roomId, userId);
      if (current === "leave" || current === "ban") {
        throw MatrixError.forbidden("You are not in this room");
      }
      return setMembership(roomId, userId, userId, withReason({ membership: "leave" }, opts.reason));
    },
    kick(roomId, sender, target, reason) {
      const t = requireTarget(target);
      const current = membershipOf(roomId, t);
      if (current !== "join" && current !== "invite" && current !== "knock") {
        throw MatrixError.forbidden(`${t} is not in the room`);
      }
      return setMembership(roomId, sender, t, withReason({ membership: "leave" }, reason));
    },
    ban(roomId, sender, target, reason) {
      const t = requireTarget(target);
      return setMembership(roomId, sender, t, withReason({ membership: "ban" }, reason));
    },
    unban(roomId, sender, target, reason) {
      const t = requireTarget(target);
      if (membershipOf(roomId, t) !== "ban") throw MatrixError.forbidden(`${t} is not banned`);
      return setMembership(roomId, sender, t, withReason({ membership: "leave" }, reason));
    },
    knock(roomId, userId, reason) {
      const current = membershipOf(roomId, userId);
      if (current === "join") throw MatrixError.forbidden("You are already in the room");
      if (current === "ban") throw MatrixError.forbidden("You are banned from the room");
      return setMembership(roomId, userId, userId, withReason({ membership: "knock", ...profile(userId) }, reason));
    },
    forget(roomId, userId) {
      const room = roomOrNotFound(roomId);
      const m = rooms.membership(room.roomNid, userId);
      if (m && m.membership !== "leave" && m.membership !== "ban") {
        throw new MatrixError(400, "M_UNKNOWN", "You must leave the room before forgetting it");
      }
      if (m) rooms.setForgotten(room.roomNid, userId);
    },
    leaveAll(userId) {
      for (const m of rooms.roomsOfUser(userId, ["join", "invite", "knock"])) {
        try {
          setMembership(m.roomId, userId, userId, { membership: "leave" });
        } catch {
          // Nothing more can be done for a room whose rules refuse the leave.
        }
      }
    },
    refreshProfile(userId) {
      for (const m of rooms.roomsOfUser(userId, ["join"])) {
        const current = currentMember(m.roomId, userId);
        const base = current ? { ...current.event.content } : {};
        delete base.displayname;
        delete base.avatar_url;
        delete base.reason;
        delete base.join_authorised_via_users_server;
        const content = { ...base, membership: "join", ...profile(userId) };
        try {
          setMembership(m.roomId, userId, userId, content);
        } catch {
          // A room whose rules refuse the change (e.g. power levels) keeps the old member event.
        }
      }
    },
  };
}
