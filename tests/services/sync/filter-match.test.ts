import { describe, expect, test } from "bun:test";
import {
  compileEventFilter,
  compileSyncFilter,
  globMatches,
  onlyFields,
  splitFieldPath,
} from "../../../src/services/sync/filter-match";

describe("globMatches", () => {
  test.each([
    ["m.room.message", "m.room.message", true],
    ["m.room.message", "m.room.messages", false],
    ["m.room.*", "m.room.message", true],
    ["m.room.*", "m.room.", true],
    ["m.room.*", "m.roomx", false],
    ["*", "anything", true],
    ["*.message", "m.room.message", true],
    ["m.*.member", "m.room.member", true],
    ["m.*.member", "m.room.message", false],
    ["m.room.message", "M.ROOM.MESSAGE", false],
    ["a+b(c)", "a+b(c)", true],
    ["a+b(c)", "aab(c)", false],
    ["x*y*z", "x--y--z", true],
  ])("%p matches %p: %p", (pattern, value, expected) => {
    expect(globMatches(pattern, value)).toBe(expected);
  });
});

describe("event filters", () => {
  const msg = { type: "m.room.message", sender: "@a:hs", content: { body: "hi" } };
  const img = { type: "m.room.message", sender: "@b:hs", content: { body: "pic", url: "mxc://hs/x" } };
  const member = { type: "m.room.member", sender: "@a:hs", content: {} };
  const cases: [string, Parameters<typeof compileEventFilter>[0], [object, boolean][]][] = [
    [
      "no filter lets everything through",
      undefined,
      [
        [msg, true],
        [member, true],
      ],
    ],
    [
      "types",
      { types: ["m.room.message"] },
      [
        [msg, true],
        [member, false],
      ],
    ],
    [
      "an empty types list lets nothing through",
      { types: [] },
      [
        [msg, false],
        [member, false],
      ],
    ],
    [
      "types with a wildcard",
      { types: ["m.room.*"] },
      [
        [msg, true],
        [member, true],
        [{ type: "m.reaction" }, false],
      ],
    ],
    [
      "not_types wins over types",
      { types: ["m.room.*"], not_types: ["m.room.member"] },
      [
        [msg, true],
        [member, false],
      ],
    ],
    [
      "not_types with a wildcard",
      { not_types: ["*.member"] },
      [
        [msg, true],
        [member, false],
      ],
    ],
    [
      "senders",
      { senders: ["@a:hs"] },
      [
        [msg, true],
        [img, false],
      ],
    ],
    [
      "not_senders wins over senders",
      { senders: ["@a:hs", "@b:hs"], not_senders: ["@b:hs"] },
      [
        [msg, true],
        [img, false],
      ],
    ],
    ["senders never match an event without a sender", { senders: ["@a:hs"] }, [[{ type: "m.typing" }, false]]],
    [
      "contains_url true",
      { contains_url: true },
      [
        [msg, false],
        [img, true],
      ],
    ],
    [
      "contains_url false",
      { contains_url: false },
      [
        [msg, true],
        [img, false],
      ],
    ],
  ];
  for (const [name, json, checks] of cases) {
    test(name, () => {
      const f = compileEventFilter(json);
      for (const [ev, expected] of checks) expect(f.matches(ev as never)).toBe(expected);
    });
  }

  test("rooms and not_rooms", () => {
    const f = compileEventFilter({ rooms: ["!a:hs", "!b:hs"], not_rooms: ["!b:hs"] });
    expect([f.matchesRoom("!a:hs"), f.matchesRoom("!b:hs"), f.matchesRoom("!c:hs")]).toEqual([true, false, false]);
  });

  test("flags and limit", () => {
    const f = compileEventFilter({ limit: 3, lazy_load_members: true, unread_thread_notifications: true });
    expect(f.limit).toBe(3);
    expect(f.lazyLoadMembers).toBe(true);
    expect(f.includeRedundantMembers).toBe(false);
    expect(f.unreadThreadNotifications).toBe(true);
  });
});

describe("sync filters", () => {
  test("defaults", () => {
    const f = compileSyncFilter(undefined);
    expect(f.eventFormat).toBe("client");
    expect(f.eventFields).toBeNull();
    expect(f.room.includeLeave).toBe(false);
    expect(f.room.includesRoom("!x:hs")).toBe(true);
  });
  test("the room filter's rooms apply to every section", () => {
    const f = compileSyncFilter({ room: { not_rooms: ["!x:hs"], include_leave: true } });
    expect(f.room.includesRoom("!x:hs")).toBe(false);
    expect(f.room.includesRoom("!y:hs")).toBe(true);
    expect(f.room.includeLeave).toBe(true);
  });
  test("an empty event_fields list keeps every field", () => {
    expect(compileSyncFilter({ event_fields: [] }).eventFields).toBeNull();
  });
});

describe("event_fields", () => {
  test.each([
    ["content.body", ["content", "body"]],
    ["content.m\\.relates_to", ["content", "m.relates_to"]],
    ["content.m\\\\foo", ["content", "m\\foo"]],
    ["content.a\\xb", ["content", "a\\xb"]],
    ["type", ["type"]],
  ])("splits %p", (path, parts) => {
    expect(splitFieldPath(path)).toEqual(parts);
  });

  test("keeps only the listed paths", () => {
    const ev = {
      type: "m.room.message",
      event_id: "$e",
      sender: "@a:hs",
      content: { body: "hi", msgtype: "m.text", "m.relates_to": { rel_type: "m.thread" } },
      unsigned: { age: 1 },
    };
    expect(onlyFields(ev, [["type"], ["content", "body"]])).toEqual({
      type: "m.room.message",
      content: { body: "hi" },
    });
    expect(onlyFields(ev, [["content", "m.relates_to", "rel_type"]])).toEqual({
      content: { "m.relates_to": { rel_type: "m.thread" } },
    });
    expect(onlyFields(ev, [["content", "missing"], ["nope"]])).toEqual({});
    expect(onlyFields(ev, [["content", "body", "deeper"]])).toEqual({});
  });
});
