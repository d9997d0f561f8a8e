/**
 * Builds /sync and what feeds it: typing, receipts and read markers, presence, tags, ignored users,
 * and the stream providers (called once by server.ts). Unread counts come from the push service,
 * which takes its read positions from the receipts service built here.
 */
import type { Config } from "../../config/schema";
import type { Db } from "../../storage/db";
import { createPresenceRepo } from "../../storage/repos/presence";
import { createPushNotificationRepo } from "../../storage/repos/push-notifications";
import { createReceiptRepo } from "../../storage/repos/receipts";
import { createSyncRepo } from "../../storage/repos/sync";
import type { Clock } from "../../util/clock";
import type { AccountDataService } from "../account-data/account-data-service";
import type { AccountsService } from "../accounts/accounts-service";
import { createIgnoredUsers, IGNORED_USER_LIST, type IgnoredUsers } from "../ephemeral/ignored-users";
import { createPresenceService, type PresenceService } from "../ephemeral/presence";
import { createReceiptsService, type ReceiptsService } from "../ephemeral/receipts";
import { createTagsService, type TagsService } from "../ephemeral/tags";
import { createTypingService, type TypingService } from "../ephemeral/typing";
import type { FiltersService } from "../filters/filters-service";
import type { RoomInternals } from "../rooms/create-room-services";
import type { RoomsService } from "../rooms/rooms-service";
import type { PersistedEvent } from "../rooms/write/room-writer";
import { createLazyMembersCache } from "./lazy-members";
import type { Notifier } from "./notifier";
import { createAccountDataProvider } from "./streams/account-data";
import { createE2eeProvider, type E2eeSyncPort } from "./streams/e2ee";
import { createPresenceProvider } from "./streams/presence";
import { createReceiptsProvider } from "./streams/receipts";
import { createRoomEventsProvider } from "./streams/room-events";
import { createTypingProvider } from "./streams/typing";
import { createSyncService, type SyncService } from "./sync-service";
import { createUnreadCounts, type UnreadCountsSource } from "./unread-counts";

export interface SyncServices {
  sync: SyncService;
  typing: TypingService;
  receipts: ReceiptsService;
  presence: PresenceService;
  tags: TagsService;
  ignoredUsers: IgnoredUsers;
}

export interface SyncServicesDeps {
  db: Db;
  config: Config;
  clock: Clock;
  notifier: Notifier;
  rooms: RoomsService;
  roomInternals: RoomInternals;
  accounts: AccountsService;
  accountData: AccountDataService;
  /** Global account data sent in initial syncs when the user stored none of its type (m.push_rules). */
  accountDataDefaults?: (userId: string) => { type: string; content: Record<string, unknown> }[];
  filters: FiltersService;
  /** Unread notification counts per room and thread (the push service's counter). */
  unread: UnreadCountsSource;
  /** Told after a user posted a read receipt (m.read, m.read.private) in a room: push badge counts. */
  onReadReceipt?: (userId: string, roomId: string) => void;
  /** To-device messages, device lists and key counts. */
  e2ee: E2eeSyncPort;
}

export function createSyncServices(deps: SyncServicesDeps): {
  services: SyncServices;
  /** Wire to the rooms' onPersisted: implicit read positions, presence activity. */
  eventPersisted(e: PersistedEvent): void;
  /** Wire to accountEvents "accountDataChanged": wakes the user's /sync, refreshes ignored users. */
  accountDataChanged(e: { userId: string; type: string }): void;
  stop(): void;
} {
  const { db, config, clock, notifier } = deps;
  const { rooms, events, state, store } = deps.roomInternals;
  const serverName = config.server_name;
  const isLocal = (userId: string) => userId.endsWith(`:${serverName}`);
  const syncRepo = createSyncRepo(db);

  const localMembersOfNid = (roomNid: number) =>
    rooms
      .members(roomNid, "join")
      .map((m) => m.userId)
      .filter(isLocal);
  const localMembersOf = (roomId: string) => {
    const room = rooms.byId(roomId);
    return room ? localMembersOfNid(room.roomNid) : [];
  };
  const isJoined = (roomId: string, userId: string) => deps.rooms.membershipOf(roomId, userId) === "join";
  const readAccountData = (userId: string, roomId: string | null, type: string) => {
    try {
      return deps.accountData.getAccountData(userId, userId, roomId, type);
    } catch {
      return null;
    }
  };

  const presence = createPresenceService({
    clock,
    repo: createPresenceRepo(db),
    enabled: config.sync.presence,
    idleTimeoutMs: config.sync.idle_timeout_ms,
    offlineTimeoutMs: config.sync.offline_timeout_ms,
    roomMatesOf: (userId) => syncRepo.roomMatesOf(userId).filter(isLocal),
    shareARoom: (a, b) => syncRepo.shareARoom(a, b),
    userExists: (userId) => isLocal(userId) && deps.accounts.getUser(userId) !== null,
    notify: (users) => notifier.notify(users),
  });
  const activity = (userId: string) => presence.active(userId);
  const typing = createTypingService({
    clock,
    maxTimeoutMs: config.sync.typing_max_timeout_ms,
    localMembersOf,
    isJoined,
    notify: (users) => notifier.notify(users),
    onActivity: activity,
  });
  const receipts = createReceiptsService({
    clock,
    rooms,
    store,
    receipts: createReceiptRepo(db),
    sync: syncRepo,
    localMembersOf: localMembersOfNid,
    notify: (users) => notifier.notify(users),
    onActivity: activity,
    fullyRead: {
      get: (userId, roomId) => {
        const id = readAccountData(userId, roomId, "m.fully_read")?.event_id;
        return typeof id === "string" ? id : null;
      },
      set: (userId, roomId, eventId) => {
        deps.accountData.putServerAccountData(userId, roomId, "m.fully_read", { event_id: eventId });
      },
    },
  });
  const ignoredUsers = createIgnoredUsers((userId) => readAccountData(userId, null, IGNORED_USER_LIST));
  const tags = createTagsService({
    read: (userId, roomId, type) => readAccountData(userId, roomId, type),
    write: (userId, roomId, type, content) => {
      deps.accountData.putServerAccountData(userId, roomId, type, content);
    },
  });
  const sync = createSyncService({
    clock,
    notifier,
    maxTimeoutMs: config.sync.max_timeout_ms,
    filters: deps.filters,
    ignored: ignoredUsers,
    presence,
    unread: createUnreadCounts({
      single: deps.unread,
      rows: createPushNotificationRepo(db),
      readPositions: (userId, roomNid) => receipts.readPositions(userId, roomNid),
    }),
    providers: [
      createRoomEventsProvider({
        rooms,
        events,
        sync: syncRepo,
        state,
        store,
        roomsService: deps.rooms,
        aggregations: deps.roomInternals.aggregations,
        lazy: createLazyMembersCache(),
        defaultTimelineLimit: config.sync.default_timeline_limit,
        maxTimelineLimit: config.sync.max_timeline_limit,
      }),
      createAccountDataProvider(deps.accountData, deps.accountDataDefaults),
      createReceiptsProvider(receipts),
      createTypingProvider(typing),
      createPresenceProvider(presence, syncRepo, localMembersOfNid),
      createE2eeProvider(deps.e2ee),
    ],
  });

  return {
    services: { sync, typing, receipts: withReadHook(receipts, deps.onReadReceipt), presence, tags, ignoredUsers },
    eventPersisted(e) {
      const ev = e.event;
      if (ev.type === "m.room.member" && ev.stateKey !== undefined && ev.content.membership !== "join") {
        typing.userLeft(e.room.roomId, ev.stateKey);
      }
      if (!isLocal(e.event.sender) || e.stored.streamOrdering === null) return;
      // Sending an event reads the room up to it (notification counts), and is activity (presence).
      const loaded = store.byNid(e.stored.eventNid);
      if (loaded) receipts.ownEventSent(e.event.sender, loaded);
      if (e.event.type !== "m.room.member") presence.active(e.event.sender);
    },
    accountDataChanged(e) {
      if (e.type === IGNORED_USER_LIST) ignoredUsers.invalidate(e.userId);
      notifier.notify([e.userId]);
    },
    stop() {
      sync.stop();
      typing.stop();
      presence.stop();
    },
  };
}

/** The receipts service, telling `onRead` after each read receipt a user posts. */
function withReadHook(
  receipts: ReceiptsService,
  onRead: ((userId: string, roomId: string) => void) | undefined,
): ReceiptsService {
  if (!onRead) return receipts;
  return {
    ...receipts,
    postReceipt(userId, roomId, type, eventId, threadId) {
      receipts.postReceipt(userId, roomId, type, eventId, threadId);
      if (type !== "m.fully_read") onRead(userId, roomId);
    },
    setReadMarkers(userId, roomId, markers) {
      receipts.setReadMarkers(userId, roomId, markers);
      if (markers.read !== undefined || markers.readPrivate !== undefined) onRead(userId, roomId);
    },
  };
}
