/**
 * The two orderings of state resolution v2 (rooms/v2 "Reverse topological power ordering" and
 * "Mainline ordering"), and what they compare: the sender's power level as the event's own auth events
 * give it, `origin_server_ts`, and the event ID (by code point).
 */
import type { AuthEvent } from "../auth/types";
import { compareCodePoints } from "../json/canonical";
import { roomPower, userPowerLevel } from "../rooms/room-power";
import type { EventGraph } from "./event-graph";
import { MinHeap } from "./heap";

const PL = "m.room.power_levels";
const CREATE = "m.room.create";

/**
 * Power events: m.room.power_levels and m.room.join_rules (state key ""), kicks and bans (a leave or
 * ban membership sent by someone else), and, as Synapse and ruma treat it, m.room.create.
 */
export function isPowerEvent(ev: AuthEvent): boolean {
  if (ev.state_key === undefined) return false;
  if (ev.state_key === "" && (ev.type === PL || ev.type === "m.room.join_rules" || ev.type === CREATE)) return true;
  if (ev.type === "m.room.member") {
    const m = ev.content.membership;
    return (m === "leave" || m === "ban") && ev.sender !== ev.state_key;
  }
  return false;
}

function tsOf(ev: AuthEvent | undefined): number {
  const t = ev?.origin_server_ts;
  return typeof t === "number" ? t : 0;
}

/** The m.room.power_levels event among a node's auth events (the first one), or -1. */
export function powerLevelsAuthEvent(graph: EventGraph, n: number): number {
  for (const a of graph.authOf(n)) {
    const ev = graph.event(a);
    if (ev && ev.type === PL && ev.state_key === "") return a;
  }
  return -1;
}

/** The sender's power level according to the event's own auth events (v12: creators are infinitely powerful). */
export function senderPowerLevel(graph: EventGraph, n: number): number {
  const ev = graph.event(n);
  if (!ev) return 0;
  let pl: AuthEvent | undefined;
  let create: AuthEvent | undefined;
  for (const a of graph.authOf(n)) {
    const ae = graph.event(a);
    if (ae?.state_key !== "") continue;
    if (ae.type === PL && !pl) pl = ae;
    else if (ae.type === CREATE && !create) create = ae;
  }
  return userPowerLevel(roomPower(graph.rules, create, pl?.content), ev.sender);
}

/**
 * Reverse topological power ordering of `events` and of their auth ancestors within `fullConflicted`
 * (reached through auth edges that stay in the set, as Synapse and ruma build the graph): Kahn's
 * algorithm over auth edges, earliest first, choosing among ready events the one whose sender has the
 * highest power, then the lowest origin_server_ts, then the lowest event ID.
 */
export function reverseTopologicalPowerSort(
  graph: EventGraph,
  events: Iterable<number>,
  fullConflicted: ReadonlySet<number>,
): number[] {
  const edges = new Map<number, number[]>(); // node -> its auth events in the graph
  const stack = [...events];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (edges.has(n)) continue;
    const out: number[] = [];
    for (const a of graph.authOf(n)) {
      if (!fullConflicted.has(a)) continue;
      if (!out.includes(a)) out.push(a);
      if (!edges.has(a)) stack.push(a);
    }
    edges.set(n, out);
  }

  const power = new Map<number, number>();
  const ts = new Map<number, number>();
  for (const n of edges.keys()) {
    power.set(n, senderPowerLevel(graph, n));
    ts.set(n, tsOf(graph.event(n)));
  }
  const less = (a: number, b: number): boolean => {
    const pa = power.get(a)!;
    const pb = power.get(b)!;
    if (pa !== pb) return pa > pb;
    const ta = ts.get(a)!;
    const tb = ts.get(b)!;
    if (ta !== tb) return ta < tb;
    return compareCodePoints(graph.id(a), graph.id(b)) < 0;
  };

  const outdegree = new Map<number, number>();
  const dependents = new Map<number, number[]>();
  const heap = new MinHeap(less);
  for (const [n, out] of edges) {
    outdegree.set(n, out.length);
    if (out.length === 0) heap.push(n);
    for (const a of out) {
      let d = dependents.get(a);
      if (!d) {
        d = [];
        dependents.set(a, d);
      }
      d.push(n);
    }
  }
  const sorted: number[] = [];
  for (let n = heap.pop(); n !== undefined; n = heap.pop()) {
    sorted.push(n);
    for (const d of dependents.get(n) ?? []) {
      const left = outdegree.get(d)! - 1;
      outdegree.set(d, left);
      if (left === 0) heap.push(d);
    }
  }
  return sorted;
}

/**
 * Mainline ordering of `events` based on the power levels event `powerLevels` (-1 for none): by mainline
 * position (events based on an older power levels event first), then origin_server_ts, then event ID.
 */
export function mainlineSort(graph: EventGraph, events: readonly number[], powerLevels: number): number[] {
  if (events.length === 0) return [];
  // Depth counts from the oldest mainline event (1) to `powerLevels`; 0 stands for "not on the mainline".
  const mainline: number[] = [];
  const onMainline = new Set<number>();
  for (let p = powerLevels; p !== -1 && !onMainline.has(p); p = powerLevelsAuthEvent(graph, p)) {
    mainline.push(p); // (the Set also stops a cycle, which only malformed input could hold)
    onMainline.add(p);
  }
  const depthOf = new Map<number, number>();
  for (let i = 0; i < mainline.length; i++) depthOf.set(mainline[i]!, mainline.length - i);

  const depth = (n: number): number => {
    const path = new Set<number>();
    let d = 0;
    for (let t = n; t !== -1 && !path.has(t); t = powerLevelsAuthEvent(graph, t)) {
      const known = depthOf.get(t);
      if (known !== undefined) {
        d = known;
        break;
      }
      path.add(t);
    }
    // Every event on the walk leads to the same mainline position: remember it for later walks.
    for (const t of path) depthOf.set(t, d);
    return d;
  };

  const keyed = events.map((n) => ({ n, d: depth(n), ts: tsOf(graph.event(n)), id: graph.id(n) }));
  keyed.sort((a, b) => a.d - b.d || a.ts - b.ts || compareCodePoints(a.id, b.id));
  return keyed.map((k) => k.n);
}
