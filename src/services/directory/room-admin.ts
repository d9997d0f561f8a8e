/**
 * Room administration for server admins (the Synapse-compatible admin API and `homeserver room`):
 * list rooms, show one, its members and state, block it, and delete it: local members leave (and,
 * when asked, move to a new room that explains why), local aliases are removed (or moved), the room
 * leaves the directory, is blocked when asked, and its history is purged from the database.
 */
import { MatrixError } from "../../core/errors";
import type { RoomAdminRepo } from "../../storage/repos/room-admin";
import type { RoomListing, RoomListOrder, RoomSummaryRepo } from "../../storage/repos/room-summaries";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { StateStore } from "../../storage/repos/state-store";
import type { Clock } from "../../util/clock";
import { type ClientEvent, toClientEvent as toClient } from "../rooms/client-event";
import type { EventStore } from "../rooms/event-store";
import type { RoomsService } from "../rooms/rooms-service";
import type { RoomWriter } from "../rooms/write/room-writer";
import type { RoomSummaries } from "./room-summaries";

export type { RoomListing, RoomListOrder };

export interface DeleteRoomOptions {
  /** A local user who creates a new room that the kicked users join, with `message` in it. */
  newRoomUserId?: string;
  roomName?: string;
  message?: string;
  /** Stop anyone on this server from joining the room again. */
  block: boolean;
  /** Delete the room's events and state from the database. */
  purge: boolean;
}

export interface DeleteRoomResult {
  kicked_users: string[];
  failed_to_kick_users: string[];
  local_aliases: string[];
  new_room_id: string | null;
}

export interface RoomAdminService {
  list(opts: { from: number; limit: number; orderBy: RoomListOrder; dir: "f" | "b"; search?: string }): {
    rooms: RoomListing[];
    total: number;
  };
  /** A room by ID or local alias, with its summary and the extra details of the admin API. */
  details(roomIdOrAlias: string): RoomListing & { topic: string | null; avatar: string | null; forgotten: boolean };
  /** Joined members. */
  members(roomId: string): string[];
  state(roomId: string): ClientEvent[];
  deleteRoom(admin: string, roomId: string, opts: DeleteRoomOptions): DeleteRoomResult;
  setBlocked(admin: string, roomId: string, block: boolean): void;
  blockStatus(roomId: string): { block: boolean; user_id?: string };
}

export interface RoomAdminDeps {
  rooms: RoomRepo;
  store: EventStore;
  state: StateStore;
  writer: RoomWriter;
  roomsService: RoomsService;
  summaries: RoomSummaryRepo;
  roomSummaries: RoomSummaries;
  repo: RoomAdminRepo;
  clock: Clock;
  serverName: string;
  /** True when a local, active account exists. */
  userExists(userId: string): boolean;
}

export const DEFAULT_NEW_ROOM_NAME = "Content Violation Notification";
export const DEFAULT_NEW_ROOM_MESSAGE =
  "Sharing illegal content on this server is not permitted and rooms in violation will be blocked.";

export function createRoomAdminService(deps: RoomAdminDeps): RoomAdminService {
  const { rooms, roomsService } = deps;
  const isLocal = (userId: string) => userId.slice(userId.indexOf(":") + 1) === deps.serverName;

  const roomOr404 = (roomIdOrAlias: string): RoomRow => {
    let roomId = roomIdOrAlias;
    if (roomIdOrAlias.startsWith("#")) {
      const a = rooms.alias(roomIdOrAlias);
      if (!a) throw MatrixError.notFound("Room not found");
      roomId = a.roomId;
    }
    const room = rooms.byId(roomId);
    if (!room) throw MatrixError.notFound("Room not found");
    return room;
  };

  const listingOf = (room: RoomRow): RoomListing => {
    deps.roomSummaries.of(room);
    return deps.summaries.listing(room.roomNid)!;
  };

  return {
    list(opts) {
      deps.roomSummaries.refreshAll();
      return deps.summaries.list(opts);
    },

    details(roomIdOrAlias) {
      const room = roomOr404(roomIdOrAlias);
      const listing = listingOf(room);
      const local = rooms.members(room.roomNid).filter((m) => isLocal(m.userId));
      return {
        ...listing,
        topic: listing.summary?.topic ?? null,
        avatar: listing.summary?.avatarUrl ?? null,
        // True when every local user who was in the room has forgotten it.
        forgotten: local.length > 0 && local.every((m) => m.forgotten),
      };
    },

    members(roomId) {
      const room = roomOr404(roomId);
      return rooms.members(room.roomNid, "join").map((m) => m.userId);
    },

    state(roomId) {
      const room = roomOr404(roomId);
      const ctx = roomsService.clientContext(room);
      const out: ClientEvent[] = [];
      for (const { eventNid } of deps.store.stateView(room.currentSnapshotNid).entries()) {
        const ev = deps.store.byNid(eventNid);
        if (ev) out.push(toClient(ev, ctx));
      }
      return out;
    },

    deleteRoom(admin, roomId, opts) {
      const room = roomOr404(roomId);
      if (opts.newRoomUserId !== undefined && (!isLocal(opts.newRoomUserId) || !deps.userExists(opts.newRoomUserId))) {
        throw MatrixError.badJson(`new_room_user_id must be an existing user on this server: ${opts.newRoomUserId}`);
      }
      const leaving = rooms
        .members(room.roomNid)
        .filter((m) => isLocal(m.userId) && ["join", "invite", "knock"].includes(m.membership));

      let newRoomId: string | null = null;
      if (opts.newRoomUserId !== undefined && leaving.length > 0) {
        newRoomId = roomsService.createRoom(opts.newRoomUserId, {
          preset: "public_chat",
          name: opts.roomName ?? DEFAULT_NEW_ROOM_NAME,
          power_level_content_override: { users_default: -10 },
        }).room_id;
        deps.writer.createLocalEvent(newRoomId, {
          type: "m.room.message",
          sender: opts.newRoomUserId,
          content: { msgtype: "m.text", body: opts.message ?? DEFAULT_NEW_ROOM_MESSAGE },
        });
      }

      const kicked: string[] = [];
      const failed: string[] = [];
      for (const m of leaving) {
        try {
          roomsService.membership.leave(room.roomId, m.userId, {
            reason: "This room has been shut down by a server admin",
          });
          if (newRoomId !== null && m.membership === "join" && m.userId !== opts.newRoomUserId) {
            roomsService.membership.join(newRoomId, m.userId);
          }
          kicked.push(m.userId);
        } catch (e) {
          if (!(e instanceof MatrixError)) throw e;
          failed.push(m.userId);
        }
      }

      const aliases = rooms.aliasesOf(room.roomNid);
      const target = newRoomId !== null ? rooms.byId(newRoomId) : null;
      for (const alias of aliases) {
        if (target) deps.repo.moveAlias(alias, target.roomNid);
        else rooms.deleteAlias(alias);
      }
      rooms.setPublic(room.roomNid, false);
      if (opts.block) {
        rooms.setBlocked(room.roomNid, true);
        deps.repo.setBlock(room.roomId, admin, deps.clock.now());
      }
      if (opts.purge) {
        const purged = deps.repo.purgeRoom(room.roomNid, deps.clock.now());
        for (const nid of purged.eventNids) deps.store.invalidate(nid);
        deps.state.forget(purged.snapshotNids);
      }
      return { kicked_users: kicked, failed_to_kick_users: failed, local_aliases: aliases, new_room_id: newRoomId };
    },

    setBlocked(admin, roomId, block) {
      const room = roomOr404(roomId);
      rooms.setBlocked(room.roomNid, block);
      if (block) {
        deps.repo.setBlock(room.roomId, admin, deps.clock.now());
        rooms.setPublic(room.roomNid, false);
      } else deps.repo.clearBlock(room.roomId);
    },

    blockStatus(roomId) {
      const room = roomOr404(roomId);
      if (!room.isBlocked) return { block: false };
      const by = deps.repo.blockedBy(room.roomId);
      // Blocks made from the command line have no user.
      return by ? { block: true, user_id: by } : { block: true };
    },
  };
}
