/**
 * Reporting content (client-server "Reporting content"): users report events (they must be joined to
 * the room and able to see the event), rooms (membership not required) and users; reports are kept
 * for the server's admins, who list, read and delete them through the admin API.
 */
import { MatrixError } from "../../core/errors";
import type { Report, ReportFilter, ReportKind, ReportRepo } from "../../storage/repos/reports";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import type { RoomsService } from "../rooms/rooms-service";

export type { Report, ReportKind };

export interface ReportsService {
  reportEvent(reporter: string, roomId: string, eventId: string, reason?: string, score?: number): void;
  reportRoom(reporter: string, roomId: string, reason: string): void;
  reportUser(reporter: string, userId: string, reason: string): void;
  list(
    filter: ReportFilter,
    page: { from: number; limit: number; dir: "f" | "b" },
  ): { reports: Report[]; total: number };
  get(id: number): Report | null;
  delete(id: number): boolean;
}

export interface ReportsDeps {
  repo: ReportRepo;
  rooms: RoomRepo;
  roomsService: RoomsService;
  clock: Clock;
  serverName: string;
  /** True when a local account with this ID exists. */
  userExists(userId: string): boolean;
}

export function createReportsService(deps: ReportsDeps): ReportsService {
  const { repo, rooms } = deps;
  const base = (reporter: string) => ({
    receivedTs: deps.clock.now(),
    userId: reporter,
    roomId: null,
    eventId: null,
    targetUserId: null,
    reason: null,
    score: null,
    eventJson: null,
  });

  return {
    reportEvent(reporter, roomId, eventId, reason, score) {
      const notFound = () => MatrixError.notFound("The event was not found or you are not joined to the room");
      const room = rooms.byId(roomId);
      if (!room || rooms.membership(room.roomNid, reporter)?.membership !== "join") throw notFound();
      // The same visibility rules as reading the event: a report of an unseen event reveals nothing.
      let ev: ReturnType<RoomsService["getEvent"]>;
      try {
        ev = deps.roomsService.getEvent({ userId: reporter, deviceId: "" }, roomId, eventId);
      } catch (e) {
        if (e instanceof MatrixError && e.status === 404) throw notFound();
        throw e;
      }
      repo.insert({
        ...base(reporter),
        kind: "event",
        roomId,
        eventId,
        targetUserId: ev.sender,
        reason: reason ?? null,
        score: score ?? null,
        eventJson: JSON.stringify(ev),
      });
    },
    reportRoom(reporter, roomId, reason) {
      if (!rooms.byId(roomId)) throw MatrixError.notFound("The room was not found");
      repo.insert({ ...base(reporter), kind: "room", roomId, reason });
    },
    reportUser(reporter, userId, reason) {
      const local = userId.slice(userId.indexOf(":") + 1) === deps.serverName;
      // Users on other servers cannot be looked up without federation: their reports are kept as sent.
      if (local && !deps.userExists(userId)) throw MatrixError.notFound("The user was not found");
      repo.insert({ ...base(reporter), kind: "user", targetUserId: userId, reason });
    },
    list: (filter, page) => repo.list(filter, page),
    get: (id) => repo.get(id),
    delete: (id) => repo.delete(id),
  };
}
