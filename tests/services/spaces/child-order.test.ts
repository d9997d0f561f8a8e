/** The order of a space's children (client-server "Ordering of children within a space"), and which children count. */
import { describe, expect, test } from "bun:test";
import type { EventStore, LoadedEvent } from "../../../src/services/rooms/event-store";
import { spaceChildren } from "../../../src/services/spaces/hierarchy";
import type { RoomRow } from "../../../src/storage/repos/rooms";

function child(stateKey: string, ts: number, content: Record<string, unknown>): LoadedEvent {
  return {
    event: { type: "m.space.child", stateKey, originServerTs: ts, content, sender: "@a:hs.test" },
  } as unknown as LoadedEvent;
}
const storeOf = (events: LoadedEvent[]) => ({ stateEventsOfType: () => events }) as unknown as EventStore;
const room = { currentSnapshotNid: 1 } as RoomRow;
const keys = (evs: LoadedEvent[]) => evs.map((e) => e.event.stateKey);

describe("space children", () => {
  test("the spec's example: valid order first (by code point), then by timestamp", () => {
    const via = ["example.org"];
    const events = [
      child("!b:example.org", 1640341000000, { order: " ", via }),
      child("!a:example.org", 1640141000000, { order: "aaaa", via }),
      child("!c:example.org", 1640841000000, { order: "first", via }),
      child("!e:example.org", 1640641000000, { via }),
      child("!d:example.org", 1640741000000, { via }),
    ].reverse();
    expect(keys(spaceChildren(storeOf(events), room, false))).toEqual([
      "!b:example.org",
      "!a:example.org",
      "!c:example.org",
      "!e:example.org",
      "!d:example.org",
    ]);
  });

  test("ties: same order, then timestamp, then room ID; invalid orders count as none", () => {
    const via = ["hs.test"];
    const events = [
      child("!z:hs.test", 5, { order: "x", via }),
      child("!y:hs.test", 5, { order: "x", via }),
      child("!x:hs.test", 1, { order: "x", via }),
      child("!w:hs.test", 0, { order: "a".repeat(51), via }),
      child("!v:hs.test", 0, { order: "caf\u00e9", via }),
      child("!u:hs.test", 0, { order: 3, via }),
    ];
    expect(keys(spaceChildren(storeOf(events), room, false))).toEqual([
      "!x:hs.test",
      "!y:hs.test",
      "!z:hs.test",
      "!u:hs.test",
      "!v:hs.test",
      "!w:hs.test",
    ]);
  });

  test("children need a non-empty via of strings and a room ID state key; suggested_only filters", () => {
    const events = [
      child("!ok:hs.test", 1, { via: ["hs.test"], suggested: true }),
      child("!plain:hs.test", 2, { via: ["hs.test"] }),
      child("!novia:hs.test", 3, {}),
      child("!emptyvia:hs.test", 4, { via: [] }),
      child("!badvia:hs.test", 5, { via: [3] }),
      child("not-a-room", 6, { via: ["hs.test"] }),
      child("!truthy:hs.test", 7, { via: ["hs.test"], suggested: "yes" }),
    ];
    expect(keys(spaceChildren(storeOf(events), room, false))).toEqual([
      "!ok:hs.test",
      "!plain:hs.test",
      "!truthy:hs.test",
    ]);
    expect(keys(spaceChildren(storeOf(events), room, true))).toEqual(["!ok:hs.test"]);
  });
});
