/**
 * Receipts and read markers (client-server API, "Receipts" and "Read and unread markers").
 * m.read and m.read.private are stored per (room, user, type, thread) with a position in the
 * receipts stream; they never move backwards. m.fully_read is room account data. A user's read
 * position (for notification counts) is the furthest of their m.read and m.read.private receipts
 * and of their own latest event, per thread.
 */
import { MatrixError } from "../../core/errors";
import type { ReceiptRepo, ReceiptRow } from "../../storage/repos/receipts";
import type { RoomRepo } from "../../storage/repos/rooms";
import type { SyncRepo } from "../../storage/repos/sync";
import type { Clock } from "../../util/clock";
import type { EventStore, LoadedEvent } from "../rooms/event-store";
import { threadOf } from "./threads";

export type ReceiptType = "m.read" | "m.read.private";

export interface ReadMarkers {
  fullyRead?: string | undefined;
  read?: string | undefined;
  readPrivate?: string | undefined;
}

/** How far a user has read a room: `unthreaded` covers every thread; `threads` per thread ("main" or a root ID). */
export interface ReadPositions {
  unthreaded: number;
  threads: ReadonlyMap<string, number>;
}

export interface ReceiptsDeps {
  clock: Clock;
  rooms: RoomRepo;
  store: EventStore;
  receipts: ReceiptRepo;
  sync: SyncRepo;
  /** Local users joined to a room (who see its public receipts). */
  localMembersOf(roomNid: number): string[];
  notify(userIds: Iterable<string>): void;
  /** The user did something (presence: last active). */
  onActivity(userId: string): void;
  /** Room account data, for m.fully_read. */
  fullyRead: {
    get(userId: string, roomId: string): string | null;
    set(userId: string, roomId: string, eventId: string): void;
  };
}

export interface ReceiptsService {
  /** POST /rooms/{roomId}/receipt/{receiptType}/{eventId}. */
  postReceipt(
    userId: string,
    roomId: string,
    type: ReceiptType | "m.fully_read",
    eventId: string,
    threadId?: string,
  ): void;
  /** POST /rooms/{roomId}/read_markers. */
  setReadMarkers(userId: string, roomId: string, markers: ReadMarkers): void;
  /** Receipts in rooms with a position in (from, to] (from null: all), as the viewer may see them. */
  receiptsInRooms(viewer: string, roomNids: readonly number[], from: number | null, to: number): ReceiptRow[];
  readPositions(userId: string, roomNid: number): ReadPositions;
  /** Records that a user sent an event (it reads everything before it in its thread). */
  ownEventSent(userId: string, ev: LoadedEvent): void;
  position(): number;
}

export function createReceiptsService(deps: ReceiptsDeps): ReceiptsService {
  const { rooms, store } = deps;

  /** The room, with the user joined to it, and the event in it (404 otherwise). */
  const target = (userId: string, roomId: string, eventId: string) => {
    const room = rooms.byId(roomId);
    if (!room || rooms.membership(room.roomNid, userId)?.membership !== "join") {
      throw MatrixError.forbidden("You are not joined to this room");
    }
    const ev = store.byId(eventId);
    if (
      !ev ||
      ev.stored.roomNid !== room.roomNid ||
      ev.stored.outlier ||
      ev.stored.rejectedReason !== null ||
      ev.stored.streamOrdering === null
    ) {
      throw MatrixError.notFound(`Event ${eventId} not found in this room`);
    }
    return { room, ev, stream: ev.stored.streamOrdering };
  };

  const checkThread = (ev: LoadedEvent, threadId: string) => {
    const actual = threadOf(ev, (id) => store.byId(id));
    const ok = threadId === "main" ? actual === null : actual === threadId || ev.event.eventId === threadId;
    if (!ok) {
      throw MatrixError.invalidParam(
        threadId === "main"
          ? `Event ${ev.event.eventId} is in a thread, not in the main timeline`
          : `Event ${ev.event.eventId} is not related to thread ${threadId}`,
      );
    }
  };

  const putReceipt = (userId: string, roomId: string, type: ReceiptType, eventId: string, threadId?: string) => {
    const { room, ev, stream } = target(userId, roomId, eventId);
    if (threadId !== undefined) checkThread(ev, threadId);
    const key = threadId ?? "";
    const existing = deps.receipts.select(room.roomNid, userId, type, key);
    deps.onActivity(userId);
    // Receipts only move forwards (a late or repeated one changes nothing).
    if (existing && existing.eventStream >= stream) return;
    deps.receipts.upsert({
      roomNid: room.roomNid,
      userId,
      receiptType: type,
      threadId: key,
      eventId,
      eventStream: stream,
      ts: deps.clock.now(),
    });
    deps.notify(type === "m.read" ? [userId, ...deps.localMembersOf(room.roomNid)] : [userId]);
  };

  const putFullyRead = (userId: string, roomId: string, eventId: string) => {
    const { stream } = target(userId, roomId, eventId);
    deps.onActivity(userId);
    const current = deps.fullyRead.get(userId, roomId);
    if (current) {
      const cur = store.byId(current)?.stored.streamOrdering;
      if (cur !== undefined && cur !== null && cur >= stream) return;
    }
    deps.fullyRead.set(userId, roomId, eventId);
  };

  return {
    postReceipt(userId, roomId, type, eventId, threadId) {
      if (type === "m.fully_read") {
        if (threadId !== undefined) throw MatrixError.invalidParam("thread_id cannot be used with m.fully_read");
        putFullyRead(userId, roomId, eventId);
        return;
      }
      putReceipt(userId, roomId, type, eventId, threadId);
    },
    setReadMarkers(userId, roomId, markers) {
      // Check everything first so that bad input changes nothing.
      for (const id of [markers.fullyRead, markers.read, markers.readPrivate]) {
        if (id !== undefined) target(userId, roomId, id);
      }
      if (markers.fullyRead !== undefined) putFullyRead(userId, roomId, markers.fullyRead);
      if (markers.read !== undefined) putReceipt(userId, roomId, "m.read", markers.read);
      if (markers.readPrivate !== undefined) putReceipt(userId, roomId, "m.read.private", markers.readPrivate);
    },
    receiptsInRooms(viewer, roomNids, from, to) {
      return deps.receipts.inRooms(roomNids, from, to).filter((r) => r.receiptType === "m.read" || r.userId === viewer);
    },
    readPositions(userId, roomNid) {
      let unthreaded = 0;
      const threads = new Map<string, number>();
      const bump = (thread: string, pos: number) => threads.set(thread, Math.max(threads.get(thread) ?? 0, pos));
      for (const r of deps.receipts.ofUserInRoom(userId, roomNid)) {
        if (r.threadId === "") unthreaded = Math.max(unthreaded, r.eventStream);
        else bump(r.threadId, r.eventStream);
      }
      for (const [thread, pos] of deps.sync.implicitReads(userId, roomNid)) bump(thread === "" ? "main" : thread, pos);
      return { unthreaded, threads };
    },
    ownEventSent(userId, ev) {
      if (ev.stored.streamOrdering === null) return;
      const thread = threadOf(ev, (id) => store.byId(id)) ?? "";
      deps.sync.setImplicitRead(userId, ev.stored.roomNid, thread, ev.stored.streamOrdering);
    },
    position: () => deps.receipts.maxPosition(),
  };
}
