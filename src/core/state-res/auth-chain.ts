/**
 * Auth chains for state resolution (rooms/v2 "Auth chain", "Auth difference"; rooms/v12 "Conflicted
 * state subgraph"). Every walk is linear in the part of the auth DAG it visits: no per-event chains
 * are materialised, so 10,000 conflicted events cost a few passes over the DAG.
 */
import type { EventGraph } from "./event-graph";

/**
 * The auth difference of the state sets: events in the auth chain of some state set but not of all.
 * The auth chain of a state set includes the set's own events (as Synapse computes it; a state event
 * missing from another set's chain is conflicted anyway).
 */
export function authChainDifference(graph: EventGraph, stateSets: readonly (readonly number[])[]): Set<number> {
  const k = stateSets.length;
  const count: number[] = [];
  const stamp: number[] = [];
  const stack: number[] = [];
  for (let s = 0; s < k; s++) {
    const mark = s + 1;
    for (const start of stateSets[s]!) stack.push(start);
    while (stack.length > 0) {
      const n = stack.pop()!;
      if (stamp[n] === mark) continue;
      stamp[n] = mark;
      count[n] = (count[n] ?? 0) + 1;
      for (const a of graph.authOf(n)) if (stamp[a] !== mark) stack.push(a);
    }
  }
  const diff = new Set<number>();
  for (let n = 0; n < count.length; n++) {
    const c = count[n];
    if (c !== undefined && c < k) diff.add(n);
  }
  return diff;
}

/**
 * v12: the conflicted state subgraph, every event on an auth path between two conflicted events
 * (endpoints included): events that are auth ancestors of a conflicted event (or conflicted) and auth
 * descendants of one (or conflicted).
 */
export function conflictedSubgraph(graph: EventGraph, conflicted: Iterable<number>): Set<number> {
  // Backwards: everything reachable from the conflicted events, remembering the reversed edges.
  const seen = new Set<number>();
  const children = new Map<number, number[]>();
  const starts = [...conflicted];
  const stack = [...starts];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const a of graph.authOf(n)) {
      let c = children.get(a);
      if (!c) {
        c = [];
        children.set(a, c);
      }
      c.push(n);
      if (!seen.has(a)) stack.push(a);
    }
  }
  // Forwards from the conflicted events, within what was reached backwards.
  const sub = new Set<number>();
  stack.push(...starts);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (sub.has(n)) continue;
    sub.add(n);
    for (const c of children.get(n) ?? []) if (!sub.has(c)) stack.push(c);
  }
  return sub;
}
