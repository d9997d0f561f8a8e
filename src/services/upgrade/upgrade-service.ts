/**
 * Room upgrades (client-server "Room Upgrades", server behaviour): in one transaction,
 *  1. check the user may send m.room.tombstone in the old room;
 *  2. create the new room: m.room.create with `predecessor` and the old room's `type` (and, for room
 *     versions with privileged creators, the `additional_creators` asked for: they are not copied);
 *  3. copy the power levels (the upgrader raised to the highest level the copy needs, restored at the
 *     end; creators of a v12+ room left out of `users`), join rules, history visibility, guest
 *     access, name, topic, avatar, encryption, server ACLs, space children and parents, and bans;
 *  4. move the local aliases and the canonical alias, and the room directory listing;
 *  5. send the tombstone to the old room;
 *  6. raise the old room's `events_default` and `invite` to max(50, users_default + 1).
 */
import { MatrixError } from "../../core/errors";
import { parseUserId } from "../../core/ids";
import {
  CREATOR_POWER_LEVEL,
  canSendEvent,
  type PowerLevels,
  readPowerLevels,
  roomVersion,
  userPowerLevel,
} from "../../core/rooms";
import type { Db } from "../../storage/db";
import type { EventRepo } from "../../storage/repos/events";
import type { RoomAdminRepo } from "../../storage/repos/room-admin";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { Logger } from "../../util/log";
import type { EventStore } from "../rooms/event-store";
import type { RoomsService } from "../rooms/rooms-service";
import type { RoomWriter } from "../rooms/write/room-writer";

export interface UpgradeService {
  upgradeRoom(
    userId: string,
    roomId: string,
    newVersion: string,
    additionalCreators?: string[],
  ): {
    replacement_room: string;
  };
}

export interface UpgradeDeps {
  db: Db;
  rooms: RoomRepo;
  events: EventRepo;
  store: EventStore;
  writer: RoomWriter;
  roomsService: RoomsService;
  roomAdmin: RoomAdminRepo;
  logger: Logger;
  profileOf(userId: string): { displayname?: string; avatar_url?: string };
}

/** Single state events copied to the new room (the spec's recommended list), in this order. */
const COPIED_STATE = [
  "m.room.join_rules",
  "m.room.history_visibility",
  "m.room.guest_access",
  "m.room.name",
  "m.room.topic",
  "m.room.avatar",
  "m.room.encryption",
  "m.room.server_acl",
] as const;
/** State types copied with every state key (spaces). */
const COPIED_KEYED_STATE = ["m.space.child", "m.space.parent"] as const;

/** Power levels content from parsed levels: integers only, so it is valid in every room version. */
function powerLevelsContent(
  original: Record<string, unknown>,
  levels: PowerLevels,
  excludeUsers: ReadonlySet<string>,
): Record<string, unknown> {
  const users: Record<string, number> = {};
  for (const [u, l] of levels.users) if (parseUserId(u) && !excludeUsers.has(u)) users[u] = l;
  return {
    ...original,
    users,
    users_default: levels.usersDefault,
    events: Object.fromEntries(levels.events),
    events_default: levels.eventsDefault,
    state_default: levels.stateDefault,
    ban: levels.ban,
    kick: levels.kick,
    invite: levels.invite,
    redact: levels.redact,
    notifications: Object.fromEntries(levels.notifications),
  };
}

export function createUpgradeService(deps: UpgradeDeps): UpgradeService {
  const { rooms, store, writer } = deps;

  const send = (room: RoomRow, sender: string, type: string, stateKey: string, content: Record<string, unknown>) =>
    writer.createLocalEvent(room.roomId, { type, stateKey, sender, content });

  /** Sends an event that may be refused by the rules without failing the upgrade. */
  const trySend = (room: RoomRow, sender: string, type: string, stateKey: string, content: Record<string, unknown>) => {
    try {
      send(room, sender, type, stateKey, content);
    } catch (e) {
      if (!(e instanceof MatrixError)) throw e;
      deps.logger.info("room upgrade: event not sent", { room: room.roomId, type, reason: e.message });
    }
  };

  return {
    upgradeRoom(userId, roomId, newVersion, additionalCreators) {
      const rules = roomVersion(newVersion);
      if (!rules) {
        throw new MatrixError(
          400,
          "M_UNSUPPORTED_ROOM_VERSION",
          `This server does not support room version ${newVersion}`,
        );
      }
      const old = rooms.byId(roomId);
      if (!old || old.currentSnapshotNid === null) throw MatrixError.notFound("Room not found");
      if (rooms.membership(old.roomNid, userId)?.membership !== "join") {
        throw MatrixError.forbidden("You are not joined to this room");
      }
      const oldPower = deps.roomsService.powerOf(old);
      if (!canSendEvent(oldPower, userId, "m.room.tombstone", true)) {
        throw MatrixError.forbidden("You do not have the power level to upgrade this room (to send m.room.tombstone)");
      }

      return deps.db.tx(() => {
        const oldRules = store.rulesOf(old);
        const view = store.stateView(old.currentSnapshotNid);
        const oldCreate = view.get("m.room.create", "");
        const last = deps.events.forwardExtremities(old.roomNid)[0];

        // 2. The new room.
        const extraCreators = rules.auth.privilegedCreators
          ? [...new Set(additionalCreators ?? [])].filter((u) => u !== userId)
          : [];
        const createContent: Record<string, unknown> = {
          room_version: rules.id,
          predecessor: { room_id: old.roomId, ...(last ? { event_id: last.eventId } : {}) },
        };
        if (typeof oldCreate?.content.type === "string") createContent.type = oldCreate.content.type;
        if (oldCreate?.content["m.federate"] === false) createContent["m.federate"] = false;
        if (rules.auth.creatorInContent) createContent.creator = userId;
        if (extraCreators.length > 0) createContent.additional_creators = extraCreators;
        const { room } = writer.createRoomWithCreateEvent(rules, userId, createContent);
        send(room, userId, "m.room.member", userId, { membership: "join", ...deps.profileOf(userId) });

        // 3. Power levels, then the rest of the state.
        const newCreators = new Set(rules.auth.privilegedCreators ? [userId, ...extraCreators] : []);
        const plEvent = view.get("m.room.power_levels", "");
        const levels = readPowerLevels(oldRules, plEvent?.content);
        const pl = powerLevelsContent(plEvent?.content ?? {}, levels, newCreators);
        let restore: Record<string, unknown> | null = null;
        if (!rules.auth.privilegedCreators) {
          const needed = Math.max(
            100,
            levels.stateDefault,
            levels.eventsDefault,
            levels.ban,
            levels.kick,
            levels.redact,
            levels.invite,
            ...levels.events.values(),
          );
          const had = userPowerLevel(oldPower, userId);
          const users = pl.users as Record<string, number>;
          if (had === CREATOR_POWER_LEVEL) {
            users[userId] = needed; // a v12+ creator keeps the most power a level can say
          } else if (had < needed) {
            restore = { ...pl, users: { ...users } };
            users[userId] = needed;
          }
        }
        send(room, userId, "m.room.power_levels", "", pl);
        for (const type of COPIED_STATE) {
          const ev = view.get(type, "");
          if (ev) send(room, userId, type, "", ev.content);
        }
        for (const type of COPIED_KEYED_STATE) {
          for (const ev of store.stateEventsOfType(old.currentSnapshotNid, type)) {
            send(room, userId, type, ev.event.stateKey ?? "", ev.event.content);
          }
        }
        for (const m of rooms.members(old.roomNid, "ban")) {
          const ban = view.get("m.room.member", m.userId);
          const reason = typeof ban?.content.reason === "string" ? { reason: ban.content.reason } : {};
          trySend(room, userId, "m.room.member", m.userId, { membership: "ban", ...reason });
        }

        // 4. Aliases, canonical alias, directory listing.
        for (const alias of rooms.aliasesOf(old.roomNid)) deps.roomAdmin.moveAlias(alias, room.roomNid);
        const canonical = view.get("m.room.canonical_alias", "");
        if (canonical && Object.keys(canonical.content).length > 0) {
          send(room, userId, "m.room.canonical_alias", "", canonical.content);
          trySend(old, userId, "m.room.canonical_alias", "", {});
        }
        if (old.isPublic) {
          rooms.setPublic(room.roomNid, true);
          rooms.setPublic(old.roomNid, false);
        }
        if (restore) send(room, userId, "m.room.power_levels", "", restore);

        // 5. The tombstone.
        send(old, userId, "m.room.tombstone", "", {
          body: "This room has been replaced",
          replacement_room: room.roomId,
        });

        // 6. Quiet the old room.
        const current = rooms.byId(old.roomId)!;
        const oldPl = store.stateView(current.currentSnapshotNid).get("m.room.power_levels", "");
        if (oldPl) {
          const now = readPowerLevels(oldRules, oldPl.content);
          const restricted = Math.max(50, now.usersDefault + 1);
          if (now.eventsDefault < restricted || now.invite < restricted) {
            trySend(old, userId, "m.room.power_levels", "", {
              ...oldPl.content,
              events_default: Math.max(now.eventsDefault, restricted),
              invite: Math.max(now.invite, restricted),
            });
          }
        }
        return { replacement_room: room.roomId };
      });
    },
  };
}
