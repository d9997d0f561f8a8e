/**
 * Auth rule for m.room.power_levels events (rule 10 in v1-v5, 9 in v6-v11, 10 in v12): validity of
 * the new content for the room version, then what the sender may add, change or remove.
 *
 * Values are compared as the room version reads them ("50" and 50 are the same level before v10). A
 * value that the version cannot read, in an entry that the checks have to compare, rejects the event:
 * an unreadable level can be neither granted nor revoked.
 */

import { parseUserId } from "../ids/user-id";
import {
  POWER_LEVEL_SCALARS,
  type PowerLevelRules,
  type PowerLevelScalar,
  parsePowerLevel,
} from "../rooms/power-levels";
import { type RoomPower, userPowerLevel } from "../rooms/room-power";
import type { RoomVersionRules } from "../rooms/versions";
import type { RuleNumbers } from "./rule-numbers";
import { ALLOWED, type AuthEvent, type AuthResult, reject } from "./types";

const SCALARS = Object.keys(POWER_LEVEL_SCALARS) as PowerLevelScalar[];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function mapOf(v: unknown): Record<string, unknown> {
  return isObject(v) ? v : {};
}

/** Integer in the JSON sense (v10+). Canonical JSON input guarantees the safe range. */
function isInteger(v: unknown): boolean {
  return typeof v === "number" && Number.isInteger(v);
}

/**
 * Validity of power levels content for the room version (the checks before "no previous event: allow").
 * Exported so that services can refuse a bad power levels event before building it.
 */
export function checkPowerLevelsContent(
  rules: PowerLevelRules & Pick<RoomVersionRules, "auth">,
  content: Readonly<Record<string, unknown>>,
  creators: ReadonlySet<string>,
  numbers: RuleNumbers,
): AuthResult {
  const p = numbers.powerLevels;
  if (rules.auth.integerPowerLevels) {
    for (const k of SCALARS) {
      if (k in content && !isInteger(content[k])) {
        return reject(p.scalarIntegers!, "power_levels.integer", `${k} is not an integer`);
      }
    }
    for (const k of ["events", "notifications"] as const) {
      if (!(k in content)) continue;
      const m = content[k];
      if (!isObject(m) || !Object.values(m).every(isInteger)) {
        return reject(p.mapIntegers!, "power_levels.integer_map", `${k} is not an object of integers`);
      }
    }
  }
  if ("users" in content) {
    const users = content.users;
    if (!isObject(users)) return reject(p.users, "power_levels.users", "users is not an object");
    for (const [user, level] of Object.entries(users)) {
      if (parseUserId(user) === null)
        return reject(p.users, "power_levels.users", `users has an invalid user ID ${user}`);
      const ok = rules.auth.integerPowerLevels ? isInteger(level) : parsePowerLevel(rules, level) !== null;
      if (!ok) return reject(p.users, "power_levels.users", `users has an invalid level for ${user}`);
    }
    if (rules.auth.privilegedCreators) {
      for (const user of Object.keys(users)) {
        if (creators.has(user)) {
          return reject(p.creatorsInUsers!, "power_levels.creator_in_users", `room creator ${user} appears in users`);
        }
      }
    }
  }
  return ALLOWED;
}

type Read = { present: false } | { present: true; level: number | null };

function read(rules: PowerLevelRules, m: Record<string, unknown>, k: string): Read {
  return Object.hasOwn(m, k) ? { present: true, level: parsePowerLevel(rules, m[k]) } : { present: false };
}

export function checkPowerLevelsChange(
  rules: PowerLevelRules & Pick<RoomVersionRules, "auth">,
  event: AuthEvent,
  previous: AuthEvent | undefined,
  power: RoomPower,
  numbers: RuleNumbers,
): AuthResult {
  const p = numbers.powerLevels;
  const valid = checkPowerLevelsContent(rules, event.content, power.creators, numbers);
  if (!valid.ok) return valid;
  if (!previous) return ALLOWED;

  const senderLevel = userPowerLevel(power, event.sender);
  const oldContent = previous.content;
  const newContent = event.content;

  /**
   * One entry: unchanged entries pass; a changed entry is checked with `tooHighOld` (current value) and
   * `tooHighNew` (new value). Returns a rejection reason or null.
   */
  const compare = (
    oldMap: Record<string, unknown>,
    newMap: Record<string, unknown>,
    key: string,
    oldRule: string,
    newRule: string,
    oldTooHigh: (level: number) => boolean,
    check: string,
  ): AuthResult => {
    const o = read(rules, oldMap, key);
    const nw = read(rules, newMap, key);
    if ((o.present && o.level === null) || (nw.present && nw.level === null)) {
      // Synapse reads every compared value as an integer and fails on one it cannot read.
      return reject(
        nw.present && nw.level === null ? newRule : oldRule,
        `${check}.invalid`,
        `${key} has an unreadable level`,
      );
    }
    const ol = o.present ? o.level : null;
    const nl = nw.present ? nw.level : null;
    if (ol === nl) return ALLOWED; // unchanged (or absent on both sides)
    if (ol !== null && oldTooHigh(ol)) {
      return reject(oldRule, check, `cannot change ${key} from ${ol}: the sender's level is ${senderLevel}`);
    }
    if (nl !== null && nl > senderLevel) {
      return reject(newRule, check, `cannot set ${key} to ${nl}: the sender's level is ${senderLevel}`);
    }
    return ALLOWED;
  };

  const above = (l: number) => l > senderLevel;
  for (const k of SCALARS) {
    const r = compare(oldContent, newContent, k, `${p.scalars}.1`, `${p.scalars}.2`, above, "power_levels.scalar");
    if (!r.ok) return r;
  }

  const maps: Array<"events" | "notifications"> = rules.auth.notificationsPowerLevels
    ? ["events", "notifications"]
    : ["events"];
  for (const m of maps) {
    const oldMap = mapOf(oldContent[m]);
    const newMap = mapOf(newContent[m]);
    for (const k of new Set([...Object.keys(oldMap), ...Object.keys(newMap)])) {
      const r = compare(oldMap, newMap, k, `${p.eventsRemoved}.1`, `${p.eventsAdded}.1`, above, `power_levels.${m}`);
      if (!r.ok) return r;
    }
  }

  const oldUsers = mapOf(oldContent.users);
  const newUsers = mapOf(newContent.users);
  for (const u of new Set([...Object.keys(oldUsers), ...Object.keys(newUsers)])) {
    // Another user's current level must be below the sender's; the sender's own entry only must not exceed it.
    const oldTooHigh = u === event.sender ? above : (l: number) => l >= senderLevel;
    const r = compare(
      oldUsers,
      newUsers,
      u,
      `${p.usersRemoved}.1`,
      `${p.usersAdded}.1`,
      oldTooHigh,
      "power_levels.users",
    );
    if (!r.ok) return r;
  }
  return ALLOWED;
}
