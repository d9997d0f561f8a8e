/** Inputs and outputs of state resolution. */
import type { AuthEvent } from "../auth/types";

/**
 * A room state: `stateMapKey(type, state_key)` (core/auth/types.ts) -> event ID.
 * Resolution returns a new map and never mutates its inputs.
 */
export type StateMap = ReadonlyMap<string, string>;

export interface StateResolutionContext {
  /**
   * An event by ID: the events of the state sets, their auth chains, and in v12 the create event (which
   * v12 events do not cite but depend on). Unknown events are left out of the resolution, as far as the
   * algorithm allows. Called at most once per ID per resolution.
   */
  fetchEvent(eventId: string): AuthEvent | undefined;
  /**
   * True for events rejected on receipt. Rejected events are never used as auth events in the iterative
   * auth checks (rooms/v2 "Rejected events"); otherwise they go through the algorithm as usual.
   */
  isRejected?(eventId: string): boolean;
}
