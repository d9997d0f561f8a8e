/**
 * Room aliases (client-server "Room aliases"): create, resolve and delete local aliases, list a room's
 * local aliases, and check the aliases a client puts in m.room.canonical_alias. Aliases on other
 * servers would be resolved over federation, which this server does not offer yet: they are unknown
 * here (404) and cannot be verified in a canonical alias (M_BAD_ALIAS).
 */
import { MatrixError } from "../../core/errors";
import { aliasServerName, parseRoomAlias, type RoomAlias } from "../../core/ids";
import { canSendEvent } from "../../core/rooms";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import type { RoomsService } from "../rooms/rooms-service";

/** Who is asking (the parts of a Requester that matter here). */
export interface Actor {
  userId: string;
  isAdmin: boolean;
}

export interface AliasService {
  /** PUT /directory/room/{roomAlias}. */
  setAlias(actor: Actor, alias: RoomAlias, roomId: string): void;
  /** GET /directory/room/{roomAlias}. */
  resolveAlias(alias: RoomAlias): { room_id: string; servers: string[] };
  /** DELETE /directory/room/{roomAlias}. */
  deleteAlias(actor: Actor, alias: RoomAlias): void;
  /** GET /rooms/{roomId}/aliases. */
  localAliases(actor: Actor, roomId: string): string[];
  /**
   * Checks the aliases of an m.room.canonical_alias content a client sends: well-formed (else
   * M_INVALID_PARAM), and each alias that was not already in the room's event points to this room
   * (else M_BAD_ALIAS).
   */
  validateCanonicalAlias(roomId: string, content: Record<string, unknown>): void;
}

export interface AliasDeps {
  rooms: RoomRepo;
  roomsService: RoomsService;
  serverName: string;
  clock: Clock;
  currentState(room: RoomRow, type: string): Record<string, unknown> | undefined;
}

const badAlias = (alias: string, why: string) => new MatrixError(400, "M_BAD_ALIAS", `The alias ${alias} ${why}`);

/** The aliases of a canonical alias content: `alias` (when set) and `alt_aliases`; bad shapes throw. */
function aliasesIn(content: Record<string, unknown>): string[] {
  const out: string[] = [];
  const alias = content.alias;
  if (alias !== undefined && alias !== null && alias !== "") {
    if (typeof alias !== "string" || !parseRoomAlias(alias)) {
      throw MatrixError.invalidParam(`alias is not a valid room alias: ${JSON.stringify(alias).slice(0, 300)}`);
    }
    out.push(alias);
  }
  const alt = content.alt_aliases;
  if (alt !== undefined) {
    if (!Array.isArray(alt)) throw MatrixError.invalidParam("alt_aliases must be a list of room aliases");
    for (const a of alt) {
      if (typeof a !== "string" || !parseRoomAlias(a)) {
        throw MatrixError.invalidParam(`alt_aliases holds an invalid room alias: ${JSON.stringify(a).slice(0, 300)}`);
      }
      out.push(a);
    }
  }
  return out;
}

/** The aliases of a stored canonical alias event, leniently (never throws). */
function storedAliases(content: Record<string, unknown> | undefined): Set<string> {
  const out = new Set<string>();
  if (!content) return out;
  if (typeof content.alias === "string") out.add(content.alias);
  if (Array.isArray(content.alt_aliases)) for (const a of content.alt_aliases) if (typeof a === "string") out.add(a);
  return out;
}

export function createAliasService(deps: AliasDeps): AliasService {
  const { rooms, roomsService, serverName } = deps;
  const isLocal = (alias: RoomAlias) => aliasServerName(alias) === serverName;

  const roomOr404 = (roomId: string) => {
    const room = rooms.byId(roomId);
    if (!room) throw MatrixError.notFound("Room not found");
    return room;
  };
  const isJoined = (room: RoomRow, userId: string) => rooms.membership(room.roomNid, userId)?.membership === "join";
  const canEditCanonicalAlias = (room: RoomRow, userId: string) =>
    isJoined(room, userId) && canSendEvent(roomsService.powerOf(room), userId, "m.room.canonical_alias", true);

  /** Removes a deleted alias from the room's canonical alias event, as the actor, when they may. */
  const dropFromCanonicalAlias = (room: RoomRow, actor: Actor, alias: string) => {
    const content = deps.currentState(room, "m.room.canonical_alias");
    if (!content || !storedAliases(content).has(alias)) return;
    const next: Record<string, unknown> = { ...content };
    if (next.alias === alias) delete next.alias;
    if (Array.isArray(next.alt_aliases)) next.alt_aliases = next.alt_aliases.filter((a) => a !== alias);
    try {
      roomsService.setState({ userId: actor.userId, deviceId: "" }, room.roomId, "m.room.canonical_alias", "", next);
    } catch (e) {
      // The spec: delete the alias and succeed even when the user may not update the event.
      if (!(e instanceof MatrixError)) throw e;
    }
  };

  return {
    setAlias(actor, alias, roomId) {
      if (!isLocal(alias)) throw MatrixError.invalidParam(`Room aliases must be on this server (${serverName})`);
      const room = roomOr404(roomId);
      if (room.isBlocked) throw MatrixError.forbidden("This room has been blocked on this server");
      if (room.currentSnapshotNid === null) throw MatrixError.notFound("Room not found");
      if (!actor.isAdmin && !isJoined(room, actor.userId)) {
        throw MatrixError.forbidden("You must be joined to the room to give it an alias");
      }
      if (rooms.insertAlias(alias, room.roomNid, actor.userId, deps.clock.now()) === "exists") {
        throw new MatrixError(409, "M_UNKNOWN", `Room alias ${alias} already exists`);
      }
    },

    resolveAlias(alias) {
      if (!isLocal(alias)) {
        throw MatrixError.notFound(
          `Room alias ${alias} is on another server; resolving it needs federation, which this server does not offer yet`,
        );
      }
      const found = rooms.alias(alias);
      if (!found) throw MatrixError.notFound(`Room alias ${alias} not found`);
      const servers = new Set<string>([serverName]);
      for (const m of rooms.members(found.roomNid, "join")) servers.add(m.userId.slice(m.userId.indexOf(":") + 1));
      return { room_id: found.roomId, servers: [...servers] };
    },

    deleteAlias(actor, alias) {
      const found = isLocal(alias) ? rooms.alias(alias) : null;
      if (!found) throw MatrixError.notFound(`Room alias ${alias} not found`);
      const room = rooms.byNid(found.roomNid)!;
      const allowed = found.creator === actor.userId || actor.isAdmin || canEditCanonicalAlias(room, actor.userId);
      if (!allowed) {
        throw MatrixError.forbidden(
          "Only the alias's creator, a room member with the power to change the canonical alias, or a server admin may delete it",
        );
      }
      rooms.deleteAlias(alias);
      dropFromCanonicalAlias(room, actor, alias);
    },

    localAliases(actor, roomId) {
      const room = rooms.byId(roomId);
      if (!room) {
        if (actor.isAdmin) throw MatrixError.notFound("Room not found");
        throw MatrixError.forbidden("You are not a member of the room");
      }
      const worldReadable =
        deps.currentState(room, "m.room.history_visibility")?.history_visibility === "world_readable";
      if (!actor.isAdmin && !worldReadable && !isJoined(room, actor.userId)) {
        throw MatrixError.forbidden("You are not a member of the room");
      }
      return rooms.aliasesOf(room.roomNid);
    },

    validateCanonicalAlias(roomId, content) {
      const wanted = aliasesIn(content);
      const room = roomOr404(roomId);
      const before = storedAliases(deps.currentState(room, "m.room.canonical_alias"));
      for (const a of wanted) {
        if (before.has(a)) continue;
        const alias = a as RoomAlias;
        if (!isLocal(alias)) {
          throw badAlias(alias, "is on another server and cannot be checked without federation");
        }
        if (rooms.alias(alias)?.roomId !== roomId) throw badAlias(alias, "does not point to this room");
      }
    },
  };
}
