/**
 * Changes other services react to (rooms propagate profile changes to member events; sync and e2ee
 * follow device lists and account data). Subscribe with `on`; a throwing listener is logged, never
 * allowed to break the change that fired it.
 */
import type { Logger } from "../../util/log";

export interface AccountEventMap {
  /** A user's display name or avatar changed (rooms re-send their m.room.member events). */
  profileChanged: { userId: string; displayname: string | null; avatarUrl: string | null };
  deviceCreated: { userId: string; deviceId: string };
  deviceUpdated: { userId: string; deviceId: string };
  devicesDeleted: { userId: string; deviceIds: string[] };
  userDeactivated: { userId: string };
  /** Account data was written; `roomId` is null for global account data. */
  accountDataChanged: { userId: string; roomId: string | null; type: string; streamPos: number };
}

export interface AccountEvents {
  on<K extends keyof AccountEventMap>(kind: K, listener: (e: AccountEventMap[K]) => void): () => void;
  emit<K extends keyof AccountEventMap>(kind: K, e: AccountEventMap[K]): void;
}

export function createAccountEvents(logger: Logger): AccountEvents {
  const listeners = new Map<keyof AccountEventMap, Set<(e: never) => void>>();
  return {
    on(kind, listener) {
      const set = listeners.get(kind) ?? new Set();
      listeners.set(kind, set);
      set.add(listener as (e: never) => void);
      return () => set.delete(listener as (e: never) => void);
    },
    emit(kind, e) {
      for (const l of listeners.get(kind) ?? []) {
        try {
          (l as (e: AccountEventMap[typeof kind]) => void)(e);
        } catch (err) {
          logger.error("account event listener failed", {
            kind,
            error: err instanceof Error ? err.message : String(err),
          });
        }
      }
    },
  };
}
