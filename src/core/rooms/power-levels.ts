/**
 * Lenient reader for `m.room.power_levels` content (client-server API, m.room.power_levels; rooms
 * v1-stringy-power-levels and v1-floaty-power-levels fragments; v10 "values must be integers").
 *
 * Values are read the way the room version allows:
 * - rooms without strict canonical JSON (v1-v5): integers, floats (truncated at the decimal point) and
 *   integer strings;
 * - rooms before integer enforcement (v6-v9): integers and integer strings;
 * - v10 and later: integers only.
 * A value the version does not allow is ignored (the default applies). Never throws: servers must not
 * reject or break on unrelated invalid fields. The auth rules check validity where the spec asks for it.
 */
import type { RoomVersionRules } from "./versions";

/** What the reader needs from a room version. */
export type PowerLevelRules = Pick<RoomVersionRules, "strictCanonicalJson" | "auth">;

export interface PowerLevels {
  readonly users: ReadonlyMap<string, number>;
  readonly usersDefault: number;
  readonly events: ReadonlyMap<string, number>;
  readonly eventsDefault: number;
  readonly stateDefault: number;
  readonly ban: number;
  readonly kick: number;
  readonly invite: number;
  readonly redact: number;
  readonly notifications: ReadonlyMap<string, number>;
}

/** The scalar properties of the content, with their spec defaults. */
export const POWER_LEVEL_SCALARS = {
  users_default: 0,
  events_default: 0,
  state_default: 50,
  ban: 50,
  kick: 50,
  invite: 0,
  redact: 50,
} as const;

export type PowerLevelScalar = keyof typeof POWER_LEVEL_SCALARS;

/** `notifications.room` defaults to 50; other notification keys have no spec default, 50 is used. */
export const DEFAULT_NOTIFICATION_LEVEL = 50;

const EMPTY: ReadonlyMap<string, number> = new Map();

/** The levels that apply when the room has no m.room.power_levels event (creators aside). */
export const DEFAULT_POWER_LEVELS: PowerLevels = {
  users: EMPTY,
  usersDefault: POWER_LEVEL_SCALARS.users_default,
  events: EMPTY,
  eventsDefault: POWER_LEVEL_SCALARS.events_default,
  stateDefault: POWER_LEVEL_SCALARS.state_default,
  ban: POWER_LEVEL_SCALARS.ban,
  kick: POWER_LEVEL_SCALARS.kick,
  invite: POWER_LEVEL_SCALARS.invite,
  redact: POWER_LEVEL_SCALARS.redact,
  notifications: EMPTY,
};

/** Base-10 integer, optional sign, optional leading zeros, optional surrounding whitespace. */
const INTEGER_STRING = /^\s*[+-]?[0-9]+\s*$/;

/** True when the room version accepts `"50"`-style string power levels (v1-v9). */
export function acceptsStringPowerLevels(rules: PowerLevelRules): boolean {
  return !rules.auth.integerPowerLevels;
}

/** True when the room version accepts float power levels, truncated (v1-v5: no strict canonical JSON). */
export function acceptsFloatPowerLevels(rules: PowerLevelRules): boolean {
  return !rules.strictCanonicalJson && !rules.auth.integerPowerLevels;
}

/**
 * One power level value as the room version reads it, or null when the version does not accept it
 * (wrong type, malformed string, float where floats are not allowed, or a float outside the range of a
 * double, which JSON parsers turn into Infinity).
 */
export function parsePowerLevel(rules: PowerLevelRules, value: unknown): number | null {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return value === 0 ? 0 : value; // normalises -0
    if (acceptsFloatPowerLevels(rules) && Number.isFinite(value)) {
      const t = Math.trunc(value);
      return t === 0 ? 0 : t;
    }
    return null;
  }
  if (typeof value === "string" && acceptsStringPowerLevels(rules) && INTEGER_STRING.test(value)) {
    const n = Number(value.trim());
    return n === 0 ? 0 : n;
  }
  return null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readMap(rules: PowerLevelRules, v: unknown): ReadonlyMap<string, number> {
  if (!isObject(v)) return EMPTY;
  const out = new Map<string, number>();
  for (const k of Object.keys(v)) {
    const n = parsePowerLevel(rules, v[k]);
    if (n !== null) out.set(k, n);
  }
  return out.size === 0 ? EMPTY : out;
}

function readScalar(rules: PowerLevelRules, content: Record<string, unknown>, key: PowerLevelScalar): number {
  return parsePowerLevel(rules, content[key]) ?? POWER_LEVEL_SCALARS[key];
}

type Mode = 0 | 1 | 2;
function modeOf(rules: PowerLevelRules): Mode {
  return acceptsFloatPowerLevels(rules) ? 0 : acceptsStringPowerLevels(rules) ? 1 : 2;
}

/** Parsed levels per content object and reading mode: auth checks read the same event many times. */
const cache = new WeakMap<object, [PowerLevels?, PowerLevels?, PowerLevels?]>();

/**
 * Reads power levels content leniently. `content` undefined (no event) or not an object gives the
 * defaults. The result is cached per content object: do not mutate content after reading it.
 */
export function readPowerLevels(rules: PowerLevelRules, content: unknown): PowerLevels {
  if (!isObject(content)) return DEFAULT_POWER_LEVELS;
  const mode = modeOf(rules);
  let slot = cache.get(content);
  const hit = slot?.[mode];
  if (hit) return hit;
  const levels: PowerLevels = {
    users: readMap(rules, content.users),
    usersDefault: readScalar(rules, content, "users_default"),
    events: readMap(rules, content.events),
    eventsDefault: readScalar(rules, content, "events_default"),
    stateDefault: readScalar(rules, content, "state_default"),
    ban: readScalar(rules, content, "ban"),
    kick: readScalar(rules, content, "kick"),
    invite: readScalar(rules, content, "invite"),
    redact: readScalar(rules, content, "redact"),
    notifications: readMap(rules, content.notifications),
  };
  if (!slot) {
    slot = [];
    cache.set(content, slot);
  }
  slot[mode] = levels;
  return levels;
}
