/**
 * The write path for room events. Creating a local event is one synchronous SQLite transaction:
 * choose prev_events (the forward extremities) and the state before them, select auth_events, hash
 * and sign, run the authorization rules, insert, derive the state after, move the extremities and
 * the current state, record the transaction ID. Being synchronous, it needs no lock against other
 * local writes; paths that await the network mid-way (federation) take the per-room lock instead.
 */
import { parseStateMapKey, stateMapKey } from "../../../core/auth";
import { MatrixError } from "../../../core/errors";
import {
  buildPdu as buildCorePdu,
  MAX_DEPTH_VALUE,
  type Pdu,
  type RoomEvent,
  referenceHash,
  roomEventOf,
  type Signer,
} from "../../../core/events";
import type { EventId, RoomId, UserId } from "../../../core/ids";
import { encodeBase64 } from "../../../core/json/base64";
import type { JsonObject } from "../../../core/json/types";
import { hasNamedPower, roomPower } from "../../../core/rooms";
import type { RoomVersionRules } from "../../../core/rooms/versions";
import type { Db } from "../../../storage/db";
import type { EventRepo, StoredEvent } from "../../../storage/repos/events";
import type { RoomRepo, RoomRow } from "../../../storage/repos/rooms";
import type { StateMap, StateStore } from "../../../storage/repos/state-store";
import type { Clock } from "../../../util/clock";
import { randomAlnum } from "../../../util/random";
import type { EventStore, LoadedEvent } from "../event-store";
import type { LocalMembers } from "../local-members";
import type { EventAuthorizer, StateResolver } from "./ports";

/** Most prev_events we cite (the spec caps it at 20 for received events). */
const MAX_PREV_EVENTS = 10;

export interface NewLocalEvent {
  type: string;
  stateKey?: string;
  sender: string;
  content: Record<string, unknown>;
  /** For m.room.redaction: the event it redacts (placed per room version). */
  redacts?: string;
  /** Client transaction for idempotent sends. */
  txn?: { deviceId: string; txnId: string };
}

/** What listeners (sync notifier, push, federation sender) learn after a commit. */
export interface PersistedEvent {
  room: RoomRow;
  event: RoomEvent;
  stored: StoredEvent;
  /** Local users whose view of the room may have changed (members, the target of a membership change). */
  localUsersToNotify: string[];
}

export interface RoomWriterDeps {
  db: Db;
  rooms: RoomRepo;
  events: EventRepo;
  state: StateStore;
  store: EventStore;
  serverName: string;
  clock: Clock;
  signer: Signer;
  localMembers: LocalMembers;
  authorizer: EventAuthorizer;
  resolver: StateResolver;
  /** Called after commit for every event persisted (inside a transaction of its own, for the listeners' writes). */
  onPersisted(e: PersistedEvent): void;
  /** The listeners' transaction could not commit (their writes are lost; the event is stored). */
  onListenersFailed?(err: unknown): void;
}

export interface RoomWriter {
  /** Creates, authorizes and stores a local event in an existing room; returns it (or the earlier one for a repeated txn). */
  createLocalEvent(roomId: string, ev: NewLocalEvent): LoadedEvent;
  /**
   * Creates a new room from its m.room.create content: builds the create event, derives the room ID
   * (v12: from the create event's hash; earlier: `!random:server`), stores both. Runs inside the
   * caller's transaction when there is one.
   */
  createRoomWithCreateEvent(
    rules: RoomVersionRules,
    sender: string,
    content: Record<string, unknown>,
  ): { room: RoomRow; create: LoadedEvent };
}

function relationOf(content: Record<string, unknown>): {
  relType: string | null;
  relatesTo: string | null;
  thread: string | null;
} {
  const rel = content["m.relates_to"];
  if (!rel || typeof rel !== "object" || Array.isArray(rel)) return { relType: null, relatesTo: null, thread: null };
  const r = rel as Record<string, unknown>;
  const relType = typeof r.rel_type === "string" ? r.rel_type : null;
  const relatesTo = typeof r.event_id === "string" ? r.event_id : null;
  return { relType, relatesTo, thread: relType === "m.thread" ? relatesTo : null };
}

function serverOf(userId: string): string {
  return userId.slice(userId.indexOf(":") + 1);
}

function containsUrl(content: Record<string, unknown>): boolean {
  return typeof content.url === "string";
}

export function createRoomWriter(deps: RoomWriterDeps): RoomWriter {
  const { db, rooms, events, state, store } = deps;

  const stateBeforeOf = (room: RoomRow, rules: RoomVersionRules, prevs: StoredEvent[]): number | null => {
    const snaps = [...new Set(prevs.map((p) => p.stateAfterNid).filter((s): s is number => s !== null))];
    if (snaps.length === 0) return null;
    if (snaps.length === 1) return snaps[0]!;
    return resolveSnapshots(room, rules, snaps);
  };

  const resolveSnapshots = (room: RoomRow, rules: RoomVersionRules, snaps: number[]): number => {
    const asIds = snaps.map((s) => {
      const m = new Map<string, EventId>();
      for (const [k, nid] of state.load(s)) {
        const { type, stateKey } = state.keyOf(k);
        const ev = store.byNid(nid);
        if (ev) m.set(stateMapKey(type, stateKey), ev.event.eventId);
      }
      return m;
    });
    const resolved = deps.resolver.resolve(rules, asIds);
    const full = new Map<number, number>();
    for (const [key, id] of resolved) {
      const [type, stateKey] = parseStateMapKey(key);
      const nid = events.nidOf(id);
      if (nid !== null) full.set(state.internKey(type, stateKey), nid);
    }
    return state.store(room.roomNid, full, snaps[0]);
  };

  const buildPdu = (
    room: { roomId: string | undefined },
    rules: RoomVersionRules,
    ev: NewLocalEvent,
    prevs: StoredEvent[],
    authIds: EventId[],
    originServerTs = deps.clock.now(),
  ): { pdu: Pdu; eventId: EventId } => {
    const depth = Math.min(MAX_DEPTH_VALUE, prevs.reduce((d, p) => Math.max(d, p.depth), 0) + 1);
    const built = buildCorePdu(
      {
        type: ev.type,
        sender: ev.sender as UserId,
        content: ev.content as JsonObject,
        stateKey: ev.stateKey,
        roomId: room.roomId as RoomId | undefined,
        prevEvents: prevs.map((p) => p.eventId as EventId),
        authEvents: authIds,
        depth,
        originServerTs,
        redacts: ev.redacts as EventId | undefined,
        eventId: rules.eventFormat.edgesAsPairs ? (`$${randomAlnum(18)}:${deps.serverName}` as EventId) : undefined,
        edgeHashes: (id) => {
          const loaded = store.byId(id);
          return loaded ? { sha256: encodeBase64(referenceHash(loaded.event.pdu, rules)) } : undefined;
        },
      },
      rules,
      deps.signer,
    );
    if (!built.ok) {
      if (/^event is \d+ bytes/.test(built.reason)) throw MatrixError.tooLarge(`Event too large: ${built.reason}`);
      throw MatrixError.badJson(`Invalid event: ${built.reason}`);
    }
    return { pdu: built.pdu, eventId: built.eventId };
  };

  /** Inserts an event whose state before is known, and moves extremities and current state. */
  const persist = (
    room: RoomRow,
    rules: RoomVersionRules,
    event: RoomEvent,
    stateBefore: number | null,
    prevNids: number[],
    /** No forward extremity other than `prevNids` existed (so the new event is the only one after it). */
    onlyPrevsWereExtremities: boolean,
  ): LoadedEvent => {
    const rel = relationOf(event.content);
    const now = deps.clock.now();
    const row: Omit<StoredEvent, "eventNid" | "redactedBy"> = {
      eventId: event.eventId,
      roomNid: room.roomNid,
      type: event.type,
      stateKey: event.stateKey ?? null,
      sender: event.sender,
      originServerTs: event.originServerTs,
      depth: event.depth,
      streamOrdering: events.maxStreamOrdering() + 1,
      topologicalOrdering: event.depth,
      json: JSON.stringify(event.pdu),
      stateBeforeNid: stateBefore,
      stateAfterNid: stateBefore,
      outlier: false,
      rejectedReason: null,
      softFailed: false,
      relType: rel.relType,
      relatesToId: rel.relatesTo,
      threadId: rel.thread,
    };
    const nid = events.insert({
      ...row,
      containsUrl: containsUrl(event.content),
      receivedAt: now,
      prevEventIds: event.prevEvents,
      authEventIds: event.authEvents,
    });
    let stateAfter = stateBefore;
    if (event.stateKey !== undefined) {
      stateAfter = state.derive(
        room.roomNid,
        stateBefore,
        new Map([[state.internKey(event.type, event.stateKey), nid]]),
      );
      events.setStateAfter(nid, stateAfter);
    }
    const isExtremity = events.updateExtremities(room.roomNid, prevNids, nid, event.eventId);
    // The usual case: the new event is now the room's only forward extremity (no need to read them back).
    updateCurrentState(room, rules, isExtremity && onlyPrevsWereExtremities ? [{ stateAfterNid: stateAfter }] : null);
    // The row as written (the same as reading it back, without the read and the JSON parse).
    const loaded = store.remember({ ...row, eventNid: nid, stateAfterNid: stateAfter, redactedBy: null }, event);
    if (event.redacts !== undefined) applyRedaction(room, event, stateBefore);
    return loaded;
  };

  /**
   * Marks the target of a redaction as redacted when the redaction may take effect (rooms v3+
   * "Handling redactions"): the redacter has the redact power level, or is on the target sender's
   * server. In v1/v2 the authorization rules have already checked this.
   */
  const applyRedaction = (room: RoomRow, redaction: RoomEvent, stateBefore: number | null) => {
    const target = store.byId(redaction.redacts!);
    if (!target || target.stored.roomNid !== room.roomNid || target.stored.redactedBy) return;
    const rules = store.rulesOf(room);
    const sameServer = serverOf(redaction.sender) === serverOf(target.event.sender);
    if (!sameServer && !rules.auth.specialCaseRedactionDomain) {
      const view = store.stateView(stateBefore);
      const power = roomPower(rules, view.get("m.room.create", ""), view.get("m.room.power_levels", "")?.content);
      if (!hasNamedPower(power, redaction.sender, "redact")) return;
    }
    events.setRedactedBy(target.stored.eventNid, redaction.eventId);
    store.invalidate(target.stored.eventNid);
  };

  const updateCurrentState = (
    room: RoomRow,
    rules: RoomVersionRules,
    extremities: readonly Pick<StoredEvent, "stateAfterNid">[] | null,
  ) => {
    const ext = extremities ?? events.forwardExtremities(room.roomNid);
    const fresh = rooms.byNid(room.roomNid)!;
    const snaps = [...new Set(ext.map((e) => e.stateAfterNid).filter((s): s is number => s !== null))];
    if (snaps.length === 0) return;
    const next = snaps.length === 1 ? snaps[0]! : resolveSnapshots(room, rules, snaps);
    if (next === fresh.currentSnapshotNid) return;
    const oldMap: StateMap = fresh.currentSnapshotNid === null ? new Map() : state.load(fresh.currentSnapshotNid);
    const newMap = state.load(next);
    const changes = new Map<number, number>();
    for (const [k, e] of newMap) if (oldMap.get(k) !== e) changes.set(k, e);
    for (const k of oldMap.keys()) if (!newMap.has(k)) changes.set(k, 0);
    rooms.applyCurrentState(room.roomNid, changes);
    rooms.setCurrentSnapshot(room.roomNid, next);
    for (const [k, e] of changes) {
      const { type, stateKey } = state.keyOf(k);
      if (type !== "m.room.member") continue;
      const ev = e === 0 ? null : store.byNid(e);
      const membership = ev && typeof ev.event.content.membership === "string" ? ev.event.content.membership : "leave";
      deps.localMembers.set(room.roomNid, stateKey, membership);
      rooms.setMembership({
        roomNid: room.roomNid,
        userId: stateKey,
        membership,
        eventNid: e === 0 ? (ev?.stored.eventNid ?? 0) : e,
        streamOrdering: ev?.stored.streamOrdering ?? events.maxStreamOrdering(),
      });
    }
  };

  const localUsersOf = (room: RoomRow, event: RoomEvent): string[] => {
    const users = new Set(deps.localMembers.of(room.roomNid, ["join", "invite", "knock"]));
    if (event.type === "m.room.member" && event.stateKey?.endsWith(`:${deps.serverName}`)) users.add(event.stateKey);
    return [...users];
  };

  const announce = (loaded: LoadedEvent) => {
    const room = rooms.byNid(loaded.stored.roomNid)!;
    const e: PersistedEvent = {
      room,
      event: loaded.event,
      stored: loaded.stored,
      localUsersToNotify: localUsersOf(room, loaded.event),
    };
    // The listeners' own writes (notifications, implicit read receipts, device-list changes) share one
    // transaction: one commit per event instead of one per listener. A listener's failure is its own
    // (onPersisted catches it); only a failed COMMIT of this second transaction is reported here, and the
    // event itself stays committed.
    db.afterCommit(() => {
      try {
        db.tx(() => deps.onPersisted(e));
      } catch (err) {
        deps.onListenersFailed?.(err);
      }
    });
  };

  return {
    createLocalEvent(roomId, ev) {
      return db.tx(() => {
        if (ev.txn) {
          const earlier = rooms.txnEvent(ev.sender, ev.txn.deviceId, ev.txn.txnId);
          if (earlier) {
            const loaded = store.byId(earlier);
            if (loaded) return loaded;
          }
        }
        const room = rooms.byId(roomId);
        if (!room) throw MatrixError.notFound("Unknown room");
        const rules = store.rulesOf(room);
        const extremities = events.forwardExtremities(room.roomNid);
        const prevs = extremities.slice(0, MAX_PREV_EVENTS);
        if (prevs.length === 0) throw MatrixError.notFound("Room has no events");
        const stateBefore = stateBeforeOf(room, rules, prevs);
        const view = store.stateView(stateBefore);
        const lookup = (t: string, k: string) => view.get(t, k);
        const content =
          rules.eventFormat.redactsInContent && ev.redacts !== undefined
            ? { ...ev.content, redacts: ev.redacts }
            : ev.content;
        const authIds = deps.authorizer.selectAuthEvents(
          rules,
          { type: ev.type, stateKey: ev.stateKey, sender: ev.sender, content },
          lookup,
        );
        const { pdu, eventId } = buildPdu({ roomId: room.roomId }, rules, { ...ev, content }, prevs, authIds);
        const event = roomEventOf(pdu, rules, eventId);
        const outcome = deps.authorizer.check(rules, event, lookup);
        if (!outcome.ok) throw MatrixError.forbidden(outcome.reason);
        const loaded = persist(
          room,
          rules,
          event,
          stateBefore,
          prevs.map((p) => p.eventNid),
          extremities.length === prevs.length,
        );
        if (ev.txn) rooms.insertTxn(ev.sender, ev.txn.deviceId, ev.txn.txnId, eventId, deps.clock.now());
        announce(loaded);
        return loaded;
      });
    },

    createRoomWithCreateEvent(rules, sender, content) {
      return db.tx(() => {
        const provisionalId = rules.eventFormat.roomIdFromCreateEvent
          ? undefined
          : `!${randomAlnum(18)}:${deps.serverName}`;
        const ev: NewLocalEvent = { type: "m.room.create", stateKey: "", sender, content };
        // v12 room IDs are the create event's hash: the same user creating the same room in the same
        // millisecond would get the same ID, so a taken ID moves the timestamp on and builds again.
        let ts = deps.clock.now();
        let built = buildPdu({ roomId: provisionalId }, rules, ev, [], [], ts);
        let event = roomEventOf(built.pdu, rules, built.eventId);
        for (let tries = 0; rooms.byId(event.roomId) && tries < 1000; tries++) {
          built = buildPdu({ roomId: provisionalId }, rules, ev, [], [], ++ts);
          event = roomEventOf(built.pdu, rules, built.eventId);
        }
        const outcome = deps.authorizer.check(rules, event, () => undefined);
        if (!outcome.ok) throw MatrixError.forbidden(outcome.reason);
        if (rooms.byId(event.roomId)) throw new MatrixError(400, "M_ROOM_IN_USE", "Room ID already in use");
        const roomNid = rooms.insert(event.roomId as RoomId, rules.id, deps.clock.now());
        const room = rooms.byNid(roomNid)!;
        const loaded = persist(room, rules, event, null, [], true); // a new room: no extremities yet
        announce(loaded);
        return { room: rooms.byNid(roomNid)!, create: loaded };
      });
    },
  };
}
