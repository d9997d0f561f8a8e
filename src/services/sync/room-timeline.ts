/**
 * The timeline of a room in /sync: the newest events with a stream position in (from, to] that the
 * user may see (history visibility), that the timeline filter lets through, and that are not
 * non-state events of an ignored user; oldest first, at most `limit`. `limited` is true when more
 * such events exist in the range before the ones returned.
 *
 * A complete sync (from null) reads backwards through history; the scan stops after `maxScan`
 * events (then `limited` is set and the client paginates with /messages), so a room whose history
 * the user may not see costs a bounded amount.
 */
import type { SyncRepo } from "../../storage/repos/sync";
import type { EventStore, LoadedEvent } from "../rooms/event-store";
import type { Visibility } from "../rooms/visibility";
import type { EventFilter } from "./filter-match";

export interface TimelineDeps {
  sync: SyncRepo;
  store: EventStore;
  visibility: Visibility;
}

export interface TimelineArgs {
  roomNid: number;
  userId: string;
  /** The user's membership now (for "shared" history visibility). */
  currentMembership: string | null;
  /** Exclusive lower bound; null reads from the beginning of the room. */
  from: number | null;
  /** Inclusive upper bound. */
  to: number;
  limit: number;
  filter: EventFilter;
  ignored: ReadonlySet<string>;
}

export interface TimelineWindow {
  /** Oldest first. */
  events: LoadedEvent[];
  limited: boolean;
  /** True when the range held events at all (even if none passed). */
  rangeHadEvents: boolean;
}

const PAGE = 50;

export function selectTimeline(deps: TimelineDeps, a: TimelineArgs): TimelineWindow {
  const out: LoadedEvent[] = [];
  const lower = a.from ?? Number.MIN_SAFE_INTEGER;
  const maxScan = Math.max(a.limit * 5, 200);
  let before = a.to + 1;
  let scanned = 0;
  let limited = false;
  let rangeHadEvents = false;
  let pageSize = a.limit + 1;

  const passes = (ev: LoadedEvent): boolean => {
    const e = ev.event;
    if (e.stateKey === undefined && a.ignored.has(e.sender)) return false;
    if (!a.filter.matches({ type: e.type, sender: e.sender, content: e.content })) return false;
    return deps.visibility.canSee(a.userId, ev, a.currentMembership);
  };

  outer: for (;;) {
    const nids = deps.sync.pageDesc(a.roomNid, lower, before, pageSize);
    if (nids.length === 0) break;
    rangeHadEvents = true;
    for (const nid of nids) {
      const ev = deps.store.byNid(nid);
      before = ev?.stored.streamOrdering ?? before;
      if (!ev) continue;
      scanned++;
      if (!passes(ev)) {
        if (scanned >= maxScan) {
          limited = true;
          break outer;
        }
        continue;
      }
      if (out.length === a.limit) {
        limited = true;
        break outer;
      }
      out.push(ev);
    }
    if (nids.length < pageSize) break;
    pageSize = PAGE;
  }
  return { events: out.reverse(), limited, rangeHadEvents };
}
