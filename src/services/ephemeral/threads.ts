/**
 * Which thread an event belongs to (client-server API, "Threaded read receipts"): an event with an
 * m.thread relation is in that thread; an event relating (by any other relation) to an event in a
 * thread is in it too, following at most 3 hops. Thread roots, and events relating to a root by a
 * non-thread relation, are in the main timeline (null).
 */
import type { LoadedEvent } from "../rooms/event-store";

const MAX_HOPS = 3;

export function threadOf(ev: LoadedEvent, byId: (eventId: string) => LoadedEvent | null): string | null {
  let cur: LoadedEvent | null = ev;
  for (let hop = 0; cur && hop <= MAX_HOPS; hop++) {
    if (cur.stored.threadId) return cur.stored.threadId;
    const parent = cur.stored.relatesToId;
    if (!parent) return null;
    cur = byId(parent);
  }
  return null;
}
