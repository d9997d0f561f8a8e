import { describe, expect, test } from "bun:test";
import { TO_DEVICE_TXN_RETENTION_MS } from "../../../src/services/e2ee/e2ee-service";
import { harness } from "./harness";

const ALICE = { userId: "@alice:hs1.test", deviceId: "A1" };
const BOB = "@bob:hs1.test";

describe("to-device service", () => {
  test("an inbox over its limit drops its oldest messages and logs it", () => {
    const h = harness({ inboxLimit: 10 });
    h.addDevice(ALICE.userId, ALICE.deviceId);
    h.addDevice(BOB, "B1");
    h.addDevice(BOB, "B2");
    for (let i = 0; i < 12; i++) h.e2ee.toDevice.send(ALICE, "m.test", `t${i}`, { [BOB]: { B1: { i } } });
    expect(h.e2ee.pendingToDevice(BOB, "B1", 0, 100).events.map((e) => e.content.i)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
    ]);
    const drops = h.logs.filter((l) => l.level === "warn" && l.msg.includes("inbox full"));
    expect(drops).toHaveLength(2);
    expect(drops[0]!.fields).toMatchObject({ user: BOB, device: "B1", dropped: 1, limit: 10 });
    // Other devices are not affected.
    h.e2ee.toDevice.send(ALICE, "m.test", "other", { [BOB]: { B2: { x: 1 } } });
    expect(h.e2ee.pendingToDevice(BOB, "B2", 0, 100).events).toHaveLength(1);
  });

  test("messages for other servers are dropped with a warning naming the servers", () => {
    const h = harness();
    h.addDevice(ALICE.userId, ALICE.deviceId);
    h.e2ee.toDevice.send(ALICE, "m.room_key_request", "t", {
      "@carol:remote.test": { C1: {}, C2: {} },
      "@dave:other.test": { "*": {} },
    });
    const warn = h.logs.find((l) => l.msg.includes("federation is not available"));
    expect(warn?.fields).toMatchObject({ sender: ALICE.userId, servers: ["remote.test", "other.test"], messages: 3 });
    expect(h.e2ee.currentPositions().toDevice).toBe(0);
  });

  test("recipients are woken; an unknown device gets nothing and wakes nobody", () => {
    const h = harness();
    h.addDevice(ALICE.userId, ALICE.deviceId);
    h.addDevice(BOB, "B1");
    h.e2ee.toDevice.send(ALICE, "m.test", "t1", { [BOB]: { NOSUCH: {} } });
    expect(h.woken).toEqual([]);
    h.e2ee.toDevice.send(ALICE, "m.test", "t2", { [BOB]: { B1: {} } });
    expect(h.woken).toEqual([[BOB]]);
  });

  test("a transaction ID is remembered for a day, then forgotten", () => {
    const h = harness();
    h.addDevice(ALICE.userId, ALICE.deviceId);
    h.addDevice(BOB, "B1");
    h.e2ee.toDevice.send(ALICE, "m.test", "t", { [BOB]: { B1: {} } });
    h.clock.advance(TO_DEVICE_TXN_RETENTION_MS - 1);
    h.e2ee.toDevice.send(ALICE, "m.test", "t", { [BOB]: { B1: {} } });
    expect(h.e2ee.pendingToDevice(BOB, "B1", 0, 100).events).toHaveLength(1);
    h.clock.advance(2);
    h.e2ee.toDevice.send(ALICE, "m.test", "t", { [BOB]: { B1: {} } });
    expect(h.e2ee.pendingToDevice(BOB, "B1", 0, 100).events).toHaveLength(2);
  });

  test("positions are never reused after messages are deleted", () => {
    const h = harness();
    h.addDevice(ALICE.userId, ALICE.deviceId);
    h.addDevice(BOB, "B1");
    h.e2ee.toDevice.send(ALICE, "m.test", "t1", { [BOB]: { B1: {} } });
    const first = h.e2ee.currentPositions().toDevice;
    h.e2ee.ackToDevice(BOB, "B1", first);
    h.e2ee.toDevice.send(ALICE, "m.test", "t2", { [BOB]: { B1: { n: 2 } } });
    expect(h.e2ee.currentPositions().toDevice).toBe(first + 1);
    // A client that acknowledged `first` still gets the new message.
    expect(h.e2ee.pendingToDevice(BOB, "B1", first, 100).events.map((e) => e.content)).toEqual([{ n: 2 }]);
  });
});

describe("sync section", () => {
  test("a message that arrives after the positions the sync token carries waits for the next sync", () => {
    const h = harness();
    h.addDevice(ALICE.userId, ALICE.deviceId);
    h.addDevice(BOB, "B1");
    h.e2ee.toDevice.send(ALICE, "m.test", "t1", { [BOB]: { B1: { n: 1 } } });
    const upTo = h.e2ee.currentPositions();
    h.e2ee.toDevice.send(ALICE, "m.test", "t2", { [BOB]: { B1: { n: 2 } } }); // while the sync runs
    const first = h.e2ee.syncSection({ userId: BOB, deviceId: "B1", since: null, upTo });
    expect(first.toDevice.map((e) => e.content)).toEqual([{ n: 1 }]);
    expect(first.next.toDevice).toBe(upTo.toDevice);
    const second = h.e2ee.syncSection({ userId: BOB, deviceId: "B1", since: first.next });
    expect(second.toDevice.map((e) => e.content)).toEqual([{ n: 2 }]);
    const third = h.e2ee.syncSection({ userId: BOB, deviceId: "B1", since: second.next });
    expect(third.toDevice).toEqual([]);
  });

  test("an initial sync has no device_lists; an incremental one does; key counts are always there", () => {
    const h = harness();
    h.addDevice(BOB, "B1");
    const initial = h.e2ee.syncSection({ userId: BOB, deviceId: "B1", since: null });
    expect(initial.deviceLists).toBeNull();
    expect(initial.oneTimeKeysCount).toEqual({ signed_curve25519: 0 });
    expect(initial.unusedFallbackKeyTypes).toEqual([]);
    const next = h.e2ee.syncSection({ userId: BOB, deviceId: "B1", since: initial.next });
    expect(next.deviceLists).toEqual({ changed: [], left: [] });
  });
});
