import { describe, expect, test } from "bun:test";
import { checkStateDependent } from "../../../src/core/auth/state-dependent";
import { authStateOf } from "../../../src/core/auth/types";
import { parsePowerLevel, readPowerLevels } from "../../../src/core/rooms/power-levels";
import { ROOM_VERSIONS, type RoomVersionId } from "../../../src/core/rooms/versions";
import { ALL_VERSIONS } from "../../helpers/builders";
import legacy from "../../vectors/auth/legacy-power-levels.json";

const v = (id: RoomVersionId) => ROOM_VERSIONS[id];

describe("legacy power level vectors (spec rooms/fragments v1-stringy and v1-floaty)", () => {
  const stringVersions = new Set(legacy.string_values.applies_to_room_versions.map(String));
  const floatVersions = new Set(legacy.float_values.applies_to_room_versions.map(String));

  for (const id of ALL_VERSIONS) {
    const rules = v(id);
    const stringsOk = stringVersions.has(id);
    test(`v${id}: integer strings ${stringsOk ? "are read" : "are refused"}`, () => {
      for (const s of legacy.string_values.valid_integer_strings) {
        const expected = Number(s.trim());
        expect(parsePowerLevel(rules, s)).toBe(stringsOk ? expected : null);
      }
    });

    test(`v${id}: the string-valued example event ${stringsOk ? "reads as integers" : "reads as defaults"}`, () => {
      const event = JSON.parse(legacy.string_values.valid_event_text);
      const pl = readPowerLevels(rules, event.content);
      if (stringsOk) {
        expect(pl.ban).toBe(50);
        expect(pl.events.get("m.room.power_levels")).toBe(100);
        expect(pl.stateDefault).toBe(50);
        expect(pl.users.get("@example:localhost")).toBe(100);
      } else {
        // v10+: not integers, so ignored; the spec defaults apply
        expect(pl.users.size).toBe(0);
        expect(pl.events.size).toBe(0);
        expect(pl.ban).toBe(50);
      }
    });

    const floatsOk = floatVersions.has(id);
    test(`v${id}: float levels ${floatsOk ? "truncate" : "are refused"}`, () => {
      const event = JSON.parse(legacy.float_values.valid_event_text);
      const pl = readPowerLevels(rules, event.content);
      for (const [user, level] of Object.entries(legacy.float_values.expected_effective_levels)) {
        if (floatsOk || Number.isInteger(event.content.users[user])) expect(pl.users.get(user)).toBe(level);
        else expect(pl.users.get(user)).toBeUndefined();
      }
      const c = legacy.float_values.conversion_example;
      expect(parsePowerLevel(rules, JSON.parse(c.input))).toBe(floatsOk ? c.truncated : null);
    });
  }

  test("malformed strings and non-numbers are never levels", () => {
    for (const bad of ["", " ", "1.5", "1e3", "0x10", "++1", "+-1", "1 0", "abc", "١٠"]) {
      expect(parsePowerLevel(v("1"), bad)).toBeNull();
    }
    for (const bad of [true, null, [], {}, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(parsePowerLevel(v("1"), bad)).toBeNull();
    }
  });

  test("a float power level outside the range of a double rejects the event in v1-v5", () => {
    // JSON parsers turn 1e400 into Infinity; the fragment says such events are rejected.
    for (const id of ["1", "5"] as const) {
      const rules = v(id);
      const create = {
        event_id: "$c:example.org",
        room_id: "!r:example.org",
        type: "m.room.create",
        state_key: "",
        sender: "@example:example.org",
        content: { creator: "@example:example.org" },
        prev_events: [],
        auth_events: [],
        origin_server_ts: 0,
        depth: 1,
      };
      const join = {
        ...create,
        event_id: "$j:example.org",
        type: "m.room.member",
        state_key: create.sender,
        content: { membership: "join" },
      };
      const pl = {
        ...create,
        event_id: "$p:example.org",
        type: "m.room.power_levels",
        content: JSON.parse('{"users": {"@bob:localhost": 1e400}}'),
      };
      const r = checkStateDependent(rules, pl, authStateOf([create, join]));
      expect(r).toMatchObject({ ok: false, check: "power_levels.users" });
    }
  });
});
