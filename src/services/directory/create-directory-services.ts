/**
 * Builds the directory-side services on the rooms internals (called once by server.ts): aliases and
 * the published room directory, the user directory, reports, room upgrades, spaces and room
 * summaries, and room administration. Registers the canonical alias check on client-sent state.
 */
import type { Config } from "../../config/schema";
import type { Db } from "../../storage/db";
import { createReportRepo } from "../../storage/repos/reports";
import { createRoomAdminRepo } from "../../storage/repos/room-admin";
import { createRoomSummaryRepo } from "../../storage/repos/room-summaries";
import { createUserDirectoryRepo } from "../../storage/repos/user-directory";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { createReportsService, type ReportsService } from "../reports/reports-service";
import type { RoomInternals } from "../rooms/create-room-services";
import type { RoomsService } from "../rooms/rooms-service";
import { createSpacesService, type SpacesService } from "../spaces/spaces-service";
import { createUpgradeService, type UpgradeService } from "../upgrade/upgrade-service";
import { createUserDirectoryService, type UserDirectoryService } from "../user-directory/user-directory-service";
import { type AliasService, createAliasService } from "./aliases";
import { createPublishedRoomsService, type PublishedRoomsService } from "./published-rooms";
import { createRoomAdminService, type RoomAdminService } from "./room-admin";
import { createRoomSummaries, type RoomSummaries } from "./room-summaries";

export interface DirectoryService extends AliasService, PublishedRoomsService {
  summaries: RoomSummaries;
}

export interface DirectoryServices {
  /** Room aliases and the published room directory. */
  directory: DirectoryService;
  userDirectory: UserDirectoryService;
  reports: ReportsService;
  roomUpgrades: UpgradeService;
  /** The space hierarchy and room summaries. */
  spaces: SpacesService;
  /** Room administration (admin API and CLI). */
  roomAdmin: RoomAdminService;
}

export interface DirectoryServicesDeps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  rooms: RoomsService;
  internals: RoomInternals;
  /** Local accounts: existence (deactivated ones count as gone) and profiles. */
  accounts: { getUser(userId: string): { deactivated: boolean } | null };
  profile: { getProfile(userId: string): { displayname: string | null; avatarUrl: string | null } };
}

export function createDirectoryServices(deps: DirectoryServicesDeps): DirectoryServices {
  const { db, config, clock, internals } = deps;
  const userExists = (userId: string) => deps.accounts.getUser(userId)?.deactivated === false;
  const profileOf = (userId: string) => {
    try {
      const p = deps.profile.getProfile(userId);
      return {
        ...(p.displayname ? { displayname: p.displayname } : {}),
        ...(p.avatarUrl ? { avatar_url: p.avatarUrl } : {}),
      };
    } catch {
      return {};
    }
  };
  const serverName = config.server_name;
  const summaries = createRoomSummaryRepo(db);
  const roomAdminRepo = createRoomAdminRepo(db);
  const roomSummaries = createRoomSummaries({
    rooms: internals.rooms,
    store: internals.store,
    summaries,
    serverName,
  });
  const currentState = (room: { currentSnapshotNid: number | null }, type: string) =>
    internals.store.stateView(room.currentSnapshotNid).get(type, "")?.content;

  const aliases = createAliasService({
    rooms: internals.rooms,
    roomsService: deps.rooms,
    serverName,
    clock,
    currentState,
  });
  const published = createPublishedRoomsService({
    rooms: internals.rooms,
    roomsService: deps.rooms,
    summaries,
    roomSummaries,
    serverName,
  });
  deps.rooms.addStateValidator((roomId, type, stateKey, content) => {
    if (type === "m.room.canonical_alias" && stateKey === "") aliases.validateCanonicalAlias(roomId, content);
  });

  return {
    directory: { ...aliases, ...published, summaries: roomSummaries },
    userDirectory: createUserDirectoryService({
      repo: createUserDirectoryRepo(db),
      roomSummaries,
      config: config.user_directory,
    }),
    reports: createReportsService({
      repo: createReportRepo(db),
      rooms: internals.rooms,
      roomsService: deps.rooms,
      clock,
      serverName,
      userExists,
    }),
    roomUpgrades: createUpgradeService({
      db,
      rooms: internals.rooms,
      events: internals.events,
      store: internals.store,
      writer: internals.writer,
      roomsService: deps.rooms,
      roomAdmin: roomAdminRepo,
      logger: deps.logger,
      profileOf,
    }),
    spaces: createSpacesService({
      rooms: internals.rooms,
      store: internals.store,
      roomSummaries,
      clock,
      serverName,
    }),
    roomAdmin: createRoomAdminService({
      rooms: internals.rooms,
      store: internals.store,
      state: internals.state,
      writer: internals.writer,
      roomsService: deps.rooms,
      summaries,
      roomSummaries,
      repo: roomAdminRepo,
      clock,
      serverName,
      userExists,
    }),
  };
}
