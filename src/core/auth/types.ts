import type { Pdu } from "../events/types";

/**
 * The event shape the authorization rules and state resolution read, and their outcome type.
 *
 * A PDU (core/events/types.ts) satisfies `AuthEvent` once its event ID is attached: v1/v2 PDUs carry
 * `event_id`; for later versions add the computed one (`{ ...pdu, event_id }`). Edges may be plain IDs
 * or v1/v2 `[id, hashes]` pairs; read them with `edgeIds`. A v12 m.room.create event has no `room_id`
 * (do not add one: auth rule 1.2 of v12 rejects a create event that has it).
 */

/** `prev_events` / `auth_events` entry: an event ID (v3+) or `[event_id, { sha256 }]` (v1/v2). */
export type EventEdge = string | readonly [string, unknown];

export interface AuthEvent {
  readonly event_id: string;
  /** Absent only on a v12 m.room.create event. */
  readonly room_id?: string;
  readonly type: string;
  /** Present if and only if the event is a state event. */
  readonly state_key?: string;
  readonly sender: string;
  readonly content: Readonly<Record<string, unknown>>;
  readonly prev_events: readonly EventEdge[];
  readonly auth_events: readonly EventEdge[];
  readonly origin_server_ts: number;
  readonly depth: number;
  /** m.room.redaction before v11 (from v11 it is `content.redacts`). */
  readonly redacts?: string;
  /** Server name -> key ID -> signature. Only read to see which servers signed (see `isSignedBy`). */
  readonly signatures?: Readonly<Record<string, unknown>>;
}

/** A PDU with its event ID (computed from the reference hash from v3, carried in the PDU in v1/v2). */
export function authEventOf(pdu: Pdu, eventId: string): AuthEvent {
  return "event_id" in pdu && pdu.event_id === eventId ? pdu : { ...pdu, event_id: eventId };
}

/** The outcome of an authorization check. Rejection is a normal result, never an exception. */
export type AuthResult = { readonly ok: true } | AuthFailure;

export interface AuthFailure {
  readonly ok: false;
  /** The rule of the room version's list that rejects the event, as the spec numbers it ("4.3.2"). */
  readonly rule: string;
  /** A stable descriptive ID of the same check, identical across room versions ("member.join.banned"). */
  readonly check: string;
  readonly reason: string;
}

export const ALLOWED: AuthResult = Object.freeze({ ok: true });

export function reject(rule: string, check: string, reason: string): AuthFailure {
  return { ok: false, rule, check, reason };
}

/** Current room state as the auth rules see it: the event for (type, state_key), if any. */
export type AuthState = (type: string, stateKey: string) => AuthEvent | undefined;

/** The event IDs of `prev_events` or `auth_events`, whatever the event format. */
export function edgeIds(edges: readonly EventEdge[]): string[] {
  const out = new Array<string>(edges.length);
  for (let i = 0; i < edges.length; i++) {
    const e = edges[i]!;
    out[i] = typeof e === "string" ? e : e[0];
  }
  return out;
}

/**
 * The key of (type, state_key) in state maps. Unambiguous whatever the strings hold (a plain
 * separator would let a crafted type containing it collide with another key).
 */
export function stateMapKey(type: string, stateKey: string): string {
  return JSON.stringify([type, stateKey]);
}

/** The (type, state_key) pair of a key made by `stateMapKey`. */
export function parseStateMapKey(key: string): [type: string, stateKey: string] {
  return JSON.parse(key) as [string, string];
}

/** An `AuthState` over a set of events (for example an event's auth events), the last one of a key winning. */
export function authStateOf(events: Iterable<AuthEvent>): AuthState {
  const byType = new Map<string, Map<string, AuthEvent>>();
  for (const e of events) {
    if (e.state_key === undefined) continue;
    let m = byType.get(e.type);
    if (!m) {
      m = new Map();
      byType.set(e.type, m);
    }
    m.set(e.state_key, e);
  }
  return (type, stateKey) => byType.get(type)?.get(stateKey);
}

/** The server part of a user, room or (v1/v2) event ID: everything after the first colon; null if none. */
export function serverPart(id: string): string | null {
  const i = id.indexOf(":");
  return i < 0 ? null : id.slice(i + 1);
}
