/**
 * Reads room events and state for the rooms services: stored rows parsed into `RoomEvent` views
 * (cached), and state snapshots as (type, state_key) lookups.
 */

import { type Pdu, type RoomEvent, roomEventOf } from "../../core/events";
import type { EventId } from "../../core/ids";
import { type RoomVersionRules, roomVersion } from "../../core/rooms/versions";
import type { Db } from "../../storage/db";
import type { EventRepo, StoredEvent } from "../../storage/repos/events";
import type { RoomRepo, RoomRow } from "../../storage/repos/rooms";
import type { StateMap, StateStore } from "../../storage/repos/state-store";

export interface LoadedEvent {
  stored: StoredEvent;
  event: RoomEvent;
}

/** State as the auth rules and services read it. */
export interface StateView {
  get(type: string, stateKey: string): RoomEvent | undefined;
  /** All (type, state_key, event) of this state; loads every event. */
  entries(): Iterable<{ type: string; stateKey: string; eventNid: number }>;
  readonly map: StateMap;
}

export interface EventStore {
  rulesOf(room: RoomRow): RoomVersionRules;
  byId(eventId: string): LoadedEvent | null;
  byNid(eventNid: number): LoadedEvent | null;
  fromStored(stored: StoredEvent): LoadedEvent;
  /**
   * Caches an event just written (in the current transaction) from what the writer already has,
   * instead of reading the row back and parsing its JSON. `stored` must be exactly the stored row.
   */
  remember(stored: StoredEvent, event: RoomEvent): LoadedEvent;
  stateView(snapshotNid: number | null): StateView;
  /** The state events of a snapshot filtered by type (and state_key when given). */
  stateEventsOfType(snapshotNid: number | null, type: string): LoadedEvent[];
  /** Forgets cached parses (after pruning or redaction rewrites). */
  invalidate(eventNid: number): void;
}

/**
 * How much the parsed-event cache holds, counted in stored JSON characters: about 3,000 typical events
 * (a parsed event takes about 3.5 times its JSON in the heap, so ~8 MB of heap), least recently used
 * first out. The hot set is the state events every write checks (create, power levels, join rules,
 * members) and the latest events /sync returns. The cache used to keep the last 20,000 events of any
 * size: ~45 MB of heap and, with the garbage collector's slack, ~90 MB of resident memory on a server
 * with 100 rooms (scripts/bench/rooms.ts: 387 -> 126 MiB after 100,000 events), for no measured gain
 * in send or /sync speed.
 */
const CACHE_CHARS = 2 * 1024 * 1024;
const CACHE_ENTRIES = 20_000;
/** What an entry costs besides its JSON (the parsed objects' own slots), in the same unit. */
const ENTRY_OVERHEAD = 200;

/**
 * A hit moves an entry to the back only when it has fallen this many insertions behind: moving costs
 * about a microsecond (a JS Map delete and set), and the state events a write checks are hit several
 * times per write.
 */
const REFRESH_AFTER = 256;

interface Entry {
  loaded: LoadedEvent;
  /** The insertion count when the entry was (re)inserted. */
  seq: number;
}

export function createEventStore(deps: { db: Db; events: EventRepo; rooms: RoomRepo; state: StateStore }): EventStore {
  // Least recently used first (roughly: see REFRESH_AFTER).
  const cache = new Map<number, Entry>();
  const nidById = new Map<string, number>();
  const roomRules = new Map<number, RoomVersionRules>();
  let chars = 0;
  let inserted = 0;
  const weight = (e: LoadedEvent) => e.stored.json.length + ENTRY_OVERHEAD;
  const forget = (nid: number) => {
    const hit = cache.get(nid);
    if (!hit) return;
    nidById.delete(hit.loaded.stored.eventId);
    cache.delete(nid);
    chars -= weight(hit.loaded);
  };
  const touch = (nid: number, hit: Entry): LoadedEvent => {
    if (inserted - hit.seq > REFRESH_AFTER) {
      cache.delete(nid);
      hit.seq = ++inserted;
      cache.set(nid, hit);
    }
    return hit.loaded;
  };

  const rulesOfNid = (roomNid: number): RoomVersionRules => {
    let r = roomRules.get(roomNid);
    if (!r) {
      const room = deps.rooms.byNid(roomNid);
      if (!room) throw new Error(`room ${roomNid} not found`);
      r = roomVersion(room.roomVersion) ?? undefined;
      if (!r) throw new Error(`room ${room.roomId} has unknown version ${room.roomVersion}`);
      roomRules.set(roomNid, r);
      // A room created in a transaction that rolls back may hand its number to another room.
      deps.db.onRollback(() => roomRules.delete(roomNid));
    }
    return r;
  };

  const fromStored = (stored: StoredEvent): LoadedEvent => {
    const hit = cache.get(stored.eventNid);
    if (hit && hit.loaded.stored.json === stored.json && hit.loaded.stored.redactedBy === stored.redactedBy) {
      return touch(stored.eventNid, hit);
    }
    const pdu = JSON.parse(stored.json) as Pdu;
    return cacheLoaded({ stored, event: roomEventOf(pdu, rulesOfNid(stored.roomNid), stored.eventId as EventId) });
  };

  const cacheLoaded = (loaded: LoadedEvent): LoadedEvent => {
    const { stored } = loaded;
    forget(stored.eventNid);
    cache.set(stored.eventNid, { loaded, seq: ++inserted });
    nidById.set(stored.eventId, stored.eventNid);
    chars += weight(loaded);
    while (chars > CACHE_CHARS || cache.size > CACHE_ENTRIES) {
      const oldest = cache.keys().next().value!;
      if (oldest === stored.eventNid) break; // a single event larger than the budget stays until the next one
      forget(oldest);
    }
    // An event stored in a transaction that rolls back never existed; its number may be reused.
    deps.db.onRollback(() => forget(stored.eventNid));
    return loaded;
  };

  const byNid = (nid: number): LoadedEvent | null => {
    const hit = cache.get(nid);
    if (hit) return touch(nid, hit);
    const stored = deps.events.byNid(nid);
    return stored ? fromStored(stored) : null;
  };

  const emptyMap: StateMap = new Map();

  return {
    rulesOf: (room) => rulesOfNid(room.roomNid),
    byId(eventId) {
      const nid = nidById.get(eventId);
      if (nid !== undefined) {
        const hit = cache.get(nid);
        if (hit) return touch(nid, hit);
      }
      const stored = deps.events.byId(eventId);
      return stored ? fromStored(stored) : null;
    },
    byNid,
    fromStored,
    remember: (stored, event) => cacheLoaded({ stored, event }),
    stateView(snapshotNid) {
      const map = snapshotNid === null ? emptyMap : deps.state.load(snapshotNid);
      return {
        map,
        get(type, stateKey) {
          const k = deps.state.lookupKey(type, stateKey);
          if (k === null) return undefined;
          const nid = map.get(k);
          return nid === undefined ? undefined : byNid(nid)?.event;
        },
        *entries() {
          for (const [k, eventNid] of map) {
            const { type, stateKey } = deps.state.keyOf(k);
            yield { type, stateKey, eventNid };
          }
        },
      };
    },
    stateEventsOfType(snapshotNid, type) {
      if (snapshotNid === null) return [];
      const out: LoadedEvent[] = [];
      for (const [k, nid] of deps.state.load(snapshotNid)) {
        if (deps.state.keyOf(k).type !== type) continue;
        const ev = byNid(nid);
        if (ev) out.push(ev);
      }
      return out;
    },
    invalidate(nid) {
      forget(nid);
    },
  };
}
