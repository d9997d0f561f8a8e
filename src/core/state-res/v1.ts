/**
 * State resolution v1 (room version 1, rooms/v1 "State resolution"). Known to reset state; kept exactly
 * as the network runs it (Synapse's v1 resolver, which the spec describes):
 * - a key is conflicted only when two state sets hold different events for it (a key missing from
 *   some sets is not a conflict);
 * - conflicts are resolved in passes: m.room.power_levels, then m.room.join_rules, then m.room.member
 *   (each key on its own against the state resolved so far), then every other key;
 * - the auth passes order a key's events by ascending depth then descending sha1(event_id), accept the
 *   first, and keep accepting while each next event passes auth in the state so far;
 * - other keys take the event of highest depth (then lowest sha1) that passes auth, or the last one
 *   when none does.
 */
import { createHash } from "node:crypto";
import { authTypesForEvent } from "../auth/auth-events-selection";
import { checkStateDependent } from "../auth/state-dependent";
import { type AuthEvent, parseStateMapKey, stateMapKey } from "../auth/types";
import type { RoomVersionRules } from "../rooms/versions";
import type { StateMap, StateResolutionContext } from "./types";

type Rules = Pick<RoomVersionRules, "auth" | "strictCanonicalJson">;

function sha1Hex(s: string): string {
  return createHash("sha1").update(s, "utf8").digest("hex");
}

function keyOf(ev: AuthEvent): string {
  return stateMapKey(ev.type, ev.state_key ?? "");
}

/** Descending depth, then ascending sha1 of the event ID (Synapse's `_ordered_events`). */
function ordered(events: readonly AuthEvent[]): AuthEvent[] {
  const keyed = events.map((e) => ({ e, d: Number(e.depth) || 0, h: sha1Hex(e.event_id) }));
  keyed.sort((a, b) => b.d - a.d || (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  return keyed.map((k) => k.e);
}

function allowed(rules: Rules, ev: AuthEvent, authEvents: ReadonlyMap<string, AuthEvent>): boolean {
  return checkStateDependent(rules, ev, (t, s) => authEvents.get(stateMapKey(t, s))).ok;
}

function resolveAuthEvents(
  rules: Rules,
  events: readonly AuthEvent[],
  state: ReadonlyMap<string, AuthEvent>,
): AuthEvent {
  const reverse = ordered(events).reverse();
  const authEvents = new Map<string, AuthEvent>();
  for (const e of events) {
    for (const [t, s] of authTypesForEvent(rules, e)) {
      const k = stateMapKey(t, s);
      const ae = state.get(k);
      if (ae) authEvents.set(k, ae);
    }
  }
  let prev = reverse[0]!;
  for (const ev of reverse.slice(1)) {
    authEvents.set(keyOf(prev), prev);
    if (!allowed(rules, ev, authEvents)) return prev;
    prev = ev;
  }
  return prev;
}

function resolveNormalEvents(
  rules: Rules,
  events: readonly AuthEvent[],
  state: ReadonlyMap<string, AuthEvent>,
): AuthEvent {
  const sorted = ordered(events);
  for (const ev of sorted) if (allowed(rules, ev, state)) return ev;
  return sorted[sorted.length - 1]!;
}

export function resolveStateV1(
  rules: Rules,
  stateSets: readonly StateMap[],
  ctx: StateResolutionContext,
): Map<string, string> {
  if (stateSets.length === 0) return new Map();
  const unconflicted = new Map(stateSets[0]);
  const conflictedIds = new Map<string, Set<string>>();
  for (const s of stateSets.slice(1)) {
    for (const [k, id] of s) {
      const c = conflictedIds.get(k);
      if (c) c.add(id);
      else {
        const u = unconflicted.get(k);
        if (u === undefined) unconflicted.set(k, id);
        else if (u !== id) {
          conflictedIds.set(k, new Set([u, id]));
          unconflicted.delete(k);
        }
      }
    }
  }
  if (conflictedIds.size === 0) return unconflicted;

  const cache = new Map<string, AuthEvent | undefined>();
  const fetch = (id: string) => {
    if (!cache.has(id)) cache.set(id, ctx.fetchEvent(id));
    return cache.get(id);
  };

  const conflicted = new Map<string, AuthEvent[]>();
  for (const [k, ids] of conflictedIds) {
    const events = [...ids].map(fetch).filter((e): e is AuthEvent => e !== undefined);
    if (events.length > 1) conflicted.set(k, events);
    else if (events.length === 1) unconflicted.set(k, events[0]!.event_id);
  }

  // R starts as the unconflicted events that the conflicted events need for their auth checks.
  const state = new Map<string, AuthEvent>();
  for (const events of conflicted.values()) {
    for (const e of events) {
      for (const [t, s] of authTypesForEvent(rules, e)) {
        const k = stateMapKey(t, s);
        const id = unconflicted.get(k);
        const ae = id === undefined || state.has(k) ? undefined : fetch(id);
        if (ae) state.set(k, ae);
      }
    }
  }

  const resolved = new Map<string, AuthEvent>();
  const plKey = stateMapKey("m.room.power_levels", "");
  const pl = conflicted.get(plKey);
  if (pl) resolved.set(plKey, resolveAuthEvents(rules, pl, state));
  for (const [k, e] of resolved) state.set(k, e);
  for (const type of ["m.room.join_rules", "m.room.member"]) {
    for (const [k, events] of conflicted) {
      if (parseStateMapKey(k)[0] === type) resolved.set(k, resolveAuthEvents(rules, events, state));
    }
    for (const [k, e] of resolved) state.set(k, e);
  }
  for (const [k, events] of conflicted) {
    if (!resolved.has(k)) resolved.set(k, resolveNormalEvents(rules, events, state));
  }

  const out = new Map(unconflicted);
  for (const [k, e] of resolved) out.set(k, e.event_id);
  return out;
}
