/**
 * What the write path needs from core, as narrow interfaces: the authorization rules and state
 * resolution. server.ts plugs the core implementations in.
 */
import type { RoomEvent } from "../../../core/events";
import type { EventId } from "../../../core/ids";
import type { RoomVersionRules } from "../../../core/rooms/versions";

export type AuthOutcome = { ok: true } | { ok: false; reason: string };

/** Looks up a state event by (type, state_key). */
export type StateLookup = (type: string, stateKey: string) => RoomEvent | undefined;

export interface EventAuthorizer {
  /** The state events an event should cite as auth_events (spec "Auth events selection"). */
  selectAuthEvents(
    rules: RoomVersionRules,
    event: { type: string; stateKey: string | undefined; sender: string; content: Record<string, unknown> },
    state: StateLookup,
  ): EventId[];
  /** Runs every authorization rule for `event` against `state`. */
  check(rules: RoomVersionRules, event: RoomEvent, state: StateLookup): AuthOutcome;
}

export interface StateResolver {
  /** Resolves several state maps (keyed by core/auth `stateMapKey(type, state_key)` → event ID) into one. */
  resolve(rules: RoomVersionRules, states: ReadonlyMap<string, EventId>[]): Map<string, EventId>;
}
