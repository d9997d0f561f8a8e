/**
 * The published room directory (client-server "Room discovery"): a room's visibility in it, and
 * /publicRooms with its filter (search term on name, topic and canonical alias; room types),
 * pagination tokens and total count. Only this server's directory: another server's needs federation.
 */
import { MatrixError } from "../../core/errors";
import { canSendEvent } from "../../core/rooms";
import type { RoomSummaryRepo } from "../../storage/repos/room-summaries";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { RoomsService } from "../rooms/rooms-service";
import type { Actor } from "./aliases";
import { publishedRoomChunk, type RoomSummaries } from "./room-summaries";

export interface PublicRoomsQuery {
  limit?: number;
  since?: string;
  server?: string;
  filter?: { generic_search_term?: string; room_types?: (string | null)[] };
  include_all_networks?: boolean;
  third_party_instance_id?: string;
}

export interface PublicRoomsPage {
  chunk: Record<string, unknown>[];
  next_batch?: string;
  prev_batch?: string;
  total_room_count_estimate: number;
}

export interface PublishedRoomsService {
  visibility(roomId: string): { visibility: "public" | "private" };
  setVisibility(actor: Actor, roomId: string, visibility: "public" | "private"): void;
  publicRooms(q: PublicRoomsQuery): PublicRoomsPage;
}

export interface PublishedRoomsDeps {
  rooms: RoomRepo;
  roomsService: RoomsService;
  summaries: RoomSummaryRepo;
  roomSummaries: RoomSummaries;
  serverName: string;
}

/** Most rooms in one page, whatever the client asks for. */
export const MAX_PUBLIC_ROOMS_LIMIT = 500;
const DEFAULT_LIMIT = 100;

const token = (offset: number) => `o${offset}`;
function offsetOf(since: string): number {
  const m = /^o(\d{1,9})$/.exec(since);
  if (!m) throw MatrixError.invalidParam("Unknown pagination token");
  return Number(m[1]);
}

/** Lower case without diacritics, for case- and accent-insensitive matching. */
export function foldForSearch(s: string): string {
  return s.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase();
}

export function createPublishedRoomsService(deps: PublishedRoomsDeps): PublishedRoomsService {
  const { rooms } = deps;
  const roomOr404 = (roomId: string) => {
    const room = rooms.byId(roomId);
    if (!room || room.currentSnapshotNid === null) throw MatrixError.notFound("Room not found");
    return room;
  };

  return {
    visibility(roomId) {
      const room = roomOr404(roomId);
      return { visibility: room.isPublic ? "public" : "private" };
    },

    setVisibility(actor, roomId, visibility) {
      const room = roomOr404(roomId);
      if (!actor.isAdmin) {
        const joined = rooms.membership(room.roomNid, actor.userId)?.membership === "join";
        if (!joined) throw MatrixError.forbidden("You must be joined to the room to change its directory visibility");
        if (!canSendEvent(deps.roomsService.powerOf(room), actor.userId, "m.room.canonical_alias", true)) {
          throw MatrixError.forbidden(
            "You need the power level to change the room's canonical alias to change its directory visibility",
          );
        }
      }
      if (visibility === "public" && room.isBlocked) {
        throw MatrixError.forbidden("This room has been blocked on this server");
      }
      rooms.setPublic(room.roomNid, visibility === "public");
    },

    publicRooms(q) {
      if (q.server !== undefined && q.server !== deps.serverName) {
        throw new MatrixError(
          502,
          "M_UNKNOWN",
          `Listing the room directory of ${q.server} needs federation, which this server does not offer yet`,
        );
      }
      if (q.include_all_networks && q.third_party_instance_id !== undefined) {
        throw MatrixError.invalidParam("third_party_instance_id cannot be used with include_all_networks");
      }
      const limit = Math.min(q.limit ?? DEFAULT_LIMIT, MAX_PUBLIC_ROOMS_LIMIT);
      const offset = q.since !== undefined ? offsetOf(q.since) : 0;
      // No application services bridge third-party networks here: such a network lists no rooms.
      if (q.third_party_instance_id !== undefined) return { chunk: [], total_room_count_estimate: 0 };

      deps.roomSummaries.refreshAll();
      let listed = deps.summaries.published();
      const term = q.filter?.generic_search_term?.trim();
      if (term) {
        const needle = foldForSearch(term);
        listed = listed.filter(({ summary: s }) =>
          [s?.name, s?.topic, s?.canonicalAlias].some((v) => v != null && foldForSearch(v).includes(needle)),
        );
      }
      const types = q.filter?.room_types;
      if (types !== undefined && types.length > 0) {
        const wanted = new Set(types);
        listed = listed.filter(({ summary: s }) => wanted.has(s?.roomType ?? null));
      }
      const page = listed.slice(offset, offset + limit);
      const out: PublicRoomsPage = {
        chunk: page.map((r) => publishedRoomChunk(r.roomId, r.summary!)),
        total_room_count_estimate: listed.length,
      };
      if (offset + limit < listed.length) out.next_batch = token(offset + limit);
      if (offset > 0) out.prev_batch = token(Math.max(0, offset - limit));
      return out;
    },
  };
}
