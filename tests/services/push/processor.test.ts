import { describe, expect, test } from "bun:test";
import type { RoomEvent } from "../../../src/core/events";
import { defaultPushRules } from "../../../src/core/push";
import { type RoomPower, readPowerLevels } from "../../../src/core/rooms";
import { ROOM_VERSIONS } from "../../../src/core/rooms/versions";
import { createPushProcessor, threadOf } from "../../../src/services/push/push-processor";
import type { PushRulesService } from "../../../src/services/push/push-rules-service";
import type { StoredEvent } from "../../../src/storage/repos/events";
import type { PushNotificationRepo, PushNotificationRow } from "../../../src/storage/repos/push-notifications";
import type { RoomRow } from "../../../src/storage/repos/rooms";
import { manualClock } from "../../../src/util/clock";

const ROOM: RoomRow = {
  roomNid: 1,
  roomId: "!r:hs1.test",
  roomVersion: "12",
  currentSnapshotNid: 5,
  isPublic: false,
  isBlocked: false,
  createdAt: 0,
};

function stored(over: Partial<StoredEvent> = {}): StoredEvent {
  return {
    eventNid: 10,
    eventId: "$e",
    roomNid: 1,
    type: "m.room.message",
    stateKey: null,
    sender: "@bob:hs1.test",
    originServerTs: 0,
    depth: 1,
    streamOrdering: 100,
    topologicalOrdering: 1,
    json: "{}",
    stateBeforeNid: null,
    stateAfterNid: null,
    outlier: false,
    rejectedReason: null,
    softFailed: false,
    redactedBy: null,
    relType: null,
    relatesToId: null,
    threadId: null,
    ...over,
  };
}

function roomEvent(type: string, content: Record<string, unknown>, stateKey?: string): RoomEvent {
  const pdu = {
    type,
    content,
    sender: "@bob:hs1.test",
    room_id: ROOM.roomId,
    ...(stateKey !== undefined ? { state_key: stateKey } : {}),
  };
  return { eventId: "$e", type, sender: "@bob:hs1.test", content, stateKey, pdu } as unknown as RoomEvent;
}

function setup(opts: { joined: string[]; ignores?: [string, string][] }) {
  const rows: PushNotificationRow[] = [];
  const woken: string[][] = [];
  const power: RoomPower = {
    levels: readPowerLevels(ROOM_VERSIONS["12"]!, undefined),
    hasPowerLevelsEvent: false,
    creators: new Set(),
    privilegedCreators: true,
  };
  const processor = createPushProcessor({
    serverName: "hs1.test",
    clock: manualClock(1000),
    notifications: {
      insertMany: (r: readonly PushNotificationRow[]) => rows.push(...r),
    } as unknown as PushNotificationRepo,
    rules: { ruleset: (u: string) => defaultPushRules(u) } as unknown as PushRulesService,
    rooms: {
      joinedMembers: () => opts.joined,
      memberContent: () => null,
      power: () => power,
      storedEvent: () => null,
    },
    ignored: { ignores: (u, other) => (opts.ignores ?? []).some(([a, b]) => a === u && b === other) },
    onNotified: (users) => woken.push([...users]),
  });
  return { processor, rows, woken };
}

describe("push processor", () => {
  test("evaluates for joined local members except the sender; remote members are not evaluated", () => {
    const { processor, rows, woken } = setup({
      joined: ["@bob:hs1.test", "@alice:hs1.test", "@carol:hs1.test", "@remote:other.test"],
    });
    const ev = roomEvent("m.room.message", { msgtype: "m.text", body: "hi" });
    expect(processor.process({ room: ROOM, event: ev, stored: stored() }).sort()).toEqual([
      "@alice:hs1.test",
      "@carol:hs1.test",
    ]);
    expect(rows.map((r) => [r.userId, r.roomId, r.streamOrdering, r.eventNid, r.highlight, r.ts])).toEqual([
      ["@alice:hs1.test", ROOM.roomId, 100, 10, false, 1000],
      ["@carol:hs1.test", ROOM.roomId, 100, 10, false, 1000],
    ]);
    expect(woken).toEqual([["@alice:hs1.test", "@carol:hs1.test"]]);
  });

  test("an invite notifies the (not yet joined) invitee", () => {
    const { processor, rows } = setup({ joined: ["@bob:hs1.test"] });
    const ev = roomEvent("m.room.member", { membership: "invite" }, "@dave:hs1.test");
    processor.process({ room: ROOM, event: ev, stored: stored({ type: "m.room.member", stateKey: "@dave:hs1.test" }) });
    expect(rows.map((r) => [r.userId, r.actions])).toEqual([
      ["@dave:hs1.test", ["notify", { set_tweak: "sound", value: "default" }]],
    ]);
  });

  test("rejected, soft-failed and outlier events notify nobody; ignored senders notify nobody who ignores them", () => {
    const { processor, rows } = setup({
      joined: ["@bob:hs1.test", "@alice:hs1.test", "@carol:hs1.test"],
      ignores: [["@alice:hs1.test", "@bob:hs1.test"]],
    });
    const ev = roomEvent("m.room.message", { msgtype: "m.text", body: "hi" });
    for (const bad of [{ rejectedReason: "auth" }, { softFailed: true }, { outlier: true }]) {
      expect(processor.process({ room: ROOM, event: ev, stored: stored(bad) })).toEqual([]);
    }
    expect(rows).toEqual([]);
    processor.process({ room: ROOM, event: ev, stored: stored() });
    expect(rows.map((r) => r.userId)).toEqual(["@carol:hs1.test"]);
  });
});

describe("threadOf", () => {
  const byId = new Map<string, StoredEvent>();
  const add = (id: string, over: Partial<StoredEvent>) => {
    const s = stored({ eventId: id, ...over });
    byId.set(id, s);
    return s;
  };
  add("$root", {});
  add("$reply", { threadId: "$root", relatesToId: "$root", relType: "m.thread" });
  add("$reaction", { relatesToId: "$reply", relType: "m.annotation" });
  add("$edit", { relatesToId: "$reaction", relType: "m.replace" });
  add("$r3", { relatesToId: "$edit", relType: "m.reference" });
  add("$r4", { relatesToId: "$r3", relType: "m.reference" });
  const lookup = (id: string) => byId.get(id) ?? null;

  test("follows relations up to 3 hops to the thread", () => {
    expect(threadOf(byId.get("$reply")!, lookup)).toBe("$root");
    expect(threadOf(byId.get("$reaction")!, lookup)).toBe("$root");
    expect(threadOf(byId.get("$r3")!, lookup)).toBe("$root");
    expect(threadOf(byId.get("$r4")!, lookup)).toBeNull();
  });

  test("the thread root and a reaction to it are in the main timeline", () => {
    expect(threadOf(byId.get("$root")!, lookup)).toBeNull();
    expect(threadOf(add("$onroot", { relatesToId: "$root", relType: "m.annotation" }), lookup)).toBeNull();
  });
});
