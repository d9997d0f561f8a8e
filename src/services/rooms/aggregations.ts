/**
 * Bundled aggregations (`unsigned["m.relations"]`, client-server API "Aggregations of child events"),
 * added to every event served through the client-event `extraUnsigned` hook:
 * - m.replace: the most recent valid edit (by origin_server_ts, then event ID), only edits by the
 *   original sender, of the same type, neither a state event, the original not itself an edit, with
 *   an `m.new_content`; left out when the original is redacted. The original content is served as is
 *   (since v1.7 servers no longer apply edits; clients apply m.new_content).
 * - m.thread: count, latest_event (topologically, serialised with its own aggregations) and
 *   current_user_participated.
 * - m.reference: the chunk of referencing event IDs.
 * m.annotation is not aggregated (spec). Redacted children count for nothing, nor do children sent by
 * users the viewer ignores. State events get none.
 */
import type { RoomHistoryRepo } from "../../storage/repos/room-history";
import type { ClientEventContext } from "./client-event";
import { toClientEvent } from "./client-event";
import type { EventStore, LoadedEvent } from "./event-store";

/** Edits looked at to find the newest valid one. */
const EDIT_CANDIDATES = 20;
/** Most references bundled. */
const MAX_REFERENCES = 100;

export type BundleAggregations = (
  loaded: LoadedEvent,
  ctx: ClientEventContext,
  viewerId: string | undefined,
) => Record<string, unknown> | undefined;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

export interface Aggregations {
  bundle: BundleAggregations;
  /**
   * Runs `fn` (which serialises these events) with their child counts loaded in one query instead
   * of one per event. Synchronous, so nothing can change in between.
   */
  withPrimed<T>(roomNid: number, eventIds: readonly string[], viewerId: string, fn: () => T): T;
  /** Where the users a viewer ignores come from (m.ignored_user_list; wired once the sync services exist). */
  useIgnoredUsers(of: (userId: string) => ReadonlySet<string>): void;
}

export function createAggregations(deps: { history: RoomHistoryRepo; store: EventStore }): Aggregations {
  const { history, store } = deps;
  let ignoredOf: (userId: string) => ReadonlySet<string> = () => new Set();
  const ignoredBy = (viewerId: string | undefined): string[] => (viewerId ? [...ignoredOf(viewerId)] : []);
  let primed: {
    roomNid: number;
    viewerId: string;
    counts: Map<string, Map<string, number>>;
    ids: Set<string>;
  } | null = null;
  const NONE: ReadonlyMap<string, number> = new Map();
  const countsOf = (roomNid: number, eventId: string, viewerId: string | undefined): ReadonlyMap<string, number> => {
    if (primed && primed.roomNid === roomNid && primed.viewerId === viewerId && primed.ids.has(eventId))
      return primed.counts.get(eventId) ?? NONE;
    return history.relationCounts(roomNid, eventId, ignoredBy(viewerId));
  };

  const latestEdit = (loaded: LoadedEvent): LoadedEvent | null => {
    const s = loaded.stored;
    if (s.redactedBy || s.relType === "m.replace") return null;
    for (const cand of history.editCandidates(s.roomNid, s.eventId, s.sender, s.type, EDIT_CANDIDATES)) {
      const edit = store.fromStored(cand);
      if (isObject(edit.event.content["m.new_content"])) return edit;
    }
    return null;
  };

  const bundle = (
    loaded: LoadedEvent,
    ctx: ClientEventContext,
    viewerId: string | undefined,
    nested: boolean,
  ): Record<string, unknown> | undefined => {
    const s = loaded.stored;
    if (s.stateKey !== null) return undefined;
    const counts = countsOf(s.roomNid, s.eventId, viewerId);
    if (counts.size === 0) return undefined;
    const rel: Record<string, unknown> = {};
    const plain: ClientEventContext = { ...ctx, extraUnsigned: undefined };

    if (counts.has("m.replace")) {
      const edit = latestEdit(loaded);
      if (edit) rel["m.replace"] = toClientEvent(edit, plain);
    }
    const threadCount = counts.get("m.thread") ?? 0;
    if (threadCount > 0 && !nested) {
      const latest = history.latestInThread(s.roomNid, s.eventId, ignoredBy(viewerId));
      if (latest) {
        const inner: ClientEventContext = { ...ctx, extraUnsigned: (l) => bundle(l, inner, viewerId, true) };
        rel["m.thread"] = {
          latest_event: toClientEvent(store.fromStored(latest), inner),
          count: threadCount,
          current_user_participated:
            viewerId !== undefined && (s.sender === viewerId || history.sentInThread(s.roomNid, s.eventId, viewerId)),
        };
      }
    }
    if (counts.has("m.reference")) {
      const ids = history.references(s.roomNid, s.eventId, MAX_REFERENCES, ignoredBy(viewerId));
      if (ids.length > 0) rel["m.reference"] = { chunk: ids.map((event_id) => ({ event_id })) };
    }
    return Object.keys(rel).length > 0 ? { "m.relations": rel } : undefined;
  };

  return {
    bundle: (loaded, ctx, viewerId) => bundle(loaded, ctx, viewerId, false),
    useIgnoredUsers(of) {
      ignoredOf = of;
    },
    withPrimed(roomNid, eventIds, viewerId, fn) {
      const outer = primed;
      primed = {
        roomNid,
        viewerId,
        counts: history.relationCountsMany(roomNid, eventIds, ignoredBy(viewerId)),
        ids: new Set(eventIds),
      };
      try {
        return fn();
      } finally {
        primed = outer;
      }
    },
  };
}
