/**
 * Builds push notifications (called once by server.ts): push rules, evaluation of every new event,
 * counts, the notifications list, pushers and delivery to push gateways.
 */
import type { Config } from "../../config/schema";
import type { Resolver } from "../../net/dns";
import { systemResolver } from "../../net/dns";
import { createAddressPolicy } from "../../net/ip-address";
import { createPushGatewayClient, type PushGatewayClient } from "../../net/push-gateway";
import type { Db } from "../../storage/db";
import { createPushNotificationRepo, type PushNotificationRow } from "../../storage/repos/push-notifications";
import { createPusherRepo } from "../../storage/repos/pushers";
import type { RoomRow } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import type { AccountDataService } from "../account-data/account-data-service";
import type { AccountEvents } from "../accounts/account-events";
import { toClientEvent } from "../rooms/client-event";
import type { RoomInternals } from "../rooms/create-room-services";
import type { RoomsService } from "../rooms/rooms-service";
import type { PersistedEvent } from "../rooms/write/room-writer";
import { createIgnoredUsers } from "./ignored-users";
import {
  createNotificationCounter,
  NO_RECEIPTS,
  type NotificationCounter,
  type ReadMarkers,
  type ReadPositions,
} from "./notification-counts";
import { createNotificationsList, type NotificationsList } from "./notifications-list";
import type { NotifiedEvent } from "./notify-payload";
import { createPushDelivery, type PushDelivery } from "./push-delivery";
import { createPushProcessor, type PushProcessor, type PushRoomPort } from "./push-processor";
import { createPushRulesService, type PushRulesService } from "./push-rules-service";
import { createPushersService, type PushersService } from "./pushers-service";

/** What the API layer and /sync use (`services.push`). */
const PRUNE_INTERVAL_MS = 3_600_000;

export interface PushServices {
  rules: PushRulesService;
  pushers: PushersService;
  notifications: NotificationsList;
  /** Unread notification and highlight counts per room and thread (for /sync). */
  counter: NotificationCounter;
}

export interface PushServicesDeps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  accountData: AccountDataService;
  accountEvents: AccountEvents;
  rooms: RoomsService;
  roomInternals: RoomInternals;
  userAgent: string;
  /** Name resolution for push gateway hosts (default: the system resolver). */
  resolver?: Resolver;
  /** The transport to push gateways (tests may replace it). */
  gateway?: PushGatewayClient;
}

export interface PushRuntime {
  services: PushServices;
  processor: PushProcessor;
  /** For server.ts: evaluate every committed event. */
  onPersisted(e: PersistedEvent): void;
  /**
   * Plugs in read receipts (the receipts service's read positions: receipts and the user's own
   * latest events, per thread); until then nothing counts as read.
   */
  setReadPositions(positions: (userId: string, roomNid: number) => ReadPositions): void;
  /** A user's read receipts moved: their phones get the new unread count. */
  readReceiptsMoved(userId: string): void;
  start(): void;
  stop(): Promise<void>;
}

export function createPushServices(deps: PushServicesDeps): PushRuntime {
  const { db, config, clock, logger } = deps;
  const { rooms: roomRepo, store, events } = deps.roomInternals;
  const notifications = createPushNotificationRepo(db);
  const pushers = createPusherRepo(db);
  let markers: ReadMarkers = NO_RECEIPTS;

  const stateContent = (room: RoomRow, type: string, stateKey: string) =>
    store.stateView(room.currentSnapshotNid).get(type, stateKey)?.content ?? null;
  // Member events of the current state, per room, kept while the room's state does not change (a
  // plain message in a big room reads every member's display name for contains_display_name).
  const memberCache = new Map<
    number,
    { snapshot: number | null; members: Map<string, Record<string, unknown> | null> }
  >();
  const memberContent = (room: RoomRow, userId: string) => {
    let entry = memberCache.get(room.roomNid);
    if (!entry || entry.snapshot !== room.currentSnapshotNid) {
      if (!entry && memberCache.size >= 256) memberCache.delete(memberCache.keys().next().value!);
      entry = { snapshot: room.currentSnapshotNid, members: new Map() };
      memberCache.set(room.roomNid, entry);
    }
    let content = entry.members.get(userId);
    if (content === undefined) {
      content = stateContent(room, "m.room.member", userId);
      entry.members.set(userId, content);
    }
    return content;
  };
  // Joined members per room, kept while the room's state does not change.
  const joinedCache = new Map<number, { snapshot: number | null; joined: string[] }>();
  const joinedMembers = (room: RoomRow) => {
    const hit = joinedCache.get(room.roomNid);
    if (hit && hit.snapshot === room.currentSnapshotNid) return hit.joined;
    const joined = roomRepo.members(room.roomNid, "join").map((m) => m.userId);
    if (!hit && joinedCache.size >= 256) joinedCache.delete(joinedCache.keys().next().value!);
    joinedCache.set(room.roomNid, { snapshot: room.currentSnapshotNid, joined });
    return joined;
  };
  const roomPort: PushRoomPort = {
    joinedMembers,
    memberContent,
    power: (room) => deps.rooms.powerOf(room),
    storedEvent: (eventId) => events.byId(eventId),
  };

  const rules = createPushRulesService({ accountData: deps.accountData, events: deps.accountEvents });
  const counter = createNotificationCounter({ notifications, markers: () => markers });

  const gateway =
    deps.gateway ??
    createPushGatewayClient({
      resolver: deps.resolver ?? systemResolver,
      policy: createAddressPolicy({ allow: config.push.ip_allowlist }),
      userAgent: deps.userAgent,
    });
  const unreadOf = (userId: string) =>
    counter.totalUnread(
      userId,
      roomRepo.roomsOfUser(userId, ["join"]).map((m) => m.roomId),
    );
  const delivery: PushDelivery = createPushDelivery({
    pushers,
    notifications,
    gateway,
    clock,
    logger,
    maxBackoffMs: config.push.max_backoff_ms,
    giveUpAfterMs: config.push.give_up_after_ms,
    timeoutMs: config.push.timeout_ms,
    port: {
      event(n: PushNotificationRow): NotifiedEvent | null {
        const loaded = store.byNid(n.eventNid);
        if (!loaded) return null;
        const ev = loaded.event;
        return {
          eventId: ev.eventId,
          roomId: n.roomId,
          type: ev.type,
          sender: ev.sender,
          ...(ev.stateKey !== undefined ? { stateKey: ev.stateKey } : {}),
          content: loaded.stored.redactedBy ? null : ev.content,
        };
      },
      context(n, ev) {
        const room = roomRepo.byId(n.roomId);
        const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
        return {
          senderDisplayName: room ? str(stateContent(room, "m.room.member", ev.sender)?.displayname) : null,
          roomName: room ? str(stateContent(room, "m.room.name", "")?.name) : null,
          roomAlias: room ? str(stateContent(room, "m.room.canonical_alias", "")?.alias) : null,
          unread: unreadOf(n.userId),
        };
      },
      unread: (userId) => unreadOf(userId),
      isRead: (n) => counter.isRead(n.userId, n.roomId, n.threadId, n.streamOrdering),
    },
  });

  const processor = createPushProcessor({
    serverName: config.server_name,
    clock,
    notifications,
    rules,
    rooms: roomPort,
    ignored: createIgnoredUsers({ accountData: deps.accountData, events: deps.accountEvents }),
    onNotified: (users) => delivery.wake(users),
  });

  const pushersService = createPushersService({
    pushers,
    clock,
    allowHttp: config.push.allow_http,
    currentPosition: () => events.maxStreamOrdering(),
    changed: (userId) => delivery.pushersChanged(userId),
  });
  deps.accountEvents.on("devicesDeleted", (e) => pushersService.removeForDevices(e.userId, e.deviceIds));
  deps.accountEvents.on("userDeactivated", (e) => pushersService.removeForUser(e.userId));

  const notificationsList = createNotificationsList({
    notifications,
    counter,
    clientEvent(eventNid, viewer) {
      const loaded = store.byNid(eventNid);
      if (!loaded) return null;
      const room = roomRepo.byNid(loaded.stored.roomNid);
      if (!room) return null;
      const ctx = { ...deps.rooms.clientContext(room, viewer), withoutRoomId: true };
      return toClientEvent(loaded, ctx) as unknown as Record<string, unknown>;
    },
  });

  /** Deletes notifications past the retention time, in batches so that other work goes on between them. */
  const PRUNE_BATCH = 5000;
  let pruneTimer: ReturnType<typeof setInterval> | null = null;
  let pruning = false;
  const prune = async () => {
    if (pruning) return;
    pruning = true;
    try {
      const cutoff = clock.now() - config.push.notification_retention_ms;
      while (pruneTimer !== null && notifications.deleteOlderThan(cutoff, PRUNE_BATCH) === PRUNE_BATCH) {
        await new Promise((r) => setTimeout(r, 0));
      }
    } catch (e) {
      logger.error("pruning old notifications failed", { error: (e as Error).message });
    } finally {
      pruning = false;
    }
  };

  let deliveryStarted = false;
  return {
    services: { rules, pushers: pushersService, notifications: notificationsList, counter },
    processor,
    onPersisted: (e) => {
      processor.process(e);
      // A redacted event stops counting as unread and leaves /notifications (as Synapse does): the
      // badge drops when a moderator removes spam.
      if (e.event.redacts !== undefined) {
        const target = events.byId(e.event.redacts);
        if (target?.redactedBy === e.event.eventId) notifications.deleteForEvent(target.eventNid);
      }
    },
    setReadPositions(positions) {
      markers = {
        positions(userId, roomId) {
          const room = roomRepo.byId(roomId);
          return room ? positions(userId, room.roomNid) : NO_RECEIPTS.positions(userId, roomId);
        },
      };
    },
    readReceiptsMoved(userId) {
      if (deliveryStarted) delivery.badge(userId);
    },
    start() {
      if (pruneTimer === null) {
        pruneTimer = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
        void prune();
      }
      if (config.push.enabled && !deliveryStarted) {
        deliveryStarted = true;
        delivery.start();
      }
    },
    async stop() {
      if (pruneTimer !== null) clearInterval(pruneTimer);
      pruneTimer = null;
      if (deliveryStarted) {
        deliveryStarted = false;
        await delivery.stop();
      }
    },
  };
}
