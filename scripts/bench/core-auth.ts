/**
 * Authorization rules and state resolution: auth checks per second (state-dependent rules against a
 * room's state, and the whole receipt check against an event's auth events), and the time to resolve
 * two forks of a room holding about 10,000 conflicted state events, with state resolution v2 (room
 * version 11) and v2.1 (room version 12).
 */
import { checkAuthEvents } from "../../src/core/auth";
import { authEventsSelection } from "../../src/core/auth/auth-events-selection";
import { checkStateDependent } from "../../src/core/auth/state-dependent";
import { type AuthEvent, type AuthState, stateMapKey } from "../../src/core/auth/types";
import { ROOM_VERSIONS, type RoomVersionId, type RoomVersionRules } from "../../src/core/rooms/versions";
import { resolveState } from "../../src/core/state-res/resolve";
import { separateV2 } from "../../src/core/state-res/v2";
import type { BenchResult } from "./types";

const GROUP = "Core: auth and state resolution";
const ALICE = "@alice:example.com";
/** State events per fork: enough for about 10,000 conflicted events (some events replace others on their fork). */
const PER_FORK = 5_600;

/** Calls `fn` repeatedly for about `ms` milliseconds (after a warm-up) and returns calls per second. */
function rate(fn: () => void, ms = 1500): number {
  const warmEnd = performance.now() + 200;
  while (performance.now() < warmEnd) fn();
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    now = performance.now();
  }
  return (n * 1000) / (now - start);
}

/** A room built event by event along forks; each fork keeps its own state and last event. */
class Room {
  readonly rules: RoomVersionRules;
  readonly events = new Map<string, AuthEvent>();
  readonly roomId: string;
  private ts = 0;

  constructor(version: RoomVersionId) {
    this.rules = ROOM_VERSIONS[version];
    this.roomId = this.rules.auth.roomIdIsCreateEventId ? "!CREATE" : "!bench:example.com";
  }

  add(
    fork: { state: Map<string, string>; last: string | null },
    id: string,
    e: { type: string; stateKey?: string; sender: string; content: Record<string, unknown> },
  ): AuthEvent {
    const auth =
      e.type === "m.room.create"
        ? []
        : authEventsSelection(
            this.rules,
            { type: e.type, state_key: e.stateKey, sender: e.sender, content: e.content },
            (t, s) => fork.state.get(stateMapKey(t, s)),
          );
    const prev = fork.last === null ? [] : [fork.last];
    const ev: AuthEvent = {
      event_id: id,
      ...(e.type === "m.room.create" && this.rules.auth.roomIdIsCreateEventId ? {} : { room_id: this.roomId }),
      type: e.type,
      ...(e.stateKey === undefined ? {} : { state_key: e.stateKey }),
      sender: e.sender,
      content: e.content,
      prev_events: prev,
      auth_events: auth,
      origin_server_ts: ++this.ts,
      depth: this.ts,
    };
    this.events.set(id, ev);
    if (e.stateKey !== undefined) fork.state.set(stateMapKey(e.type, e.stateKey), id);
    fork.last = id;
    return ev;
  }

  /** The create event, Alice's join, power levels (Alice admin) and a public join rule. */
  trunk() {
    const fork = { state: new Map<string, string>(), last: null as string | null };
    const creator = this.rules.auth.creatorInContent ? { creator: ALICE } : {};
    this.add(fork, "$CREATE", {
      type: "m.room.create",
      stateKey: "",
      sender: ALICE,
      content: { room_version: this.rules.id, ...creator },
    });
    this.add(fork, "$IMA", { type: "m.room.member", stateKey: ALICE, sender: ALICE, content: { membership: "join" } });
    this.add(fork, "$IPOWER", { type: "m.room.power_levels", stateKey: "", sender: ALICE, content: this.levels({}) });
    this.add(fork, "$IJR", {
      type: "m.room.join_rules",
      stateKey: "",
      sender: ALICE,
      content: { join_rule: "public" },
    });
    return fork;
  }

  /** Power levels content with Alice as admin (v12: Alice is the creator and is left out). */
  levels(users: Record<string, number>): Record<string, unknown> {
    const u = this.rules.auth.privilegedCreators ? users : { [ALICE]: 100, ...users };
    return { users: u, users_default: 0, state_default: 50, events_default: 0 };
  }
}

/**
 * Two forks of `perFork` state events each after a common trunk: on one, users join and Alice
 * promotes some of them now and then; on the other, other users join, set their display names and
 * Alice kicks some of them; a tenth of the users join on both forks (the same keys, other events).
 */
function forkedRoom(version: RoomVersionId, perFork: number) {
  const room = new Room(version);
  const trunk = room.trunk();
  const a = { state: new Map(trunk.state), last: trunk.last };
  const b = { state: new Map(trunk.state), last: trunk.last };
  const promoted: Record<string, number> = {};
  let n = 0;
  for (let i = 0; n < perFork; i++) {
    const user = i % 10 === 0 ? `@both${i}:example.com` : `@a${i}:example.com`;
    room.add(a, `$a-join-${i}`, {
      type: "m.room.member",
      stateKey: user,
      sender: user,
      content: { membership: "join" },
    });
    n++;
    if (i % 500 === 499) {
      promoted[user] = 10;
      room.add(a, `$a-pl-${i}`, {
        type: "m.room.power_levels",
        stateKey: "",
        sender: ALICE,
        content: room.levels(promoted),
      });
      n++;
    }
  }
  n = 0;
  for (let i = 0; n < perFork; i++) {
    const user = i % 10 === 0 ? `@both${i}:example.com` : `@b${i}:example.com`;
    room.add(b, `$b-join-${i}`, {
      type: "m.room.member",
      stateKey: user,
      sender: user,
      content: { membership: "join" },
    });
    n++;
    if (i % 4 === 3) {
      room.add(b, `$b-name-${i}`, {
        type: "m.room.member",
        stateKey: user,
        sender: user,
        content: { membership: "join", displayname: `User ${i}` },
      });
      n++;
    }
    if (i % 250 === 249) {
      room.add(b, `$b-kick-${i}`, {
        type: "m.room.member",
        stateKey: user,
        sender: ALICE,
        content: { membership: "leave" },
      });
      n++;
    }
  }
  return { room, states: [a.state, b.state] as const };
}

function stateResolutionFigures(version: RoomVersionId, label: string): BenchResult[] {
  const { room, states } = forkedRoom(version, PER_FORK);
  const { conflicted } = separateV2(states);
  let conflictedEvents = 0;
  for (const ids of conflicted.values()) conflictedEvents += ids.size;
  const ctx = { fetchEvent: (id: string) => room.events.get(id) };
  const times: number[] = [];
  let resolved = new Map<string, string>();
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    resolved = resolveState(room.rules, states, ctx);
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return [
    {
      group: GROUP,
      name: `state resolution ${label}, ${conflictedEvents.toLocaleString("en-US")} conflicted events (room v${version})`,
      value: times[Math.floor(times.length / 2)]!,
      unit: "ms",
      note: `median of 5; two forks of ${PER_FORK.toLocaleString("en-US")} state events; ${room.events.size.toLocaleString("en-US")} events in the room, ${resolved.size.toLocaleString("en-US")} in the resolved state`,
    },
  ];
}

function authFigures(): BenchResult[] {
  const room = new Room("11");
  const fork = room.trunk();
  for (let i = 0; i < 100; i++) {
    const u = `@u${i}:example.com`;
    room.add(fork, `$join-${i}`, { type: "m.room.member", stateKey: u, sender: u, content: { membership: "join" } });
  }
  const state: AuthState = (t, s) => {
    const id = fork.state.get(stateMapKey(t, s));
    return id === undefined ? undefined : room.events.get(id);
  };
  const msgFork = { state: fork.state, last: fork.last };
  const msg = room.add(msgFork, "$msg", {
    type: "m.room.message",
    sender: "@u7:example.com",
    content: { body: "hello" },
  });
  const kick = room.add({ state: new Map(fork.state), last: fork.last }, "$kick", {
    type: "m.room.member",
    stateKey: "@u8:example.com",
    sender: ALICE,
    content: { membership: "leave" },
  });
  const pl = room.add({ state: new Map(fork.state), last: fork.last }, "$pl", {
    type: "m.room.power_levels",
    stateKey: "",
    sender: ALICE,
    content: room.levels({ "@u1:example.com": 50, "@u2:example.com": 50 }),
  });
  const ctx = { fetchEvent: (id: string) => room.events.get(id), isRejected: () => false };
  for (const e of [msg, kick, pl]) {
    if (!checkAuthEvents(room.rules, e, ctx).ok) throw new Error(`bench event ${e.event_id} does not pass auth`);
  }
  return [
    {
      group: GROUP,
      name: "auth checks against room state, m.room.message",
      value: rate(() => checkStateDependent(room.rules, msg, state)),
      unit: "checks/s",
      note: "state-dependent rules (soft-fail check), room of 100 members, v11",
    },
    {
      group: GROUP,
      name: "auth checks against room state, kick",
      value: rate(() => checkStateDependent(room.rules, kick, state)),
      unit: "checks/s",
      note: "m.room.member leave by an admin",
    },
    {
      group: GROUP,
      name: "auth checks against room state, power levels change",
      value: rate(() => checkStateDependent(room.rules, pl, state)),
      unit: "checks/s",
    },
    {
      group: GROUP,
      name: "receipt auth check (state-independent + against auth events), m.room.message",
      value: rate(() => checkAuthEvents(room.rules, msg, ctx)),
      unit: "checks/s",
      note: "auth events fetched from an in-memory map",
    },
  ];
}

export async function run(): Promise<BenchResult[]> {
  return [...authFigures(), ...stateResolutionFigures("11", "v2"), ...stateResolutionFigures("12", "v2.1")];
}

if (import.meta.main) console.table(await run());
