/** The pieces of state resolution, on small hand-made DAGs. */
import { describe, expect, test } from "bun:test";
import { stateMapKey } from "../../../src/core/auth/types";
import { authChainDifference, conflictedSubgraph } from "../../../src/core/state-res/auth-chain";
import { EventGraph } from "../../../src/core/state-res/event-graph";
import { isPowerEvent, mainlineSort, reverseTopologicalPowerSort } from "../../../src/core/state-res/ordering";
import { resolveState } from "../../../src/core/state-res/resolve";
import { ALICE, BOB, CHARLIE, DAVE, RoomDag, standardRoom } from "../../helpers/builders";

const names = (g: EventGraph, nodes: Iterable<number>) => [...nodes].map((n) => g.id(n).slice(1)).sort();

describe("auth chain difference and conflicted subgraph", () => {
  // A linear auth chain: each event cites the previous one (a synthetic graph: only the edges matter).
  function chain(ids: string[], extra: Record<string, string[]> = {}) {
    const events = new Map(
      ids.map((id, i) => [
        `$${id}`,
        {
          event_id: `$${id}`,
          room_id: "!r:x",
          type: "m.room.member",
          state_key: `@${id}:x`,
          sender: `@${id}:x`,
          content: { membership: "join" },
          prev_events: [],
          auth_events: [...(i > 0 ? [`$${ids[i - 1]}`] : []), ...(extra[id] ?? []).map((x) => `$${x}`)],
          origin_server_ts: i,
          depth: i,
        },
      ]),
    );
    return new EventGraph(standardRoom("10").rules, { fetchEvent: (id) => events.get(id) });
  }

  test("events in some but not all auth chains (a state set's own events count as in its chain)", () => {
    const g = chain(["A", "B", "C", "D", "E"]);
    const n = (x: string) => g.node(`$${x}`);
    // {B} and {D}: chains {A,B} and {A,B,C,D}: the difference is C and D
    expect(names(g, authChainDifference(g, [[n("B")], [n("D")]]))).toEqual(["C", "D"]);
    expect(names(g, authChainDifference(g, [[n("D")], [n("D")]]))).toEqual([]);
  });

  test("the conflicted subgraph holds the events between conflicted events, endpoints included", () => {
    // A <- B <- C <- D <- E
    const g = chain(["A", "B", "C", "D", "E"]);
    const n = (x: string) => g.node(`$${x}`);
    expect(names(g, conflictedSubgraph(g, [n("B"), n("D")]))).toEqual(["B", "C", "D"]);
    expect(names(g, conflictedSubgraph(g, [n("E")]))).toEqual(["E"]);
  });

  test("branches that do not lead to another conflicted event are left out", () => {
    // A <- B <- C <- D, and D also cites A directly.
    const g2 = chain(["A", "B", "C", "D"], { D: ["A"] }); // D cites C and A
    const n2 = (x: string) => g2.node(`$${x}`);
    expect(names(g2, conflictedSubgraph(g2, [n2("A"), n2("D")]))).toEqual(["A", "B", "C", "D"]);
    expect(names(g2, conflictedSubgraph(g2, [n2("B"), n2("D")]))).toEqual(["B", "C", "D"]);
  });
});

describe("orderings", () => {
  test("power events: power levels, join rules, create, kicks and bans, not leaves or joins", () => {
    const base = {
      event_id: "$x",
      room_id: "!r:x",
      sender: ALICE,
      prev_events: [],
      auth_events: [],
      origin_server_ts: 0,
      depth: 0,
    };
    expect(isPowerEvent({ ...base, type: "m.room.power_levels", state_key: "", content: {} })).toBe(true);
    expect(isPowerEvent({ ...base, type: "m.room.join_rules", state_key: "", content: {} })).toBe(true);
    expect(isPowerEvent({ ...base, type: "m.room.member", state_key: BOB, content: { membership: "ban" } })).toBe(true);
    expect(isPowerEvent({ ...base, type: "m.room.member", state_key: BOB, content: { membership: "leave" } })).toBe(
      true,
    );
    expect(isPowerEvent({ ...base, type: "m.room.member", state_key: ALICE, content: { membership: "leave" } })).toBe(
      false,
    );
    expect(isPowerEvent({ ...base, type: "m.room.member", state_key: BOB, content: { membership: "invite" } })).toBe(
      false,
    );
    expect(isPowerEvent({ ...base, type: "m.room.topic", state_key: "", content: {} })).toBe(false);
  });

  test("reverse topological power ordering puts auth events before the events they authorise", () => {
    const d = standardRoom("10", [BOB]);
    const pa = d.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 50 } });
    const kick = d.member(ALICE, BOB, "leave");
    const g = new EventGraph(d.rules, d.ctx);
    const full = new Set([g.node(pa.event_id), g.node(kick.event_id), g.node("$IPOWER")]);
    const order = reverseTopologicalPowerSort(g, [g.node(kick.event_id), g.node(pa.event_id)], full).map((n) =>
      g.id(n),
    );
    expect(order).toEqual(["$IPOWER", pa.event_id, kick.event_id]);
  });

  test("mainline ordering sorts by the power levels event each event is based on", () => {
    const d = standardRoom("10", [BOB]);
    const t1 = d.topic(ALICE, "one", { ts: 50_000 });
    const p2 = d.powerLevels(ALICE, { users: { [ALICE]: 100 }, state_default: 40 });
    const t2 = d.topic(ALICE, "two", { ts: 10 });
    const t3 = d.topic(ALICE, "three", { ts: 5 });
    const g = new EventGraph(d.rules, d.ctx);
    const sorted = mainlineSort(
      g,
      [t3, t2, t1].map((e) => g.node(e.event_id)),
      g.node(p2.event_id),
    ).map((n) => g.id(n));
    // t1 is based on the initial power levels; t2 and t3 on p2, ordered by timestamp
    expect(sorted).toEqual([t1.event_id, t3.event_id, t2.event_id]);
  });
});

describe("resolution", () => {
  test("no conflict: the union", () => {
    const d = standardRoom("11", [BOB]);
    const s = d.stateAfter(d.last!);
    expect(resolveState(d.rules, [s, s], d.ctx)).toEqual(new Map(s));
    expect(resolveState(d.rules, [], d.ctx)).toEqual(new Map());
  });

  test("keys only some states have are conflicted in v2 and take part in resolution", () => {
    const d = standardRoom("11", [BOB]);
    const fork = d.last!;
    const t = d.topic(ALICE, "kept");
    const s1 = d.stateAfter(t.event_id);
    const s2 = d.stateAfter(fork);
    expect(resolveState(d.rules, [s1, s2], d.ctx).get(stateMapKey("m.room.topic", ""))).toBe(t.event_id);
  });

  test("rejected events are not used as auth events in the iterative auth checks", () => {
    const d = standardRoom("11", [BOB]);
    const fork = d.last!;
    // Bob's promotion is rejected (say it failed auth on receipt); his topic relies on it.
    const promo = d.powerLevels(ALICE, { users: { [ALICE]: 100, [BOB]: 50 } });
    const topic = d.topic(BOB, "bob's");
    d.rejected.add(promo.event_id);
    const other = d.topic(ALICE, "alice's", { prev: [fork], ts: 1 });
    const r = resolveState(d.rules, [d.stateAfter(topic.event_id), d.stateAfter(other.event_id)], d.ctx);
    expect(r.get(stateMapKey("m.room.topic", ""))).toBe(other.event_id);
  });

  test("events nobody can fetch are left out rather than breaking the resolution", () => {
    const d = standardRoom("11", [BOB]);
    const s1 = new Map(d.stateAfter(d.last!));
    const s2 = new Map(s1);
    s2.set(stateMapKey("m.room.topic", ""), "$missing");
    const r = resolveState(d.rules, [s1, s2], d.ctx);
    expect(r.has(stateMapKey("m.room.topic", ""))).toBe(false);
    expect(r.get(stateMapKey("m.room.member", BOB))).toBe(s1.get(stateMapKey("m.room.member", BOB)));
  });

  test("each event is fetched at most once per resolution", () => {
    const d = standardRoom("12", [BOB, CHARLIE, DAVE]);
    const fork = d.last!;
    for (let i = 0; i < 20; i++) d.topic(ALICE, `a${i}`);
    const a = d.last!;
    d.powerLevels(ALICE, { users: { [BOB]: 50 } }, { prev: [fork] });
    for (let i = 0; i < 20; i++) d.topic(BOB, `b${i}`);
    const counts = new Map<string, number>();
    const ctx = {
      fetchEvent: (id: string) => {
        counts.set(id, (counts.get(id) ?? 0) + 1);
        return d.fetch(id);
      },
    };
    resolveState(d.rules, [d.stateAfter(a), d.stateAfter(d.last!)], ctx);
    expect(Math.max(...counts.values())).toBe(1);
  });

  test("v1: among conflicting events that all fail auth, the last in order is kept", () => {
    const d = new RoomDag("1");
    d.create(ALICE);
    d.join(ALICE);
    d.powerLevels(ALICE, { users: { [ALICE]: 100 } });
    const fork = d.last!;
    // Two topics by someone who is not in the room: neither passes auth.
    const t1 = d.topic(BOB, "one", { prev: [fork] });
    const t2 = d.topic(BOB, "two", { prev: [fork] });
    const r = resolveState(d.rules, [d.stateAfter(t1.event_id), d.stateAfter(t2.event_id)], d.ctx);
    // Same depth: the event with the higher sha1(event_id) comes last.
    const sha1 = (s: string) => new Bun.CryptoHasher("sha1").update(s).digest("hex");
    const last = sha1(t1.event_id) > sha1(t2.event_id) ? t1 : t2;
    expect(r.get(stateMapKey("m.room.topic", ""))).toBe(last.event_id);
  });
});
