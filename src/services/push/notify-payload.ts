/**
 * The body of `POST /_matrix/push/v1/notify` (push gateway API) for one notification and one pusher,
 * in the full format or in `event_id_only` (event_id, room_id, counts, devices, prio).
 */
import type { PusherRow } from "../../storage/repos/pushers";

export interface NotifiedEvent {
  eventId: string;
  roomId: string;
  type: string;
  sender: string;
  stateKey?: string;
  /** null when the event has been redacted since (its content is not sent). */
  content: Record<string, unknown> | null;
}

export interface NotifyContext {
  senderDisplayName: string | null;
  roomName: string | null;
  roomAlias: string | null;
  /** Unread notifications of the user across their rooms. */
  unread: number;
}

/** The tweaks a rule's actions set (`highlight` without a value is true). */
export function tweaksOf(actions: readonly unknown[]): Record<string, unknown> {
  const tweaks: Record<string, unknown> = {};
  for (const a of actions) {
    if (typeof a !== "object" || a === null) continue;
    const t = a as { set_tweak?: unknown; value?: unknown };
    if (typeof t.set_tweak !== "string") continue;
    tweaks[t.set_tweak] = t.set_tweak === "highlight" && !("value" in t) ? true : t.value;
  }
  return tweaks;
}

export function deviceOf(p: PusherRow, tweaks: Record<string, unknown>): Record<string, unknown> {
  const { url: _url, ...data } = p.data;
  return {
    app_id: p.appId,
    pushkey: p.pushkey,
    pushkey_ts: Math.floor(p.createdAt / 1000),
    data,
    tweaks,
  };
}

export function buildNotifyBody(
  pusher: PusherRow,
  ev: NotifiedEvent,
  actions: readonly unknown[],
  ctx: NotifyContext,
): { notification: Record<string, unknown> } {
  const tweaks = tweaksOf(actions);
  // Low priority lets gateways save battery; anything that makes a sound or highlights, and encrypted
  // events (whose content the server cannot judge), are high.
  const prio =
    ev.type === "m.room.encrypted" || tweaks.highlight === true || (tweaks.sound !== undefined && tweaks.sound !== null)
      ? "high"
      : "low";
  const counts = ctx.unread > 0 ? { unread: ctx.unread } : {};
  const devices = [deviceOf(pusher, tweaks)];
  if (pusher.data.format === "event_id_only") {
    return { notification: { event_id: ev.eventId, room_id: ev.roomId, counts, devices, prio } };
  }
  return {
    notification: {
      event_id: ev.eventId,
      room_id: ev.roomId,
      type: ev.type,
      sender: ev.sender,
      ...(ctx.senderDisplayName !== null ? { sender_display_name: ctx.senderDisplayName } : {}),
      ...(ctx.roomName !== null ? { room_name: ctx.roomName } : {}),
      ...(ctx.roomAlias !== null ? { room_alias: ctx.roomAlias } : {}),
      ...(ev.type === "m.room.member" ? { user_is_target: ev.stateKey === pusher.userId } : {}),
      prio,
      ...(ev.content !== null ? { content: ev.content } : {}),
      counts,
      devices,
    },
  };
}

/** A push without an event: only the user's new unread count (after they read something elsewhere). */
export function buildBadgeBody(pusher: PusherRow, unread: number): { notification: Record<string, unknown> } {
  return {
    notification: {
      prio: "low",
      counts: unread > 0 ? { unread } : {},
      devices: [deviceOf(pusher, {})],
    },
  };
}
