/**
 * Iterative auth checks (rooms/v2 "Iterative auth checks"): apply each event of a sorted list to the
 * state if the state-dependent auth rules allow it. The state the rules see is the event's own auth
 * events (not rejected), overridden by the partially resolved state for the keys the event needs.
 */
import { authTypesForEvent } from "../auth/auth-events-selection";
import { checkStateDependent } from "../auth/state-dependent";
import { type AuthEvent, stateMapKey } from "../auth/types";
import type { EventGraph } from "./event-graph";

export function iterativeAuthChecks(graph: EventGraph, events: readonly number[], base: ReadonlyMap<string, string>) {
  const state = new Map(base);
  const rules = graph.rules;
  for (const n of events) {
    const ev = graph.event(n);
    if (!ev || ev.state_key === undefined) continue;
    const byType = new Map<string, Map<string, AuthEvent>>();
    const put = (ae: AuthEvent) => {
      if (ae.state_key === undefined) return;
      let m = byType.get(ae.type);
      if (!m) {
        m = new Map();
        byType.set(ae.type, m);
      }
      m.set(ae.state_key, ae);
    };
    for (const a of graph.authOf(n)) {
      const ae = graph.event(a);
      if (ae && !graph.isRejected(a)) put(ae);
    }
    const keys = authTypesForEvent(rules, ev);
    if (!rules.auth.createInAuthEvents) keys.push(["m.room.create", ""]);
    for (const [type, stateKey] of keys) {
      const id = state.get(stateMapKey(type, stateKey));
      if (id === undefined) continue;
      const s = graph.node(id);
      const se = graph.event(s);
      if (se && !graph.isRejected(s)) put(se);
    }
    const result = checkStateDependent(rules, ev, (type, stateKey) => byType.get(type)?.get(stateKey));
    if (result.ok) state.set(stateMapKey(ev.type, ev.state_key), graph.id(n));
  }
  return state;
}
