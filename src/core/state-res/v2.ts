/**
 * State resolution v2 (room versions 2 to 11, rooms/v2 "State resolution") and v2.1 (room version 12,
 * rooms/v12: the iterative auth checks of the power events start from an empty state, and the full
 * conflicted set includes the conflicted state subgraph).
 */
import { stateMapKey } from "../auth/types";
import { authChainDifference, conflictedSubgraph } from "./auth-chain";
import { EventGraph } from "./event-graph";
import { iterativeAuthChecks } from "./iterative-auth-checks";
import { isPowerEvent, mainlineSort, reverseTopologicalPowerSort } from "./ordering";
import type { StateMap, StateResolutionContext } from "./types";

const POWER_LEVELS_KEY = stateMapKey("m.room.power_levels", "");

export interface Separated {
  unconflicted: Map<string, string>;
  /** Key -> the distinct event IDs the state sets hold for it (a key missing from some set is conflicted). */
  conflicted: Map<string, Set<string>>;
}

/** Unconflicted state map and conflicted state set (rooms/v2 "Definitions"). */
export function separateV2(stateSets: readonly StateMap[]): Separated {
  const unconflicted = new Map<string, string>();
  const conflicted = new Map<string, Set<string>>();
  const keys = new Set<string>();
  for (const s of stateSets) for (const k of s.keys()) keys.add(k);
  for (const k of keys) {
    const ids = new Set<string>();
    let missing = false;
    for (const s of stateSets) {
      const id = s.get(k);
      if (id === undefined) missing = true;
      else ids.add(id);
    }
    if (!missing && ids.size === 1) unconflicted.set(k, ids.values().next().value!);
    else conflicted.set(k, ids);
  }
  return { unconflicted, conflicted };
}

export function resolveV2(
  graph: EventGraph,
  stateSets: readonly StateMap[],
  opts: { emptyBase: boolean; conflictedSubgraph: boolean },
): Map<string, string> {
  if (stateSets.length === 0) return new Map();
  const { unconflicted, conflicted } = separateV2(stateSets);
  if (conflicted.size === 0) return unconflicted;

  const conflictedNodes = new Set<number>();
  for (const ids of conflicted.values()) for (const id of ids) conflictedNodes.add(graph.node(id));
  const sets = stateSets.map((s) => [...s.values()].map((id) => graph.node(id)));

  const full = authChainDifference(graph, sets);
  for (const n of conflictedNodes) full.add(n);
  if (opts.conflictedSubgraph) for (const n of conflictedSubgraph(graph, conflictedNodes)) full.add(n);
  for (const n of full) if (!graph.event(n)) full.delete(n); // events nobody can give us take no part

  const power: number[] = [];
  for (const n of full) if (isPowerEvent(graph.event(n)!)) power.push(n);
  const sortedPower = reverseTopologicalPowerSort(graph, power, full);
  const partial = iterativeAuthChecks(graph, sortedPower, opts.emptyBase ? new Map() : unconflicted);

  const inPowerSort = new Set(sortedPower);
  const leftover: number[] = [];
  for (const n of full) if (!inPowerSort.has(n)) leftover.push(n);
  const pl = partial.get(POWER_LEVELS_KEY);
  const sortedLeftover = mainlineSort(graph, leftover, pl === undefined ? -1 : graph.node(pl));
  const resolved = iterativeAuthChecks(graph, sortedLeftover, partial);

  for (const [k, id] of unconflicted) resolved.set(k, id);
  return resolved;
}

export function resolveStateV2(
  rules: ConstructorParameters<typeof EventGraph>[0],
  stateSets: readonly StateMap[],
  ctx: StateResolutionContext,
  v21: boolean,
): Map<string, string> {
  return resolveV2(new EventGraph(rules, ctx), stateSets, { emptyBase: v21, conflictedSubgraph: v21 });
}
