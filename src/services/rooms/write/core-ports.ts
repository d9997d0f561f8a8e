/** The write path's ports implemented by core: authorization rules and state resolution. */
import { type AuthEvent, authEventsSelection, checkStateDependent, checkStateIndependent } from "../../../core/auth";
import type { RoomEvent } from "../../../core/events";
import type { EventId } from "../../../core/ids";
import { resolveState } from "../../../core/state-res";
import type { EventAuthorizer, StateResolver } from "./ports";

const authViews = new WeakMap<RoomEvent, AuthEvent>();

/** The PDU with its event ID, as the auth rules and state resolution read events. */
export function asAuthEvent(ev: RoomEvent): AuthEvent {
  let a = authViews.get(ev);
  if (!a) {
    a = { ...(ev.pdu as unknown as AuthEvent), event_id: ev.eventId };
    authViews.set(ev, a);
  }
  return a;
}

export interface CorePortDeps {
  fetchEvent(eventId: string): RoomEvent | undefined;
  isRejected(eventId: string): boolean;
}

export function createCoreAuthorizer(deps: CorePortDeps): EventAuthorizer {
  const ctx = {
    fetchEvent: (id: string) => {
      const ev = deps.fetchEvent(id);
      return ev ? asAuthEvent(ev) : undefined;
    },
    isRejected: deps.isRejected,
  };
  return {
    selectAuthEvents(rules, event, state) {
      const input = {
        type: event.type,
        sender: event.sender,
        content: event.content,
        ...(event.stateKey !== undefined ? { state_key: event.stateKey } : {}),
      };
      return authEventsSelection(rules, input, (t, k) => state(t, k)?.eventId) as EventId[];
    },
    check(rules, event, state) {
      const ev = asAuthEvent(event);
      const independent = checkStateIndependent(rules, ev, ctx);
      if (!independent.ok) return { ok: false, reason: independent.reason };
      const dependent = checkStateDependent(rules, ev, (t, k) => {
        const s = state(t, k);
        return s ? asAuthEvent(s) : undefined;
      });
      return dependent.ok ? { ok: true } : { ok: false, reason: dependent.reason };
    },
  };
}

export function createCoreResolver(deps: CorePortDeps): StateResolver {
  return {
    resolve(rules, states) {
      return resolveState(rules, states, {
        fetchEvent: (id) => {
          const ev = deps.fetchEvent(id);
          return ev ? asAuthEvent(ev) : undefined;
        },
        isRejected: deps.isRejected,
      }) as Map<string, EventId>;
    },
  };
}
