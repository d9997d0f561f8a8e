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
}): EventFormatter {
  const { ctx, viewerId, store, filter } = args;
  const clientCtx: ClientEventContext = { ...ctx, withoutRoomId: true };
  return (loaded) => {
    let out: WireEvent;
    if (filter.eventFormat === "federation") {
      out = (
        loaded.stored.redactedBy ? redactEvent(loaded.event.pdu, ctx.rules.redaction) : loaded.event.pdu
      ) as WireEvent;
    } else {
      const ev = toClientEvent(loaded, clientCtx) as unknown as WireEvent;
      const after = store.stateView(loaded.stored.stateAfterNid).get("m.room.member", viewerId);
      const membership = typeof after?.content.membership === "string" ? after.content.membership : "leave";
      ev.unsigned = { ...((ev.unsigned as Record<string, unknown> | undefined) ?? {}), membership };
      out = ev;
    }
    return filter.eventFields ? onlyFields(out, filter.eventFields) : out;
  };
}
