/**
 * Spaces and room previews: the space hierarchy, and room summaries (GET /room_summary, client-server
 * v1.15, MSC3266) for rooms the user may see without joining. Only rooms this server knows: remote
 * rooms and aliases need federation.
 */
import { MatrixError } from "../../core/errors";
import { aliasServerName, parseRoomAlias, parseRoomId } from "../../core/ids";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import { type RoomSummaries, roomSummaryJson } from "../directory/room-summaries";
import type { EventStore } from "../rooms/event-store";
import { createHierarchy, type HierarchyPage, type HierarchyRequest } from "./hierarchy";
import { canPeekRoom } from "./room-access";

export interface SpacesService {
  hierarchy(userId: string, roomId: string, req: HierarchyRequest): HierarchyPage;
  /** The summary of a room the user (or, with null, anyone) may see; 404 otherwise. */
  roomSummary(userId: string | null, roomIdOrAlias: string): Record<string, unknown>;
}

export interface SpacesDeps {
  rooms: RoomRepo;
  store: EventStore;
  roomSummaries: RoomSummaries;
  clock: Clock;
  serverName: string;
}

export function createSpacesService(deps: SpacesDeps): SpacesService {
  const hierarchy = createHierarchy(deps);
  const { rooms } = deps;

  return {
    hierarchy: (userId, roomId, req) => hierarchy.get(userId, roomId, req),
    roomSummary(userId, roomIdOrAlias) {
      const notFound = () => MatrixError.notFound("Room not found");
      let roomId: string;
      if (roomIdOrAlias.startsWith("#")) {
        const alias = parseRoomAlias(roomIdOrAlias);
        if (!alias) throw MatrixError.invalidParam("Invalid room alias");
        if (aliasServerName(alias) !== deps.serverName) {
          throw MatrixError.notFound(
            "The alias is on another server; looking it up needs federation, which this server does not offer yet",
          );
        }
        const found = rooms.alias(alias);
        if (!found) throw notFound();
        roomId = found.roomId;
      } else {
        if (!parseRoomId(roomIdOrAlias)) throw MatrixError.invalidParam("Invalid room ID or alias");
        roomId = roomIdOrAlias;
      }
      const room = rooms.byId(roomId);
      const summary = room ? deps.roomSummaries.of(room) : null;
      if (!room || !summary || !canPeekRoom(deps, userId, room, summary)) throw notFound();
      const out = roomSummaryJson(room, summary);
      if (userId !== null) out.membership = rooms.membership(room.roomNid, userId)?.membership ?? "leave";
      return out;
    },
  };
}
