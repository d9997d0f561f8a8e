import { describe, expect, test } from "bun:test";
import { createNotifier } from "../../../src/services/sync/notifier";
import { formatSyncToken, parseSyncToken, ZERO_TOKEN } from "../../../src/services/sync/token";

describe("notifier", () => {
  test("wakes only the users it is told about", async () => {
    const n = createNotifier();
    const alice = n.wait("@alice:hs1.test", 10_000);
    let bobDone = false;
    const bob = n.wait("@bob:hs1.test", 50).then((r) => {
      bobDone = true;
      return r;
    });
    n.notify(["@alice:hs1.test"]);
    expect(await alice).toBe("notified");
    expect(bobDone).toBe(false);
    expect(await bob).toBe("timeout");
    expect(n.waiting()).toBe(0);
  });

  test("a disconnecting client frees its waiter at once", async () => {
    const n = createNotifier();
    const ctrl = new AbortController();
    const p = n.wait("@a:hs1.test", 60_000, ctrl.signal);
    expect(n.waiting()).toBe(1);
    ctrl.abort();
    expect(await p).toBe("aborted");
    expect(n.waiting()).toBe(0);
  });

  test("200 waiters on different users: each wakes for itself only, none leaks", async () => {
    const n = createNotifier();
    const woke: string[] = [];
    const ps = Array.from({ length: 200 }, (_, i) =>
      n.wait(`@u${i}:hs1.test`, 200).then((r) => r === "notified" && woke.push(`@u${i}:hs1.test`)),
    );
    n.notify(["@u7:hs1.test", "@u42:hs1.test"]);
    await Promise.all(ps);
    expect(woke.sort()).toEqual(["@u42:hs1.test", "@u7:hs1.test"]);
    expect(n.waiting()).toBe(0);
  });
});

describe("sync token", () => {
  test("round-trips", () => {
    const t = { ...ZERO_TOKEN, events: 12, typing: 1_700_000_000_000, toDevice: 3 };
    expect(parseSyncToken(formatSyncToken(t))).toEqual(t);
  });
  test.each([
    "",
    "s",
    "x1_2",
    "s1_2",
    "s1_2_3_4_5_6_7_8",
    "s-1_0_0_0_0_0_0",
    "s1.5_0_0_0_0_0_0",
    "s99999999999999999_0_0_0_0_0_0",
  ])("rejects %p with M_INVALID_PARAM", (bad) => {
    expect(() => parseSyncToken(bad)).toThrow(expect.objectContaining({ errcode: "M_INVALID_PARAM" }));
  });
});
