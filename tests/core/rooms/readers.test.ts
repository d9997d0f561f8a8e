import { describe, expect, test } from "bun:test";
import { roomCreators } from "../../../src/core/rooms/creators";
import { readHistoryVisibility } from "../../../src/core/rooms/history-visibility";
import { isKnockJoinRule, isRestrictedJoinRule, readJoinRules } from "../../../src/core/rooms/join-rules";
import { readPowerLevels } from "../../../src/core/rooms/power-levels";
import {
  CREATOR_POWER_LEVEL,
  canRedact,
  canSendEvent,
  eventPowerLevel,
  hasNamedPower,
  notificationPowerLevel,
  roomPower,
  userPowerLevel,
} from "../../../src/core/rooms/room-power";
import { ROOM_VERSIONS } from "../../../src/core/rooms/versions";

const [v1, v6, v8, v10, v11, v12] = (["1", "6", "8", "10", "11", "12"] as const).map((id) => ROOM_VERSIONS[id]);
const ALICE = "@alice:a.example";
const BOB = "@bob:b.example";
const CAROL = "@carol:c.example";

describe("power levels reader", () => {
  test("defaults when the room has no power levels event", () => {
    const pl = readPowerLevels(v11!, undefined);
    expect([pl.usersDefault, pl.eventsDefault, pl.stateDefault, pl.ban, pl.kick, pl.invite, pl.redact]).toEqual([
      0, 0, 50, 50, 50, 0, 50,
    ]);
  });

  test("unrelated invalid fields do not spoil the valid ones", () => {
    const pl = readPowerLevels(v11!, {
      users: { [BOB]: 75, [CAROL]: "lots", [ALICE]: 1.5 },
      ban: { nested: true },
      kick: 20,
      events: "not an object",
      notifications: { room: 10 },
    });
    expect(pl.users.get(BOB)).toBe(75);
    expect(pl.users.has(CAROL)).toBe(false);
    expect(pl.users.has(ALICE)).toBe(false);
    expect(pl.ban).toBe(50);
    expect(pl.kick).toBe(20);
    expect(pl.events.size).toBe(0);
    expect(pl.notifications.get("room")).toBe(10);
  });
});

describe("room power", () => {
  test("without a power levels event the creator has 100 (v1-v11), the others 0", () => {
    const createV1 = { sender: ALICE, content: { creator: BOB } };
    expect(userPowerLevel(roomPower(v1!, createV1, undefined), BOB)).toBe(100); // v1-v10: content.creator
    expect(userPowerLevel(roomPower(v1!, createV1, undefined), ALICE)).toBe(0);
    const create = { sender: ALICE, content: {} };
    expect(userPowerLevel(roomPower(v11!, create, undefined), ALICE)).toBe(100); // v11: the sender
    expect(userPowerLevel(roomPower(v11!, create, undefined), BOB)).toBe(0);
  });

  test("v12 creators (sender and additional_creators) have infinite power, even against power levels", () => {
    const create = { sender: ALICE, content: { additional_creators: [BOB] } };
    const power = roomPower(v12!, create, { users: { [CAROL]: 100 }, users_default: 10 });
    expect(userPowerLevel(power, ALICE)).toBe(CREATOR_POWER_LEVEL);
    expect(userPowerLevel(power, BOB)).toBe(CREATOR_POWER_LEVEL);
    expect(userPowerLevel(power, CAROL)).toBe(100);
    expect(userPowerLevel(power, "@dan:d.example")).toBe(10);
    expect(roomCreators(v12!, create)).toEqual(new Set([ALICE, BOB]));
    // additional_creators mean nothing before v12
    expect(roomCreators(v11!, create)).toEqual(new Set([ALICE]));
  });

  test("required levels: events map, then state_default or events_default", () => {
    const power = roomPower(
      v10!,
      { sender: ALICE, content: {} },
      {
        users: { [BOB]: 50 },
        events: { "m.room.name": 60, "m.reaction": 5 },
        state_default: 40,
        events_default: 1,
      },
    );
    expect(eventPowerLevel(power, "m.room.name", true)).toBe(60);
    expect(eventPowerLevel(power, "m.room.topic", true)).toBe(40);
    expect(eventPowerLevel(power, "m.room.message", false)).toBe(1);
    expect(canSendEvent(power, BOB, "m.room.topic", true)).toBe(true);
    expect(canSendEvent(power, BOB, "m.room.name", true)).toBe(false);
    expect(canSendEvent(power, CAROL, "m.reaction", false)).toBe(false);
    expect(hasNamedPower(power, BOB, "redact")).toBe(true);
    expect(hasNamedPower(power, BOB, "ban")).toBe(true);
    expect(hasNamedPower(power, CAROL, "invite")).toBe(true);
    expect(notificationPowerLevel(power, "room")).toBe(50);
  });

  test("redacting: one's own events at the m.room.redaction level, other users' events also at the redact level", () => {
    const power = roomPower(
      v10!,
      { sender: ALICE, content: {} },
      {
        users: { [ALICE]: 100, [BOB]: 50, [CAROL]: 10 },
        events: { "m.room.redaction": 10 },
        redact: 50,
      },
    );
    expect(canRedact(power, CAROL, CAROL)).toBe(true);
    expect(canRedact(power, CAROL, BOB)).toBe(false);
    expect(canRedact(power, BOB, CAROL)).toBe(true);
    expect(canRedact(power, "@dan:d.example", "@dan:d.example")).toBe(false); // below the m.room.redaction level
  });

  test("string levels count in v6 rooms, not in v10 rooms", () => {
    const content = { users: { [BOB]: "60" }, state_default: "55" };
    expect(userPowerLevel(roomPower(v6!, { sender: ALICE, content: {} }, content), BOB)).toBe(60);
    expect(eventPowerLevel(roomPower(v6!, { sender: ALICE, content: {} }, content), "x", true)).toBe(55);
    expect(userPowerLevel(roomPower(v10!, { sender: ALICE, content: {} }, content), BOB)).toBe(0);
  });
});

describe("join rules reader", () => {
  test("no event or no join_rule means invite", () => {
    expect(readJoinRules(v10!, undefined).joinRule).toBe("invite");
    expect(readJoinRules(v10!, {}).joinRule).toBe("invite");
    expect(readJoinRules(v10!, { join_rule: 7 }).joinRule).toBe("");
  });

  test("allow conditions are read for restricted rooms (v8+) and unknown kinds are skipped", () => {
    const content = {
      join_rule: "restricted",
      allow: [
        { type: "m.room_membership", room_id: "!space:a.example" },
        { type: "m.something_else", room_id: "!x:a.example" },
        { type: "m.room_membership" },
        "junk",
      ],
    };
    expect(readJoinRules(v8!, content)).toEqual({
      joinRule: "restricted",
      allow: [{ type: "m.room_membership", roomId: "!space:a.example" }],
    });
    expect(readJoinRules(v6!, content).allow).toEqual([]);
  });

  test("which rules allow knocking and restricted joins depends on the version", () => {
    expect(isKnockJoinRule(v6!, "knock")).toBe(false);
    expect(isKnockJoinRule(ROOM_VERSIONS["7"], "knock")).toBe(true);
    expect(isKnockJoinRule(ROOM_VERSIONS["9"], "knock_restricted")).toBe(false);
    expect(isKnockJoinRule(v10!, "knock_restricted")).toBe(true);
    expect(isRestrictedJoinRule(ROOM_VERSIONS["7"], "restricted")).toBe(false);
    expect(isRestrictedJoinRule(v8!, "restricted")).toBe(true);
    expect(isRestrictedJoinRule(v10!, "knock_restricted")).toBe(true);
  });
});

describe("history visibility reader", () => {
  test("known values are kept; missing or unknown values mean shared", () => {
    expect(readHistoryVisibility({ history_visibility: "joined" })).toBe("joined");
    expect(readHistoryVisibility({ history_visibility: "world_readable" })).toBe("world_readable");
    expect(readHistoryVisibility({ history_visibility: "everyone" })).toBe("shared");
    expect(readHistoryVisibility(undefined)).toBe("shared");
  });
});
