import { describe, expect, test } from "bun:test";
import { conditionMatches, globMatches, type PushContext, parsePropertyPath } from "../../../src/core/push";

const ctx: PushContext = {
  userId: "@a:x",
  displayName: null,
  memberCount: 3,
  senderPowerLevel: 0,
  notificationPowerLevel: () => 50,
};

describe("dot-separated property paths (appendix vectors)", () => {
  test.each([
    ["content.m\\.relates_to", ["content", "m.relates_to"]],
    ["content.m\\\\foo", ["content", "m\\foo"]],
    ["content.m\\xfoo", ["content", "m\\xfoo"]],
    ["type", ["type"]],
  ])("%s", (path, parts) => expect(parsePropertyPath(path)).toEqual(parts));
});

describe("globs", () => {
  test("the spec's event_match examples", () => {
    for (const ok of ["Lunch plans", "LUNCH"]) expect(globMatches("lunc?*", ok)).toBe(true);
    for (const no of [" lunch", "lunc"]) expect(globMatches("lunc?*", no)).toBe(false);
  });
  test("content.body matches word-bounded substrings", () => {
    for (const ok of ["An example event.", "exple", "An exciting triple-whammy"])
      expect(globMatches("ex*ple", ok, false)).toBe(true);
    expect(globMatches("ex*ple", "sexample", false)).toBe(false);
  });
  test("regex characters in patterns are literal", () => {
    expect(globMatches("a.b", "axb")).toBe(false);
    expect(globMatches("(x)", "(X)")).toBe(true);
  });
});

describe("conditions", () => {
  const ev = {
    type: "m.room.create",
    content: { "m.federate": true, n: 3, alt_aliases: ["#a:x", "#b:y"], topic: null },
  };
  test("event_match needs a string value, even for *", () => {
    expect(conditionMatches({ kind: "event_match", key: "content.topic", pattern: "*" }, ev, ctx)).toBe(false);
    expect(conditionMatches({ kind: "event_match", key: "content.missing", pattern: "*" }, ev, ctx)).toBe(false);
  });
  test("event_property_is matches exactly, without casting", () => {
    expect(conditionMatches({ kind: "event_property_is", key: "content.m\\.federate", value: true }, ev, ctx)).toBe(
      true,
    );
    expect(conditionMatches({ kind: "event_property_is", key: "content.m\\.federate", value: "true" }, ev, ctx)).toBe(
      false,
    );
    expect(conditionMatches({ kind: "event_property_is", key: "content.topic", value: null }, ev, ctx)).toBe(true);
    expect(conditionMatches({ kind: "event_property_is", key: "content.n", value: 3 }, ev, ctx)).toBe(true);
  });
  test("event_property_contains matches whole array values", () => {
    expect(
      conditionMatches({ kind: "event_property_contains", key: "content.alt_aliases", value: "#b:y" }, ev, ctx),
    ).toBe(true);
    expect(
      conditionMatches({ kind: "event_property_contains", key: "content.alt_aliases", value: ":y" }, ev, ctx),
    ).toBe(false);
  });
  test("room_member_count with each operator", () => {
    const m = (is: string) => conditionMatches({ kind: "room_member_count", is }, ev, ctx);
    expect([m("3"), m("==3"), m("<4"), m(">2"), m("<=3"), m(">=3"), m(">3"), m("x")]).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
      false,
      false,
    ]);
  });
  test("unknown conditions never match", () => {
    expect(conditionMatches({ kind: "org.example.future" }, ev, ctx)).toBe(false);
  });
});
