/**
 * The client format of room events (client-server API "Room Event Format"): what clients see.
 * Redacted events show their redacted content and `unsigned.redacted_because`.
 */
import { type ClientEvent, toClientEvent as coreClientEvent, redactEvent } from "../../core/events";
import type { JsonObject } from "../../core/json/types";
import type { RoomVersionRules } from "../../core/rooms/versions";
import type { LoadedEvent } from "./event-store";

export type { ClientEvent };

export interface ClientEventContext {
  rules: RoomVersionRules;
  now: number;
  /** The viewing device: `transaction_id` is shown only to the device that sent the event. */
  viewer?: { userId: string; deviceId: string };
  txnOf?(eventId: string): { userId: string; deviceId: string; txnId: string } | null;
  /** Loads the redaction event that redacted this one. */
  redactionOf?(eventId: string): LoadedEvent | null;
  /** The previous content of a state event (the replaced state), for `unsigned.prev_content`. */
  prevContentOf?(loaded: LoadedEvent): { content: Record<string, unknown>; sender: string; eventId: string } | null;
  /** Leave out room_id (sync). */
  withoutRoomId?: boolean;
  /** Extra unsigned fields (e.g. m.relations aggregations). */
  extraUnsigned?(loaded: LoadedEvent): Record<string, unknown> | undefined;
}

export function toClientEvent(loaded: LoadedEvent, ctx: ClientEventContext, depth = 0): ClientEvent {
  const ev = loaded.event;
  const redactedBy = loaded.stored.redactedBy;
  const content = redactedBy ? ((redactEvent(ev.pdu, ctx.rules.redaction).content ?? {}) as JsonObject) : ev.content;
  const unsigned: JsonObject = { age: Math.max(0, ctx.now - ev.originServerTs) };
  // Only the sender's own device can have sent it: skip the lookup for everyone else's events.
  if (ctx.viewer && ctx.txnOf && ev.sender === ctx.viewer.userId) {
    const txn = ctx.txnOf(ev.eventId);
    if (txn && txn.userId === ctx.viewer.userId && txn.deviceId === ctx.viewer.deviceId)
      unsigned.transaction_id = txn.txnId;
  }
  if (ev.stateKey !== undefined && ctx.prevContentOf) {
    const prev = ctx.prevContentOf(loaded);
    if (prev) {
      unsigned.prev_content = prev.content as JsonObject;
      unsigned.replaces_state = prev.eventId;
      unsigned.prev_sender = prev.sender;
    }
  }
  if (redactedBy && ctx.redactionOf && depth === 0) {
    const r = ctx.redactionOf(redactedBy);
    if (r) unsigned.redacted_because = toClientEvent(r, ctx, depth + 1) as unknown as JsonObject;
  }
  // Also for redacted events: a redacted thread root keeps its thread summary (the hook leaves out m.replace).
  const extra = ctx.extraUnsigned?.(loaded);
  if (extra) Object.assign(unsigned, extra);
  return coreClientEvent({ ...ev, content }, { unsigned, withoutRoomId: ctx.withoutRoomId ?? false });
}

/** Stripped state (invites, knocks, hierarchy): type, state_key, content, sender only. */
export function toStrippedState(loaded: LoadedEvent): {
  type: string;
  state_key: string;
  content: Record<string, unknown>;
  sender: string;
} {
  return {
    type: loaded.event.type,
    state_key: loaded.event.stateKey ?? "",
    content: loaded.event.content,
    sender: loaded.event.sender,
  };
}
