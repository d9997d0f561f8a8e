/**
 * Events as /sync gives them: the client format without room_id (or the federation format when
 * the filter asks), with `unsigned.membership` (the syncing user's membership at the event, spec
 * v1.11), cut down to `event_fields` when the filter lists them.
 */
import { redactEvent } from "../../core/events";
import type { ClientEventContext } from "../rooms/client-event";
import { toClientEvent } from "../rooms/client-event";
import type { EventStore, LoadedEvent } from "../rooms/event-store";
import { onlyFields, type SyncFilter } from "./filter-match";
import type { WireEvent } from "./response";

export type EventFormatter = (loaded: LoadedEvent) => WireEvent;

export function createEventFormatter(args: {
  ctx: ClientEventContext;
  viewerId: string;
  store: EventStore;
  filter: SyncFilter;
  /** The viewer's current membership and the stream position it took effect at (events from then on share it). */
  current?: { membership: string; since: number } | undefined;
}): EventFormatter {
  const { ctx, viewerId, store, filter, current } = args;
  const clientCtx: ClientEventContext = { ...ctx, withoutRoomId: true };
  // Messages share the snapshot of the state around them: look each snapshot up once.
  const memberships = new Map<number | null, string>();
  const membershipAt = (snapshotNid: number | null): string => {
    let m = memberships.get(snapshotNid);
    if (m === undefined) {
      const ev = store.stateView(snapshotNid).get("m.room.member", viewerId);
      m = typeof ev?.content.membership === "string" ? ev.content.membership : "leave";
      memberships.set(snapshotNid, m);
    }
    return m;
  };
  return (loaded) => {
    let out: WireEvent;
    if (filter.eventFormat === "federation") {
      out = (
        loaded.stored.redactedBy ? redactEvent(loaded.event.pdu, ctx.rules.redaction) : loaded.event.pdu
      ) as WireEvent;
    } else {
      const ev = toClientEvent(loaded, clientCtx) as unknown as WireEvent;
      const stream = loaded.stored.streamOrdering;
      const membership =
        current && stream !== null && stream >= current.since
          ? current.membership
          : membershipAt(loaded.stored.stateAfterNid);
      ev.unsigned = { ...((ev.unsigned as Record<string, unknown> | undefined) ?? {}), membership };
      out = ev;
    }
    return filter.eventFields ? onlyFields(out, filter.eventFields) : out;
  };
}
