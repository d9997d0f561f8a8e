/**
 * The room-events stream in /sync: `rooms.join` (timeline, state, summary), `rooms.invite`,
 * `rooms.leave` and `rooms.knock`.
 *
 * - Complete sync: every joined room with its newest events and the full state at the start of
 *   the timeline; invites and knocks; left rooms only with `include_leave`.
 * - Incremental sync: joined rooms with new events; when the timeline does not reach back to the
 *   since token (limited, or filtered), `state` holds exactly the state that differs between the
 *   since token and the start of the timeline. A room joined since the token (also a rejoin) is
 *   synced in full. A room left (or banned from) since the token appears once in `leave`, with
 *   the events up to the leave. New invites and knocks appear once.
 * - `full_state`: every joined room, with the full state at the start of its timeline.
 * - Lazy-loading members (state filter): only the member events of the timeline's senders, of the
 *   heroes and (when joining or on full state) of the user, minus those this device already has
 *   unless `include_redundant_members`; member changes in a gap are always sent.
 */
import { toStrippedState } from "../../../core/events";
import type { EventRepo } from "../../../storage/repos/events";
import type { MembershipRow, RoomRepo, RoomRow } from "../../../storage/repos/rooms";
import type { StateStore } from "../../../storage/repos/state-store";
import type { SyncRepo } from "../../../storage/repos/sync";
import type { Aggregations } from "../../rooms/aggregations";
import type { EventStore, LoadedEvent } from "../../rooms/event-store";
import { formatTopoToken, tokenBefore } from "../../rooms/pagination-token";
import type { RoomsService } from "../../rooms/rooms-service";
import { createEventFormatter } from "../event-format";
import type { LazyMembersCache } from "../lazy-members";
import type { JoinedRoom, LeftRoom, WireEvent } from "../response";
import { selectTimeline, type TimelineWindow } from "../room-timeline";
import { formatSyncToken } from "../token";
import type { StreamProvider } from "./types";

export interface RoomEventsDeps {
  rooms: RoomRepo;
  events: EventRepo;
  sync: SyncRepo;
  state: StateStore;
  store: EventStore;
  roomsService: RoomsService;
  /** Bundled aggregations, loaded for a whole timeline at once. */
  aggregations: Pick<Aggregations, "withPrimed">;
  lazy: LazyMembersCache;
  defaultTimelineLimit: number;
  maxTimelineLimit: number;
}

/** The state events that make up an invite's or knock's stripped state (client-server API, "Stripped state"). */
const STRIPPED_TYPES = [
  "m.room.create",
  "m.room.name",
  "m.room.avatar",
  "m.room.topic",
  "m.room.join_rules",
  "m.room.canonical_alias",
  "m.room.encryption",
];
const MEMBERSHIPS = ["join", "invite", "leave", "ban", "knock"] as const;
const SUMMARY_TYPES = new Set(["m.room.member", "m.room.name", "m.room.canonical_alias"]);

const nonEmptyString = (v: unknown) => typeof v === "string" && v.length > 0;

export function createRoomEventsProvider(deps: RoomEventsDeps): StreamProvider {
  const { rooms, store, sync } = deps;

  /** The snapshot of a room's state at a stream position (after the last event at or before it). */
  const stateAt = (roomNid: number, stream: number): number | null =>
    sync.lastAtOrBefore(roomNid, stream)?.stateAfterNid ?? null;

  const membershipIn = (snap: number | null, userId: string): string | null => {
    const m = store.stateView(snap).get("m.room.member", userId)?.content.membership;
    return typeof m === "string" ? m : null;
  };

  return {
    name: "events",
    positions: () => ({ events: deps.events.maxStreamOrdering() }),
    sync(pass) {
      const { req } = pass;
      const userId = req.userId;
      const f = req.filter;
      const since = req.since?.events ?? null;
      const to = pass.to.events;
      const limit = Math.min(f.room.timeline.limit ?? deps.defaultTimelineLimit, deps.maxTimelineLimit);
      const device = `${userId}|${req.deviceId}`;
      if (since === null) deps.lazy.reset(device);
      const changed = since === null || since >= to ? null : sync.roomsWithEventsIn(since, to);

      /** Per-room context: formatting and the lazy-loading bookkeeping. */
      const roomCtx = (room: RoomRow, m: MembershipRow) => {
        const format = createEventFormatter({
          ctx: deps.roomsService.clientContext(room, { userId, deviceId: req.deviceId }),
          viewerId: userId,
          store,
          filter: f,
          current: { membership: m.membership, since: m.streamOrdering },
        });
        /** Formats events, their bundled aggregations loaded in one query. */
        const render = (events: LoadedEvent[]): WireEvent[] =>
          events.length === 0
            ? []
            : deps.aggregations.withPrimed(
                room.roomNid,
                events.map((e) => e.event.eventId),
                userId,
                () => events.map(format),
              );
        return { render, sent: deps.lazy.sent(device, room.roomId) };
      };

      const timeline = (room: RoomRow, from: number | null, upTo: number, membership: string): TimelineWindow =>
        f.room.timeline.matchesRoom(room.roomId)
          ? selectTimeline(
              { sync, store, visibility: deps.roomsService.visibility },
              {
                roomNid: room.roomNid,
                userId,
                currentMembership: membership,
                from,
                to: upTo,
                limit,
                filter: f.room.timeline,
                ignored: pass.ignored,
              },
            )
          : { events: [], limited: false, rangeHadEvents: false };

      const prevBatch = (tl: TimelineWindow, upTo: number) =>
        tl.events[0]
          ? formatTopoToken(
              tokenBefore({
                topologicalOrdering: tl.events[0].stored.topologicalOrdering,
                streamOrdering: tl.events[0].stored.streamOrdering,
              }),
            )
          : formatSyncToken({ ...pass.to, events: upTo });

      /**
       * The state section. `base` undefined: the full state at `start`; otherwise the entries of
       * `start` that differ from `base` (a gap's member changes always included). Lazy-loading
       * keeps member events only for `needed` users, minus those this device already has.
       */
      const stateEvents = (
        room: RoomRow,
        start: number | null,
        base: number | null | undefined,
        needed: ReadonlySet<string>,
        sent: Map<string, string>,
      ): LoadedEvent[] => {
        const filter = f.room.state;
        if (!filter.matchesRoom(room.roomId)) return [];
        const lazy = filter.lazyLoadMembers;
        const redundant = (u: string, eventId: string) => !filter.includeRedundantMembers && sent.get(u) === eventId;
        const startMap = store.stateView(start).map;
        const baseMap = base === undefined ? null : store.stateView(base).map;
        const out: LoadedEvent[] = [];
        const taken = new Set<number>();
        for (const [k, eventNid] of startMap) {
          if (baseMap && baseMap.get(k) === eventNid) continue;
          const { type, stateKey } = deps.state.keyOf(k);
          const lazyMember = !baseMap && lazy && type === "m.room.member";
          if (lazyMember && !needed.has(stateKey)) continue;
          const ev = store.byNid(eventNid);
          if (!ev || (lazyMember && redundant(stateKey, ev.event.eventId))) continue;
          if (!filter.matches({ type, sender: ev.event.sender, content: ev.event.content })) continue;
          out.push(ev);
          taken.add(eventNid);
        }
        // Diffing with lazy-loading: needed members who did not change in the gap still need their event.
        if (baseMap && lazy) {
          for (const u of needed) {
            const k = deps.state.lookupKey("m.room.member", u);
            const nid = k === null ? undefined : startMap.get(k);
            if (nid === undefined || taken.has(nid)) continue;
            const ev = store.byNid(nid);
            if (!ev || redundant(u, ev.event.eventId)) continue;
            if (!filter.matches({ type: ev.event.type, sender: ev.event.sender, content: ev.event.content })) continue;
            out.push(ev);
          }
        }
        return out;
      };

      const summaryOf = (room: RoomRow): NonNullable<JoinedRoom["summary"]> => {
        const view = store.stateView(room.currentSnapshotNid);
        const summary: NonNullable<JoinedRoom["summary"]> = {
          "m.joined_member_count": rooms.countMembers(room.roomNid, "join"),
          "m.invited_member_count": rooms.countMembers(room.roomNid, "invite"),
        };
        const named =
          nonEmptyString(view.get("m.room.name", "")?.content.name) ||
          nonEmptyString(view.get("m.room.canonical_alias", "")?.content.alias);
        if (!named) {
          let heroes = sync.membersInOrder(room.roomNid, ["join", "invite"], userId, 5);
          if (heroes.length === 0) heroes = sync.membersInOrder(room.roomNid, ["leave", "ban"], userId, 5);
          summary["m.heroes"] = heroes;
        }
        return summary;
      };

      const neededMembers = (tl: TimelineWindow, withSelf: boolean, heroes: readonly string[] | undefined) => {
        const needed = new Set<string>(heroes ?? []);
        for (const ev of tl.events) needed.add(ev.event.sender);
        if (withSelf) needed.add(userId);
        return needed;
      };

      const remember = (sent: Map<string, string>, events: Iterable<LoadedEvent>) => {
        for (const ev of events) {
          if (ev.event.type === "m.room.member" && ev.event.stateKey !== undefined) {
            sent.set(ev.event.stateKey, ev.event.eventId);
          }
        }
      };

      /**
       * The snapshot the state section describes: the state at the start of the timeline, or with
       * use_state_after the state at its end (the stream position it reaches).
       */
      const stateSnapshot = (room: RoomRow, tl: TimelineWindow, upTo: number): number | null =>
        !req.useStateAfter && tl.events[0] ? tl.events[0].stored.stateBeforeNid : stateAt(room.roomNid, upTo);

      /** A joined room synced in full (complete sync, newly joined, full_state). */
      const fullJoined = (room: RoomRow, m: MembershipRow, from: number | null) => {
        pass.completeRooms.add(room.roomId);
        const { render, sent } = roomCtx(room, m);
        const tl = timeline(room, from, to, "join");
        const start = stateSnapshot(room, tl, to);
        const summary = summaryOf(room);
        const state = stateEvents(room, start, undefined, neededMembers(tl, true, summary["m.heroes"]), sent);
        remember(sent, state);
        remember(sent, tl.events);
        const entry = pass.joined(room.roomId);
        entry.summary = summary;
        entry.state = { events: render(state) };
        entry.timeline = { events: render(tl.events), limited: tl.limited, prev_batch: prevBatch(tl, to) };
      };

      /** A joined room with new events since the token. */
      const incrementalJoined = (room: RoomRow, m: MembershipRow, from: number) => {
        const tl = timeline(room, from, to, "join");
        if (!tl.rangeHadEvents) return;
        const { render, sent } = roomCtx(room, m);
        const start = stateSnapshot(room, tl, to);
        const base = stateAt(room.roomNid, from);
        const needsSummary = (evs: LoadedEvent[]) => evs.some((e) => SUMMARY_TYPES.has(e.event.type));
        let state: LoadedEvent[] = [];
        if (start !== base || f.room.state.lazyLoadMembers) {
          state = stateEvents(room, start, base, neededMembers(tl, false, undefined), sent);
        }
        if (tl.events.length === 0 && state.length === 0) return;
        const entry = pass.joined(room.roomId);
        if (needsSummary(tl.events) || needsSummary(state)) {
          entry.summary = summaryOf(room);
          const heroes = entry.summary["m.heroes"];
          if (heroes && f.room.state.lazyLoadMembers) {
            const have = new Set(state.map((e) => e.stored.eventNid));
            for (const extra of stateEvents(room, start, base, new Set(heroes), sent)) {
              if (!have.has(extra.stored.eventNid)) state.push(extra);
            }
          }
        }
        remember(sent, state);
        remember(sent, tl.events);
        entry.state = { events: render(state) };
        entry.timeline = { events: render(tl.events), limited: tl.limited, prev_batch: prevBatch(tl, to) };
      };

      /** A room the user left or was banned from: the events up to the leave. */
      const left = (room: RoomRow, m: MembershipRow, from: number | null) => {
        const upTo = m.streamOrdering;
        const { render, sent } = roomCtx(room, m);
        const tl = timeline(room, from, upTo, m.membership);
        // The event that took the user out is always theirs to see (a ban after a kick, a refused
        // invite), so that the client learns why the room went away.
        const own = store.byNid(m.eventNid);
        if (
          own &&
          f.room.timeline.matchesRoom(room.roomId) &&
          !tl.events.some((e) => e.stored.eventNid === own.stored.eventNid) &&
          f.room.timeline.matches({ type: own.event.type, sender: own.event.sender, content: own.event.content })
        ) {
          if (tl.events.length >= limit) {
            tl.events.shift();
            tl.limited = true;
          }
          tl.events.push(own);
        }
        const start = stateSnapshot(room, tl, upTo);
        const joinedAtSince = from !== null && membershipIn(stateAt(room.roomNid, from), userId) === "join";
        let state: LoadedEvent[] = [];
        if (joinedAtSince) {
          state = stateEvents(room, start, stateAt(room.roomNid, from!), neededMembers(tl, false, undefined), sent);
        } else {
          // Full state only if the user was in the room during the timeline (not for a refused invite).
          const atStart = tl.events[0] ? tl.events[0].stored.stateBeforeNid : stateAt(room.roomNid, upTo);
          const joinedInWindow =
            membershipIn(atStart, userId) === "join" ||
            tl.events.some(
              (e) =>
                e.event.type === "m.room.member" &&
                e.event.stateKey === userId &&
                e.event.content.membership === "join",
            );
          if (joinedInWindow) state = stateEvents(room, start, undefined, neededMembers(tl, true, undefined), sent);
        }
        const entry: LeftRoom = {
          state: { events: render(state) },
          timeline: { events: render(tl.events), limited: tl.limited, prev_batch: prevBatch(tl, upTo) },
          account_data: { events: [] },
        };
        pass.response.rooms.leave[room.roomId] = entry;
      };

      const stripped = (m: MembershipRow): WireEvent[] | null => {
        const own = store.byNid(m.eventNid);
        if (!own) return null;
        if (m.membership === "invite" && pass.ignored.has(own.event.sender)) return null;
        const view = store.stateView(own.stored.stateAfterNid);
        const out: WireEvent[] = [];
        for (const type of STRIPPED_TYPES) {
          const ev = view.get(type, "");
          const s = ev ? toStrippedState(ev) : null;
          if (s) out.push(s as unknown as WireEvent);
        }
        if (own.event.sender !== userId) {
          const senderMember = view.get("m.room.member", own.event.sender);
          const s = senderMember ? toStrippedState(senderMember) : null;
          if (s) out.push(s as unknown as WireEvent);
        }
        const self = toStrippedState(own.event);
        if (self) out.push(self as unknown as WireEvent);
        return out;
      };

      for (const m of rooms.roomsOfUser(userId, MEMBERSHIPS)) {
        if (!f.room.includesRoom(m.roomId)) continue;
        const room = rooms.byNid(m.roomNid);
        if (!room) continue;
        const inRange = since !== null && m.streamOrdering > since && m.streamOrdering <= to;
        switch (m.membership) {
          case "join":
            pass.joinedRooms.set(room.roomId, room);
            if (since === null) fullJoined(room, m, null);
            else if (inRange && membershipIn(stateAt(room.roomNid, since), userId) !== "join")
              fullJoined(room, m, null);
            else if (req.fullState) fullJoined(room, m, since);
            else if (changed?.has(room.roomNid)) incrementalJoined(room, m, since);
            break;
          case "invite": {
            if (since !== null && !inRange) break;
            const events = stripped(m);
            if (events) pass.response.rooms.invite[room.roomId] = { invite_state: { events } };
            break;
          }
          case "knock": {
            if (since !== null && !inRange) break;
            const events = stripped(m);
            if (events) pass.response.rooms.knock[room.roomId] = { knock_state: { events } };
            break;
          }
          default:
            if (m.forgotten) break;
            if (since === null ? f.room.includeLeave : inRange) left(room, m, since);
        }
      }
    },
  };
}
