/**
 * GET /sync: complete, incremental and long-polling (client-server API, "Syncing").
 *
 * A response is computed in one synchronous pass at the current position of every stream (so no
 * write can slip in between the parts). An incremental sync with nothing new waits on the
 * notifier, which wakes it only when a fact concerns its user (an event in one of their rooms,
 * their typing/receipts/presence/account data/to-device...), then computes again; it returns as
 * soon as something is new, when `timeout` (capped by config) runs out, or at once with
 * `full_state`. A client that disconnects ends the wait at once and leaves nothing behind.
 */

import type { RoomRow } from "../../storage/repos/rooms";
import type { Clock } from "../../util/clock";
import type { IgnoredUsers } from "../ephemeral/ignored-users";
import type { PresenceService, PresenceState } from "../ephemeral/presence";
import type { FiltersService } from "../filters/filters-service";
import type { Notifier } from "./notifier";
import {
  emptyJoinedRoom,
  emptyResponse,
  isEmptyResponse,
  type SyncResponse,
  type UnreadCounts as WireCounts,
} from "./response";
import type { StreamProvider, SyncPass, SyncRequest } from "./streams/types";
import { resolveSyncFilter } from "./sync-filter";
import { formatSyncToken, parseSyncToken, STREAMS, type SyncToken, tokenCovers } from "./token";
import type { UnreadCounts } from "./unread-counts";

export interface SyncParams {
  filter?: string | undefined;
  since?: string | undefined;
  fullState?: boolean | undefined;
  useStateAfter?: boolean | undefined;
  setPresence?: PresenceState | undefined;
  timeoutMs?: number | undefined;
  /** Aborts when the client goes away. */
  signal?: AbortSignal | undefined;
}

export interface SyncServiceDeps {
  clock: Clock;
  notifier: Notifier;
  maxTimeoutMs: number;
  filters: FiltersService;
  ignored: IgnoredUsers;
  presence: PresenceService;
  unread: UnreadCounts;
  /** The room-events provider first; the others after it. */
  providers: StreamProvider[];
}

export interface SyncService {
  sync(viewer: { userId: string; deviceId: string }, params: SyncParams): Promise<SyncResponse>;
  /** Adds a stream provider (end-to-end encryption adds to-device and device lists). */
  addProvider(provider: StreamProvider): void;
  /** The current position of every stream (streams without a provider at `fallback`'s value). */
  currentToken(fallback?: SyncToken | null): SyncToken;
  /** Ends every waiting /sync (shutdown); later ones return without waiting. */
  stop(): void;
}

const toWire = (c: { notify: number; highlight: number }): WireCounts => ({
  highlight_count: c.highlight,
  notification_count: c.notify,
});

export function createSyncService(deps: SyncServiceDeps): SyncService {
  const providers = [...deps.providers];
  const closing = new AbortController();

  const currentToken = (fallback: SyncToken | null = null): SyncToken => {
    const t = {} as SyncToken;
    for (const s of STREAMS) t[s] = fallback?.[s] ?? 0;
    for (const p of providers) Object.assign(t, p.positions());
    return t;
  };

  const compute = (req: SyncRequest, to: SyncToken): SyncResponse => {
    const response = emptyResponse();
    const joinedRooms = new Map<string, RoomRow>();
    const pass: SyncPass = {
      req,
      to,
      ignored: deps.ignored.of(req.userId),
      response,
      joinedRooms,
      completeRooms: new Set(),
      next: { ...to },
      joined(roomId) {
        let entry = response.rooms.join[roomId];
        if (!entry) {
          entry = emptyJoinedRoom();
          response.rooms.join[roomId] = entry;
        }
        return entry;
      },
    };
    for (const p of providers) p.sync(pass);
    const perThread = req.filter.room.timeline.unreadThreadNotifications;
    const counted = Object.keys(response.rooms.join).flatMap((roomId) => {
      const room = joinedRooms.get(roomId);
      return room ? [{ roomId, roomNid: room.roomNid }] : [];
    });
    for (const [roomId, counts] of deps.unread.countsForRooms(req.userId, counted)) {
      const entry = response.rooms.join[roomId]!;
      if (perThread) {
        entry.unread_notifications = toWire(counts.main);
        if (counts.threads.size > 0) {
          entry.unread_thread_notifications = Object.fromEntries([...counts.threads].map(([t, c]) => [t, toWire(c)]));
        }
      } else entry.unread_notifications = toWire(counts.room);
    }
    if (req.useStateAfter) {
      // The state section was computed up to the end of the timeline: it goes out as state_after.
      for (const entry of [...Object.values(response.rooms.join), ...Object.values(response.rooms.leave)]) {
        entry.state_after = entry.state ?? { events: [] };
        delete entry.state;
      }
    }
    response.next_batch = formatSyncToken(pass.next);
    return response;
  };

  return {
    async sync(viewer, params) {
      const since = params.since === undefined ? null : parseSyncToken(params.since);
      const req: SyncRequest = {
        userId: viewer.userId,
        deviceId: viewer.deviceId,
        filter: resolveSyncFilter(deps.filters, viewer.userId, params.filter),
        since,
        fullState: params.fullState === true,
        useStateAfter: params.useStateAfter === true,
      };
      const endPresence = deps.presence.syncStarted(viewer.userId, params.setPresence);
      const timeout = Math.min(Math.max(0, params.timeoutMs ?? 0), deps.maxTimeoutMs);
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(), timeout);
      const stop = AbortSignal.any(
        params.signal ? [params.signal, deadline.signal, closing.signal] : [deadline.signal, closing.signal],
      );
      try {
        for (;;) {
          const to = currentToken(since);
          let response: SyncResponse | null = null;
          if (since === null || req.fullState || !tokenCovers(since, to)) {
            response = compute(req, to);
            if (since === null || req.fullState || !isEmptyResponse(response)) return response;
          }
          if (timeout === 0 || stop.aborted) {
            if (response) return response;
            const empty = emptyResponse();
            empty.next_batch = formatSyncToken(to);
            return empty;
          }
          await deps.notifier.wait(viewer.userId, timeout, stop);
        }
      } finally {
        clearTimeout(timer);
        endPresence();
      }
    },
    addProvider(provider) {
      const i = providers.findIndex((p) => p.name === provider.name);
      if (i >= 0) providers[i] = provider;
      else providers.push(provider);
    },
    currentToken,
    stop: () => closing.abort(),
  };
}
