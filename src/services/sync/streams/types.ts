/**
 * One provider per stream (Dendrite's stream providers): each knows its newest position and adds to
 * a /sync response what changed in its stream since the `since` token (everything, for a complete
 * sync). The room-events provider runs first: it decides which rooms are joined and which of them
 * are synced in full (complete sync, newly joined, full_state); the others follow it.
 */
import type { RoomRow } from "../../../storage/repos/rooms";
import type { SyncFilter } from "../filter-match";
import type { JoinedRoom, SyncResponse } from "../response";
import type { StreamName, SyncToken } from "../token";

export interface SyncRequest {
  userId: string;
  deviceId: string;
  filter: SyncFilter;
  /** null: a complete (initial) sync. */
  since: SyncToken | null;
  fullState: boolean;
  /** use_state_after: room state up to the END of the timeline, in `state_after` (spec v1.16). */
  useStateAfter: boolean;
}

/** One computation of a response, at the positions in `to`. */
export interface SyncPass {
  readonly req: SyncRequest;
  readonly to: SyncToken;
  /** Users the syncing user ignores. */
  readonly ignored: ReadonlySet<string>;
  readonly response: SyncResponse;
  /** Rooms the user is joined to now (that the room filter lets through). */
  readonly joinedRooms: Map<string, RoomRow>;
  /** Joined rooms synced in full this time: every receipt, all room account data. */
  readonly completeRooms: Set<string>;
  /**
   * The positions `next_batch` will carry: `to`, unless a provider stops short of it (to-device
   * messages beyond one response's limit stay for the next sync).
   */
  readonly next: SyncToken;
  /** The response entry of a joined room, created empty when missing. */
  joined(roomId: string): JoinedRoom;
}

export interface StreamProvider {
  /** A name (a provider added later with the same name replaces this one). */
  readonly name: string;
  /** The newest position of each stream this provider serves. */
  positions(): Partial<Record<StreamName, number>>;
  /** Adds to `pass.response` what changed in (since, to] of its streams (all of it when since is null). */
  sync(pass: SyncPass): void;
}
