/**
 * The rooms service: what the client API calls for creating rooms, membership, sending, state and
 * reading single events. Reads enforce history visibility; writes go through the write path.
 */
import { MatrixError } from "../../core/errors";
import { parseRoomAlias, parseRoomId } from "../../core/ids";
import { hasNamedPower, type RoomPower, roomPower } from "../../core/rooms";
import type { Db } from "../../storage/db";
import type { EventRepo } from "../../storage/repos/events";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { StateStore } from "../../storage/repos/state-store";
import type { Clock } from "../../util/clock";
import type { BundleAggregations } from "./aggregations";
import { type ClientEvent, type ClientEventContext, toClientEvent } from "./client-event";
import { type CreateRoomRequest, createRoom } from "./create-room";
import type { EventStore, LoadedEvent } from "./event-store";
import type { LocalMembers } from "./local-members";
import { createMembershipService, type MembershipService } from "./membership";
import { assertValidThreadTarget } from "./relations-validation";
import { createVisibility, type Visibility } from "./visibility";
import type { RoomWriter } from "./write/room-writer";

export interface Viewer {
  userId: string;
  deviceId: string;
}

export interface RoomsService {
  readonly membership: MembershipService;
  readonly visibility: Visibility;
  createRoom(creator: string, req: CreateRoomRequest): { room_id: string };
  /** Resolves a room ID or a local alias to a room ID (404 M_NOT_FOUND for unknown ones). */
  resolveRoom(roomIdOrAlias: string): string;
  send(
    viewer: Viewer,
    roomId: string,
    type: string,
    content: Record<string, unknown>,
    txnId: string,
  ): { event_id: string };
  setState(
    viewer: Viewer,
    roomId: string,
    type: string,
    stateKey: string,
    content: Record<string, unknown>,
  ): { event_id: string };
  redact(viewer: Viewer, roomId: string, eventId: string, txnId: string, reason?: string): { event_id: string };
  /** Current state as the user may see it (state at their leave when they left). */
  getState(viewer: Viewer, roomId: string): ClientEvent[];
  getStateEvent(viewer: Viewer, roomId: string, type: string, stateKey: string): ClientEvent;
  getEvent(viewer: Viewer, roomId: string, eventId: string): ClientEvent;
  joinedRooms(userId: string): string[];
  /** The user's current membership in a room, or null. */
  membershipOf(roomId: string, userId: string): string | null;
  /** The client-format context for a viewer (used by other read paths: messages, sync). */
  clientContext(room: RoomRow, viewer?: Viewer): ClientEventContext;
  /** Power in the room's current state. */
  powerOf(room: RoomRow): RoomPower;
  /**
   * Adds a check that runs on state a client sends (setState) before the event is built; it throws the
   * client's error (e.g. the directory checks m.room.canonical_alias aliases).
   */
  addStateValidator(validate: StateValidator): void;
}

export type StateValidator = (roomId: string, type: string, stateKey: string, content: Record<string, unknown>) => void;

export interface RoomsDeps {
  db: Db;
  rooms: RoomRepo;
  events: EventRepo;
  state: StateStore;
  store: EventStore;
  writer: RoomWriter;
  serverName: string;
  clock: Clock;
  defaultRoomVersion: string;
  profileOf(userId: string): { displayname?: string; avatar_url?: string };
  /** Bundled aggregations (unsigned m.relations) for every event served in client format. */
  aggregations?: BundleAggregations;
  localMembers: LocalMembers;
}

export function createRoomsService(deps: RoomsDeps): RoomsService {
  const { rooms, store, writer } = deps;
  const visibility = createVisibility(store, rooms);
  const stateValidators: StateValidator[] = [];

  const roomOr404 = (roomId: string) => {
    const room = rooms.byId(roomId);
    if (!room) throw MatrixError.notFound("Unknown room");
    return room;
  };
  const currentView = (room: RoomRow) => store.stateView(room.currentSnapshotNid);

  const powerOf = (room: RoomRow): RoomPower => {
    const view = currentView(room);
    return roomPower(store.rulesOf(room), view.get("m.room.create", ""), view.get("m.room.power_levels", "")?.content);
  };

  const restrictedJoinAuthoriser = (roomId: string, userId: string): string | null => {
    const room = roomOr404(roomId);
    const rules = store.rulesOf(room);
    if (!rules.auth.restrictedJoinRule) return null;
    const view = currentView(room);
    const jr = view.get("m.room.join_rules", "")?.content;
    const joinRule = typeof jr?.join_rule === "string" ? jr.join_rule : "";
    if (joinRule !== "restricted" && joinRule !== "knock_restricted") return null;
    const allow = Array.isArray(jr?.allow) ? (jr.allow as unknown[]) : [];
    const allowed = allow.some((a) => {
      if (!a || typeof a !== "object") return false;
      const r = a as Record<string, unknown>;
      if (r.type !== "m.room_membership" || typeof r.room_id !== "string") return false;
      const other = rooms.byId(r.room_id);
      return other !== null && rooms.membership(other.roomNid, userId)?.membership === "join";
    });
    if (!allowed) return null;
    const power = powerOf(room);
    for (const m of rooms.members(room.roomNid, "join")) {
      if (m.userId.endsWith(`:${deps.serverName}`) && hasNamedPower(power, m.userId, "invite")) return m.userId;
    }
    return null;
  };

  const membership = createMembershipService({
    rooms,
    store,
    writer,
    serverName: deps.serverName,
    profileOf: deps.profileOf,
    restrictedJoinAuthoriser,
  });

  const baseContext = (room: RoomRow, viewer?: Viewer): ClientEventContext => ({
    rules: store.rulesOf(room),
    now: deps.clock.now(),
    ...(viewer ? { viewer } : {}),
    txnOf: (id) => rooms.txnOfEvent(id),
    redactionOf: (id) => store.byId(id),
    prevContentOf: (loaded) => {
      const before = store.stateView(loaded.stored.stateBeforeNid);
      const prev = before.get(loaded.event.type, loaded.event.stateKey ?? "");
      return prev ? { content: prev.content, sender: prev.sender, eventId: prev.eventId } : null;
    },
  });
  const clientContext = (room: RoomRow, viewer?: Viewer): ClientEventContext => {
    const ctx = baseContext(room, viewer);
    const bundle = deps.aggregations;
    if (bundle) ctx.extraUnsigned = (loaded) => bundle(loaded, ctx, viewer?.userId);
    return ctx;
  };

  const membershipOf = (roomId: string, userId: string): string | null => {
    const room = rooms.byId(roomId);
    if (!room) return null;
    return rooms.membership(room.roomNid, userId)?.membership ?? null;
  };

  /** The snapshot a user may read the state of: current when joined; at their leave when they left. */
  const readableSnapshot = (room: RoomRow, userId: string): number | null => {
    // A forgotten room reads as one the user was never in (client-server API, "Leaving rooms").
    const row = rooms.membership(room.roomNid, userId);
    const m = row?.forgotten ? null : row;
    if (m?.membership === "join") return room.currentSnapshotNid;
    const vis = currentView(room).get("m.room.history_visibility", "")?.content.history_visibility;
    if (vis === "world_readable") return room.currentSnapshotNid;
    if (m && (m.membership === "leave" || m.membership === "ban")) {
      const ev = store.byNid(m.eventNid);
      // The state just before they left (their membership event's state before).
      if (ev && ev.stored.stateBeforeNid !== null) {
        const wasJoined =
          store.stateView(ev.stored.stateBeforeNid).get("m.room.member", userId)?.content.membership === "join";
        if (wasJoined) return ev.stored.stateBeforeNid;
      }
    }
    throw MatrixError.forbidden("You are not allowed to see this room's state");
  };

  return {
    membership,
    visibility,
    createRoom(creator, req) {
      const { roomId } = createRoom(
        {
          db: deps.db,
          rooms,
          writer,
          serverName: deps.serverName,
          defaultRoomVersion: deps.defaultRoomVersion,
          clock: deps.clock,
          profileOf: deps.profileOf,
          claimAlias: (alias, roomId, by) => {
            const room = roomOr404(roomId);
            if (rooms.insertAlias(alias, room.roomNid, by, deps.clock.now()) === "exists") {
              throw new MatrixError(400, "M_ROOM_IN_USE", `Room alias ${alias} already exists`);
            }
          },
        },
        creator,
        req,
      );
      return { room_id: roomId };
    },
    resolveRoom(roomIdOrAlias) {
      if (roomIdOrAlias.startsWith("#")) {
        if (!parseRoomAlias(roomIdOrAlias)) throw MatrixError.invalidParam("Invalid room alias");
        const a = rooms.alias(roomIdOrAlias);
        if (!a) throw MatrixError.notFound(`Room alias ${roomIdOrAlias} not found`);
        return a.roomId;
      }
      if (!parseRoomId(roomIdOrAlias)) throw MatrixError.invalidParam("Invalid room ID or alias");
      roomOr404(roomIdOrAlias);
      return roomIdOrAlias;
    },
    send(viewer, roomId, type, content, txnId) {
      const room = roomOr404(roomId);
      if (deps.localMembers.membershipOf(room.roomNid, viewer.userId) !== "join") {
        throw MatrixError.forbidden("You are not joined to this room");
      }
      assertValidThreadTarget(store, room.roomNid, content);
      const ev = writer.createLocalEvent(roomId, {
        type,
        sender: viewer.userId,
        content,
        txn: { deviceId: viewer.deviceId, txnId },
      });
      return { event_id: ev.event.eventId };
    },
    setState(viewer, roomId, type, stateKey, content) {
      roomOr404(roomId);
      if (type === "m.room.member" && typeof content.membership !== "string") {
        throw MatrixError.badJson("membership is required");
      }
      for (const validate of stateValidators) validate(roomId, type, stateKey, content);
      const ev = writer.createLocalEvent(roomId, { type, stateKey, sender: viewer.userId, content });
      return { event_id: ev.event.eventId };
    },
    redact(viewer, roomId, eventId, txnId, reason) {
      const room = roomOr404(roomId);
      const target = store.byId(eventId);
      if (target && target.stored.roomNid === room.roomNid && target.event.sender !== viewer.userId) {
        if (!hasNamedPower(powerOf(room), viewer.userId, "redact")) {
          throw MatrixError.forbidden("You do not have permission to redact other users' events");
        }
      }
      const content: Record<string, unknown> = reason !== undefined ? { reason } : {};
      const ev = writer.createLocalEvent(roomId, {
        type: "m.room.redaction",
        sender: viewer.userId,
        content,
        redacts: eventId,
        txn: { deviceId: viewer.deviceId, txnId },
      });
      return { event_id: ev.event.eventId };
    },
    getState(viewer, roomId) {
      const room = roomOr404(roomId);
      const snap = readableSnapshot(room, viewer.userId);
      const ctx = clientContext(room, viewer);
      const out: ClientEvent[] = [];
      for (const { eventNid } of store.stateView(snap).entries()) {
        const ev = store.byNid(eventNid);
        if (ev) out.push(toClientEvent(ev, ctx));
      }
      return out;
    },
    getStateEvent(viewer, roomId, type, stateKey) {
      const room = roomOr404(roomId);
      const snap = readableSnapshot(room, viewer.userId);
      const ev = store.stateView(snap).get(type, stateKey);
      if (!ev) throw MatrixError.notFound("Event not found");
      const loaded = store.byId(ev.eventId);
      if (!loaded) throw MatrixError.notFound("Event not found");
      return toClientEvent(loaded, clientContext(room, viewer));
    },
    getEvent(viewer, roomId, eventId) {
      const room = roomOr404(roomId);
      const loaded = store.byId(eventId);
      const hidden = () => MatrixError.notFound("Event not found or you may not see it");
      if (!loaded || loaded.stored.roomNid !== room.roomNid || loaded.stored.outlier || loaded.stored.rejectedReason)
        throw hidden();
      const m = rooms.membership(room.roomNid, viewer.userId);
      // After /forget the room's history is no longer retrievable, except what anyone may read.
      const allowed = m?.forgotten
        ? visibility.canSeeAsStranger(loaded)
        : visibility.canSee(viewer.userId, loaded, m?.membership ?? null);
      if (!allowed) throw hidden();
      return toClientEvent(loaded, clientContext(room, viewer));
    },
    joinedRooms(userId) {
      return rooms.roomsOfUser(userId, ["join"]).map((m) => m.roomId);
    },
    membershipOf,
    clientContext,
    powerOf,
    addStateValidator(validate) {
      stateValidators.push(validate);
    },
  };
}

export type { CreateRoomRequest, LoadedEvent };
