/**
 * Who may do what in a room, from its m.room.create and m.room.power_levels events
 * (server-server API "Definitions": required power level, invite/kick/ban/redact levels; client-server
 * m.room.power_levels). Used by the auth rules and by services ("can this user redact?").
 *
 * - With a power levels event: `users[user]`, else `users_default`.
 * - Without one: the creator has 100 and everybody else 0 (v1-v11).
 * - v12: creators have infinite power whatever the power levels say (`CREATOR_POWER_LEVEL`).
 */
import { type CreateEventLike, roomCreators } from "./creators";
import { DEFAULT_NOTIFICATION_LEVEL, type PowerLevelRules, type PowerLevels, readPowerLevels } from "./power-levels";
import type { RoomVersionRules } from "./versions";

/** v12 creators' power: above any integer a power levels event can hold. */
export const CREATOR_POWER_LEVEL = Number.POSITIVE_INFINITY;

/** The power level of a room creator when the room has no m.room.power_levels event (v1-v11). */
export const IMPLICIT_CREATOR_POWER_LEVEL = 100;

export type RoomPowerRules = PowerLevelRules & Pick<RoomVersionRules, "auth">;

export interface RoomPower {
  readonly levels: PowerLevels;
  /** False when the room has no m.room.power_levels event (the creator then has 100). */
  readonly hasPowerLevelsEvent: boolean;
  readonly creators: ReadonlySet<string>;
  /** v12: creators have `CREATOR_POWER_LEVEL`. */
  readonly privilegedCreators: boolean;
}

/**
 * Power in a room: `create` is the m.room.create event (undefined if unknown), `powerLevelsContent` the
 * content of the current m.room.power_levels event (undefined if the room has none).
 */
export function roomPower(
  rules: RoomPowerRules,
  create: CreateEventLike | undefined,
  powerLevelsContent: unknown,
): RoomPower {
  return {
    levels: readPowerLevels(rules, powerLevelsContent),
    hasPowerLevelsEvent: powerLevelsContent !== undefined,
    creators: roomCreators(rules, create),
    privilegedCreators: rules.auth.privilegedCreators,
  };
}

export function userPowerLevel(power: RoomPower, userId: string): number {
  if (power.privilegedCreators && power.creators.has(userId)) return CREATOR_POWER_LEVEL;
  if (power.hasPowerLevelsEvent) return power.levels.users.get(userId) ?? power.levels.usersDefault;
  return power.creators.has(userId) ? IMPLICIT_CREATOR_POWER_LEVEL : 0;
}

/** The required power level to send an event of this type (`events`, else `state_default` / `events_default`). */
export function eventPowerLevel(power: RoomPower, type: string, isState: boolean): number {
  return power.levels.events.get(type) ?? (isState ? power.levels.stateDefault : power.levels.eventsDefault);
}

/** True when the user's power level reaches the required level for this event type. */
export function canSendEvent(power: RoomPower, userId: string, type: string, isState: boolean): boolean {
  return userPowerLevel(power, userId) >= eventPowerLevel(power, type, isState);
}

export type NamedLevel = "invite" | "kick" | "ban" | "redact";

export function namedPowerLevel(power: RoomPower, name: NamedLevel): number {
  return power.levels[name];
}

/** True when the user's level reaches the named level (invite, kick, ban, redact). */
export function hasNamedPower(power: RoomPower, userId: string, name: NamedLevel): boolean {
  return userPowerLevel(power, userId) >= power.levels[name];
}

/**
 * Whether a user may redact an event sent by `originalSender` (client-server m.room.power_levels):
 * the level to send m.room.redaction, and for another user's event the redact level as well. (Servers
 * also apply a redaction whose sender is on the original sender's server: rooms/v3 "Handling
 * redactions"; that is for the caller, which knows the servers.)
 */
export function canRedact(power: RoomPower, userId: string, originalSender: string): boolean {
  if (!canSendEvent(power, userId, "m.room.redaction", false)) return false;
  return userId === originalSender || userPowerLevel(power, userId) >= power.levels.redact;
}

/** The level needed to trigger a notification of this kind (`room`: @room mentions), default 50. */
export function notificationPowerLevel(power: RoomPower, key: string): number {
  return power.levels.notifications.get(key) ?? DEFAULT_NOTIFICATION_LEVEL;
}

/**
 * Whether `actor` may kick or ban `target` by power: actor's level reaches the kick/ban level and is
 * above the target's (auth rules for leave and ban memberships; membership state is checked there).
 */
export function outranksFor(power: RoomPower, actor: string, target: string, name: "kick" | "ban"): boolean {
  const a = userPowerLevel(power, actor);
  return a >= power.levels[name] && userPowerLevel(power, target) < a;
}
