/** The history pagination token codec and the room event filter parser. */
import { describe, expect, test } from "bun:test";
import { MatrixError } from "../../../src/core/errors";
import { parseRoomEventFilter } from "../../../src/services/rooms/messages-filter";
import {
  comparePositions,
  formatTopoToken,
  HISTORY_START,
  parsePaginationToken,
  tokenAfter,
  tokenBefore,
} from "../../../src/services/rooms/pagination-token";
import { formatSyncToken, ZERO_TOKEN } from "../../../src/services/sync/token";

function invalid(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(MatrixError);
    return `${(e as MatrixError).status} ${(e as MatrixError).errcode}`;
  }
  return "no error";
}

describe("pagination tokens", () => {
  test("t tokens round-trip, including negative positions (backfill)", () => {
    for (const pos of [{ topo: 5, stream: 17 }, { topo: -3, stream: -40 }, { topo: 0, stream: 0 }, HISTORY_START]) {
      expect(parsePaginationToken(formatTopoToken(pos))).toEqual({ kind: "topo", pos });
    }
  });

  test("a sync token stands for its room-events position", () => {
    const token = formatSyncToken({ ...ZERO_TOKEN, events: 42, typing: 7 });
    expect(parsePaginationToken(token)).toEqual({ kind: "stream", stream: 42 });
  });

  test("the gaps before and after an event bracket it", () => {
    const ev = { topologicalOrdering: 9, streamOrdering: 100 };
    expect(comparePositions(tokenBefore(ev), tokenAfter(ev))).toBe(-1);
    expect(comparePositions(tokenAfter(ev), { topo: 9, stream: 100 })).toBe(0);
    expect(comparePositions({ topo: 8, stream: 500 }, tokenBefore(ev))).toBe(-1);
    expect(comparePositions(HISTORY_START, { topo: -1, stream: -1 })).toBe(-1);
  });

  test("anything else is 400 M_INVALID_PARAM", () => {
    for (const bad of [
      "",
      "t",
      "t1",
      "t1_",
      "t_1",
      "t1_2_3",
      "tx_1",
      "t1.5_2",
      "T1_2",
      "s",
      "s1_2",
      "sx",
      "x1_2",
      "t99999999999999999_1",
      "t1_2 ",
    ]) {
      expect({ bad, r: invalid(() => parsePaginationToken(bad)) }).toEqual({ bad, r: "400 M_INVALID_PARAM" });
    }
  });
});

describe("room event filters", () => {
  test("absent or empty means everything", () => {
    for (const f of [undefined, ""]) {
      const filter = parseRoomEventFilter(f);
      expect(filter.matchesAnything("!r:hs")).toBe(true);
      expect(filter.matches({ type: "x", sender: "@a:hs" })).toBe(true);
      expect(filter.lazyLoadMembers).toBe(false);
    }
  });

  test("types with wildcards, not_types, senders, not_senders, contains_url", () => {
    const f = parseRoomEventFilter(
      JSON.stringify({
        types: ["m.room.*", "org.example.exact"],
        not_types: ["m.room.member"],
        not_senders: ["@spam:hs"],
        contains_url: true,
        lazy_load_members: true,
      }),
    );
    expect(f.lazyLoadMembers).toBe(true);
    expect(f.matches({ type: "m.room.message", sender: "@a:hs", containsUrl: true })).toBe(true);
    expect(f.matches({ type: "m.room.message", sender: "@a:hs", containsUrl: false })).toBe(false);
    expect(f.matches({ type: "m.room.member", sender: "@a:hs" })).toBe(false);
    expect(f.matches({ type: "org.example.exact", sender: "@a:hs" })).toBe(true);
    expect(f.matches({ type: "org.example.exactly", sender: "@a:hs" })).toBe(false);
    expect(f.matches({ type: "m.roomX", sender: "@a:hs" })).toBe(false);
    expect(f.matches({ type: "m.room.message", sender: "@spam:hs" })).toBe(false);
    expect(f.history).toEqual({
      types: ["m.room.*", "org.example.exact"],
      notTypes: ["m.room.member"],
      notSenders: ["@spam:hs"],
      containsUrl: true,
    });
  });

  test("rooms and not_rooms; empty lists match nothing", () => {
    const only = parseRoomEventFilter(JSON.stringify({ rooms: ["!a:hs"] }));
    expect(only.matchesAnything("!a:hs")).toBe(true);
    expect(only.matchesAnything("!b:hs")).toBe(false);
    expect(parseRoomEventFilter(JSON.stringify({ not_rooms: ["!a:hs"] })).matchesAnything("!a:hs")).toBe(false);
    expect(parseRoomEventFilter(JSON.stringify({ types: [] })).matchesAnything("!a:hs")).toBe(false);
    expect(parseRoomEventFilter(JSON.stringify({ senders: [] })).matchesAnything("!a:hs")).toBe(false);
  });

  test("malformed filters are 400 M_INVALID_PARAM", () => {
    for (const bad of [
      "{",
      "[]",
      "null",
      "1",
      '"x"',
      '{"types":"m.room.message"}',
      '{"senders":["alice"]}',
      '{"limit":-1}',
      '{"contains_url":1}',
      `{"types":["${"x".repeat(20_000)}"]}`,
    ]) {
      expect({ bad: bad.slice(0, 40), r: invalid(() => parseRoomEventFilter(bad)) }).toEqual({
        bad: bad.slice(0, 40),
        r: "400 M_INVALID_PARAM",
      });
    }
  });
});
