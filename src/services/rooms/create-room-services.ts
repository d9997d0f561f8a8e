/** Builds the rooms repositories and services (called once by server.ts). */

import type { Config } from "../../config/schema";
import type { SigningKey } from "../../core/crypto/ed25519";
import type { ServerName } from "../../core/ids";
import type { Db } from "../../storage/db";
import { createEventRepo, type EventRepo } from "../../storage/repos/events";
import { createRoomHistoryRepo, type RoomHistoryRepo } from "../../storage/repos/room-history";
import { createRoomRepo, type RoomRepo } from "../../storage/repos/rooms";
import { createStateStore, type StateStore } from "../../storage/repos/state-store";
import type { Clock } from "../../util/clock";
import type { Logger } from "../../util/log";
import { type Aggregations, createAggregations } from "./aggregations";
import { createEventStore, type EventStore } from "./event-store";
import { createLocalMembers, type LocalMembers } from "./local-members";
import { createRoomsService, type RoomsService } from "./rooms-service";
import { createCoreAuthorizer, createCoreResolver } from "./write/core-ports";
import { createRoomWriter, type PersistedEvent, type RoomWriter } from "./write/room-writer";

export interface RoomInternals {
  rooms: RoomRepo;
  events: EventRepo;
  state: StateStore;
  store: EventStore;
  writer: RoomWriter;
  /** Local users per room and membership (cached). */
  localMembers: LocalMembers;
  /** Read queries for history, relations and threads. */
  history: RoomHistoryRepo;
  /** Bundled aggregations (m.relations), with batch loading for pages of events. */
  aggregations: Aggregations;
}

export interface RoomServicesDeps {
  db: Db;
  config: Config;
  clock: Clock;
  logger: Logger;
  signingKey: SigningKey;
  profileOf(userId: string): { displayname?: string; avatar_url?: string };
}

export function createRoomServices(deps: RoomServicesDeps): {
  rooms: RoomsService;
  internals: RoomInternals;
  /** Subscribe to events after they are committed (sync notifier, push, federation). */
  onPersisted(listener: (e: PersistedEvent) => void): () => void;
} {
  const rooms = createRoomRepo(deps.db);
  const events = createEventRepo(deps.db);
  const state = createStateStore(deps.db);
  const store = createEventStore({ db: deps.db, events, rooms, state });
  const history = createRoomHistoryRepo(deps.db);
  const aggregations = createAggregations({ history, store });
  const localMembers = createLocalMembers({ db: deps.db, rooms, serverName: deps.config.server_name });
  const listeners = new Set<(e: PersistedEvent) => void>();
  const corePorts = {
    fetchEvent: (id: string) => store.byId(id)?.event,
    isRejected: (id: string) => Boolean(store.byId(id)?.stored.rejectedReason),
  };
  const writer = createRoomWriter({
    db: deps.db,
    rooms,
    events,
    state,
    store,
    serverName: deps.config.server_name,
    clock: deps.clock,
    localMembers,
    signer: { serverName: deps.config.server_name as ServerName, key: deps.signingKey },
    authorizer: createCoreAuthorizer(corePorts),
    resolver: createCoreResolver(corePorts),
    onListenersFailed(err) {
      deps.logger.error("event listeners' writes failed", { error: err instanceof Error ? err.message : String(err) });
    },
    onPersisted(e) {
      for (const l of listeners) {
        try {
          l(e);
        } catch (err) {
          deps.logger.error("event listener failed", { error: err instanceof Error ? err.message : String(err) });
        }
      }
    },
  });
  const service = createRoomsService({
    db: deps.db,
    rooms,
    events,
    state,
    store,
    writer,
    serverName: deps.config.server_name,
    clock: deps.clock,
    defaultRoomVersion: deps.config.rooms.default_room_version,
    profileOf: deps.profileOf,
    aggregations: aggregations.bundle,
    localMembers,
  });
  return {
    rooms: service,
    internals: { rooms, events, state, store, writer, localMembers, history, aggregations },
    onPersisted(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
