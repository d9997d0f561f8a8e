/**
 * Test builders for rooms as DAGs of events, for auth rules and state resolution tests. Events have the
 * fields auth and state resolution read (no real hashes or signatures). IDs are short and readable
 * (`$PA`, `$e7`); in room version 12 the room ID is the create event's ID with `!`.
 *
 * Each added event gets: prev_events = the given ones (default: the previous event); the state before
 * it = the resolution of the states after its prev events; auth_events = the spec's auth events
 * selection from that state (unless given); depth = 1 + max depth of prev events; origin_server_ts =
 * an increasing counter (unless given). The state after a state event includes it whether or not it
 * passes auth (as Synapse's state resolution tests do): auth is what the tests check.
 */
import { authEventsSelection } from "../../src/core/auth/auth-events-selection";
import { type AuthEvent, type AuthState, edgeIds, stateMapKey } from "../../src/core/auth/types";
import { roomCreators } from "../../src/core/rooms/creators";
import { ROOM_VERSIONS, type RoomVersionId, type RoomVersionRules } from "../../src/core/rooms/versions";
import { resolveState } from "../../src/core/state-res/resolve";
import type { StateResolutionContext } from "../../src/core/state-res/types";

export const ALICE = "@alice:example.com";
export const BOB = "@bob:example.com";
export const CHARLIE = "@charlie:example.com";
export const DAVE = "@dave:example.com";
/** A user on another server. */
export const ZARA = "@zara:remote.example";

export const ALL_VERSIONS = Object.keys(ROOM_VERSIONS) as RoomVersionId[];

export interface EventInit {
  /** Event ID; a bare name gets a `$` prefix. Default `$e<n>`. */
  id?: string;
  type: string;
  stateKey?: string;
  sender: string;
  content?: Record<string, unknown>;
  /** prev_events (IDs or names); default: the last added event. */
  prev?: string[];
  /** auth_events (IDs or names); default: the auth events selection from the state before. */
  auth?: string[];
  ts?: number;
  depth?: number;
  redacts?: string;
  /** Room ID; `null` for none (a v12 create event has none). */
  roomId?: string | null;
  signatures?: Record<string, Record<string, string>>;
}

export function eventId(nameOrId: string): string {
  return nameOrId.startsWith("$") ? nameOrId : `$${nameOrId}`;
}

export class RoomDag {
  readonly rules: RoomVersionRules;
  readonly events = new Map<string, AuthEvent>();
  readonly rejected = new Set<string>();
  private readonly after = new Map<string, ReadonlyMap<string, string>>();
  private readonly before = new Map<string, ReadonlyMap<string, string>>();
  roomId: string;
  last: string | undefined;
  private seq = 0;
  private clock = 1_000;

  constructor(readonly version: RoomVersionId) {
    this.rules = ROOM_VERSIONS[version];
    this.roomId = "!room:example.com";
  }

  /** Fetch callback for auth and state resolution. */
  readonly fetch = (id: string): AuthEvent | undefined => this.events.get(id);

  get ctx(): StateResolutionContext & { isRejected(id: string): boolean } {
    return { fetchEvent: this.fetch, isRejected: (id) => this.rejected.has(id) };
  }

  get(nameOrId: string): AuthEvent {
    const e = this.events.get(eventId(nameOrId));
    if (!e) throw new Error(`no event ${nameOrId}`);
    return e;
  }

  /** The state after an event (state events include themselves). */
  stateAfter(nameOrId: string): ReadonlyMap<string, string> {
    const s = this.after.get(eventId(nameOrId));
    if (!s) throw new Error(`no event ${nameOrId}`);
    return s;
  }

  stateBefore(nameOrId: string): ReadonlyMap<string, string> {
    const s = this.before.get(eventId(nameOrId));
    if (!s) throw new Error(`no event ${nameOrId}`);
    return s;
  }

  /** The state after the last event (or after the given one), as the auth rules read it. */
  authState(nameOrId?: string): AuthState {
    const at = nameOrId ?? this.last;
    const state = at === undefined ? new Map<string, string>() : this.stateAfter(at);
    return (type, stateKey) => {
      const id = state.get(stateMapKey(type, stateKey));
      return id === undefined ? undefined : this.events.get(id);
    };
  }

  /** The state before an event with these prev_events. */
  private resolveBefore(prev: readonly string[]): ReadonlyMap<string, string> {
    if (prev.length === 0) return new Map();
    const sets = prev.map((p) => this.stateAfter(p));
    if (sets.length === 1) return sets[0]!;
    return resolveState(this.rules, sets, this.ctx);
  }

  /** Builds an event (not added to the room). */
  build(init: EventInit): AuthEvent {
    const id = init.id ? eventId(init.id) : `$e${++this.seq}`;
    const prev = (init.prev ?? (this.last ? [this.last] : [])).map(eventId);
    const before = this.resolveBefore(prev);
    const content = init.content ?? {};
    const auth =
      init.auth?.map(eventId) ??
      authEventsSelection(
        this.rules,
        { type: init.type, state_key: init.stateKey, sender: init.sender, content },
        (t, s) => before.get(stateMapKey(t, s)),
      );
    const depth = init.depth ?? 1 + Math.max(0, ...prev.map((p) => this.events.get(p)?.depth ?? 0));
    const pairs = this.rules.eventFormat.edgesAsPairs;
    const edge = (x: string) => (pairs ? ([x, { sha256: "test" }] as const) : x);
    const roomId = init.roomId === null ? undefined : (init.roomId ?? this.roomId);
    const ev: AuthEvent = {
      event_id: id,
      ...(roomId === undefined ? {} : { room_id: roomId }),
      type: init.type,
      ...(init.stateKey === undefined ? {} : { state_key: init.stateKey }),
      sender: init.sender,
      content,
      prev_events: prev.map(edge),
      auth_events: auth.map(edge),
      origin_server_ts: init.ts ?? ++this.clock,
      depth,
      ...(init.redacts === undefined ? {} : { redacts: init.redacts }),
      signatures: init.signatures ?? { [init.sender.slice(init.sender.indexOf(":") + 1)]: { "ed25519:test": "sig" } },
    };
    this.before.set(id, before);
    return ev;
  }

  /** Builds an event and adds it to the room; it becomes the default prev event of the next one. */
  add(init: EventInit): AuthEvent {
    const ev = this.build(init);
    this.events.set(ev.event_id, ev);
    const after = new Map(this.before.get(ev.event_id)!);
    if (ev.state_key !== undefined) after.set(stateMapKey(ev.type, ev.state_key), ev.event_id);
    this.after.set(ev.event_id, after);
    this.last = ev.event_id;
    return ev;
  }

  /** An m.room.create event, by `sender`, with what each version needs (`creator` before v11, no room ID in v12). */
  createInit(sender = ALICE, content: Record<string, unknown> = {}, id = "CREATE"): EventInit {
    const c: Record<string, unknown> = { room_version: this.version, ...content };
    if (this.rules.auth.creatorInContent && !("creator" in content)) c.creator = sender;
    const v12 = this.rules.auth.roomIdIsCreateEventId;
    return {
      id,
      type: "m.room.create",
      stateKey: "",
      sender,
      content: c,
      roomId: v12 ? null : undefined,
      prev: [],
      auth: [],
    };
  }

  create(sender = ALICE, content: Record<string, unknown> = {}, id = "CREATE"): AuthEvent {
    const ev = this.add(this.createInit(sender, content, id));
    if (this.rules.auth.roomIdIsCreateEventId) this.roomId = `!${ev.event_id.slice(1)}`;
    return ev;
  }

  member(sender: string, target: string, membership: string, init: Partial<EventInit> = {}): AuthEvent {
    return this.add({
      type: "m.room.member",
      stateKey: target,
      sender,
      ...init,
      content: { membership, ...(init.content ?? {}) },
    });
  }

  join(user: string, init: Partial<EventInit> = {}): AuthEvent {
    return this.member(user, user, "join", init);
  }

  /**
   * An m.room.power_levels event. In v12 the room's creators are left out of `users` (v12 forbids
   * listing them; they have infinite power), so the same content works in every version.
   */
  powerLevels(sender: string, content: Record<string, unknown>, init: Partial<EventInit> = {}): AuthEvent {
    return this.add({ type: "m.room.power_levels", stateKey: "", sender, ...init, content: this.plContent(content) });
  }

  plContent(content: Record<string, unknown>): Record<string, unknown> {
    if (!this.rules.auth.privilegedCreators || typeof content.users !== "object" || content.users === null)
      return content;
    const creators = roomCreators(this.rules, this.events.get(this.createId()));
    const users = Object.fromEntries(Object.entries(content.users).filter(([u]) => !creators.has(u)));
    return { ...content, users };
  }

  joinRules(sender: string, joinRule: string, extra: Record<string, unknown> = {}, init: Partial<EventInit> = {}) {
    return this.add({
      type: "m.room.join_rules",
      stateKey: "",
      sender,
      ...init,
      content: { join_rule: joinRule, ...extra },
    });
  }

  topic(sender: string, topic: string, init: Partial<EventInit> = {}): AuthEvent {
    return this.add({ type: "m.room.topic", stateKey: "", sender, ...init, content: { topic } });
  }

  message(sender: string, init: Partial<EventInit> = {}): AuthEvent {
    return this.add({ type: "m.room.message", sender, ...init, content: { msgtype: "m.text", body: "hi" } });
  }

  createId(): string {
    for (const [id, e] of this.events) if (e.type === "m.room.create") return id;
    throw new Error("no create event");
  }

  /** Auth event IDs of an event. */
  authIds(nameOrId: string): string[] {
    return edgeIds(this.get(nameOrId).auth_events);
  }
}

/**
 * A room where Alice created the room and is admin (100 in power levels; a creator in v12), the join
 * rule is public, and the given users have joined.
 */
export function standardRoom(version: RoomVersionId, members: readonly string[] = [BOB]): RoomDag {
  const dag = new RoomDag(version);
  dag.create(ALICE);
  dag.join(ALICE, { id: "IMA" });
  dag.powerLevels(ALICE, { users: { [ALICE]: 100 } }, { id: "IPOWER" });
  dag.joinRules(ALICE, "public", {}, { id: "IJR" });
  for (const m of members) dag.join(m);
  return dag;
}
