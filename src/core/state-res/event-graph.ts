/**
 * The auth DAG as one resolution sees it: events fetched once through the caller's callback, event IDs
 * interned to small integers so that graph walks use arrays instead of string sets.
 *
 * In v12 every event but the create event depends on the create event its room ID names, without
 * citing it: the graph adds that implicit auth edge (as the v12 auth chain includes the create event).
 */
import { createEventIdOfRoom } from "../auth/state-independent";
import { type AuthEvent, edgeIds, stateMapKey } from "../auth/types";
import type { RoomVersionRules } from "../rooms/versions";
import type { StateResolutionContext } from "./types";

const NOT_LOADED = 0;
const MISSING = 1;
const LOADED = 2;

export class EventGraph {
  private readonly index = new Map<string, number>();
  readonly ids: string[] = [];
  private readonly events: (AuthEvent | undefined)[] = [];
  private readonly status: number[] = [];
  private readonly auth: (readonly number[] | undefined)[] = [];
  private readonly rejected: (boolean | undefined)[] = [];

  constructor(
    readonly rules: Pick<RoomVersionRules, "auth" | "strictCanonicalJson">,
    private readonly ctx: StateResolutionContext,
  ) {}

  /** The node number of an event ID (interned on first use; the event is not fetched yet). */
  node(id: string): number {
    let n = this.index.get(id);
    if (n === undefined) {
      n = this.ids.length;
      this.index.set(id, n);
      this.ids.push(id);
      this.events.push(undefined);
      this.status.push(NOT_LOADED);
      this.auth.push(undefined);
      this.rejected.push(undefined);
    }
    return n;
  }

  get size(): number {
    return this.ids.length;
  }

  id(n: number): string {
    return this.ids[n]!;
  }

  /** The event of a node, fetched on first use; undefined if the caller does not know it. */
  event(n: number): AuthEvent | undefined {
    if (this.status[n] === NOT_LOADED) {
      const ev = this.ctx.fetchEvent(this.ids[n]!);
      this.events[n] = ev;
      this.status[n] = ev ? LOADED : MISSING;
    }
    return this.events[n];
  }

  eventById(id: string): AuthEvent | undefined {
    return this.event(this.node(id));
  }

  isRejected(n: number): boolean {
    let r = this.rejected[n];
    if (r === undefined) {
      r = this.ctx.isRejected ? this.ctx.isRejected(this.ids[n]!) : false;
      this.rejected[n] = r;
    }
    return r;
  }

  /** The auth events of a node (with v12's implicit create event); empty for unknown events. */
  authOf(n: number): readonly number[] {
    let a = this.auth[n];
    if (a === undefined) {
      const ev = this.event(n);
      if (!ev) a = [];
      else {
        const ids = edgeIds(ev.auth_events);
        if (this.rules.auth.roomIdIsCreateEventId && ev.type !== "m.room.create") {
          const createId = createEventIdOfRoom(ev.room_id);
          if (createId !== null && !ids.includes(createId)) ids.push(createId);
        }
        a = ids.map((id) => this.node(id));
      }
      this.auth[n] = a;
    }
    return a;
  }
}

/** The state key of an event, or undefined for a message event. */
export function keyOfEvent(ev: AuthEvent): string | undefined {
  return ev.state_key === undefined ? undefined : stateMapKey(ev.type, ev.state_key);
}
