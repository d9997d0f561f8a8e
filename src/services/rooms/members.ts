/**
 * GET /rooms/{roomId}/members (the m.room.member events: now, at a pagination token, or as they were
 * when the user left; filtered by membership / not_membership) and GET /rooms/{roomId}/joined_members
 * (display names and avatars of the joined members).
 */
import { MatrixError } from "../../core/errors";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { ClientEvent } from "./client-event";
import { toClientEvent } from "./client-event";
import type { ReadDeps } from "./messages";
import { comparePositions, parsePaginationToken } from "./pagination-token";
import type { Viewer } from "./rooms-service";

export type Membership = "join" | "invite" | "knock" | "leave" | "ban";

export interface MembersRequest {
  at?: string;
  membership?: Membership;
  notMembership?: Membership;
}

/** The spec's rule: with both parameters, a member is kept when it IS `membership` OR is NOT `notMembership`. */
export function keepMembership(m: string, req: Pick<MembersRequest, "membership" | "notMembership">): boolean {
  const { membership, notMembership } = req;
  if (membership !== undefined && notMembership !== undefined) return m === membership || m !== notMembership;
  if (membership !== undefined) return m === membership;
  if (notMembership !== undefined) return m !== notMembership;
  return true;
}

export function getMembers(
  deps: ReadDeps,
  viewer: Viewer,
  roomId: string,
  req: MembersRequest,
): { chunk: ClientEvent[] } {
  const at = req.at !== undefined ? parsePaginationToken(req.at, "at token") : null;
  const a = deps.timeline.access(roomId, viewer.userId);
  // Members are for members: joined, or joined once and left since (then: as it was when they left).
  if (!(a.current === "join" || a.effective === "join" || a.worldReadable)) {
    throw MatrixError.forbidden("You aren't a member of the room and weren't previously a member of the room");
  }
  let snapshot = a.room.currentSnapshotNid;
  let pos = at ? deps.timeline.positionOf(a, at) : null;
  if (a.upTo && (!pos || comparePositions(pos, a.upTo) > 0)) pos = a.upTo;
  if (pos) {
    const ev = deps.history.page(a.room.roomNid, pos, "b", 1, {})[0];
    snapshot = ev ? ev.stateAfterNid : null;
  }
  const ctx = deps.clientContext(a.room, viewer);
  const chunk: ClientEvent[] = [];
  for (const ev of deps.store.stateEventsOfType(snapshot, "m.room.member")) {
    const m = typeof ev.event.content.membership === "string" ? ev.event.content.membership : "";
    if (keepMembership(m, req)) chunk.push(toClientEvent(ev, ctx));
  }
  return { chunk };
}

export function getJoinedMembers(
  deps: ReadDeps & { rooms: RoomRepo },
  viewer: Viewer,
  roomId: string,
): { joined: Record<string, { display_name?: string; avatar_url?: string }> } {
  const room = deps.rooms.byId(roomId);
  if (!room) throw MatrixError.notFound("Unknown room");
  if (deps.rooms.membership(room.roomNid, viewer.userId)?.membership !== "join") {
    throw MatrixError.forbidden("You aren't a member of the room");
  }
  const joined: Record<string, { display_name?: string; avatar_url?: string }> = {};
  for (const m of deps.rooms.members(room.roomNid, "join")) {
    const content = deps.store.byNid(m.eventNid)?.event.content ?? {};
    joined[m.userId] = {
      ...(typeof content.displayname === "string" ? { display_name: content.displayname } : {}),
      ...(typeof content.avatar_url === "string" ? { avatar_url: content.avatar_url } : {}),
    };
  }
  return { joined };
}
