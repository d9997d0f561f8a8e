import { describe, expect, test } from "bun:test";
import { createDeadlineTimer } from "../../../src/services/ephemeral/deadline-timer";
import { createTypingService } from "../../../src/services/ephemeral/typing";
import { manualClock, systemClock } from "../../../src/util/clock";

function typingWith(clock: ReturnType<typeof manualClock>) {
  const woken: string[][] = [];
  const typing = createTypingService({
    clock,
    maxTimeoutMs: 60_000,
    localMembersOf: (roomId) => (roomId === "!r:hs" ? ["@a:hs", "@b:hs"] : []),
    isJoined: (roomId, userId) => roomId === "!r:hs" && userId.endsWith(":hs"),
    notify: (users) => woken.push([...users]),
    onActivity: () => {},
  });
  return { typing, woken };
}

describe("typing", () => {
  test("positions grow with every change, at least to the clock; a refresh is not a change", () => {
    const clock = manualClock(1_000_000);
    const { typing, woken } = typingWith(clock);
    typing.setTyping("@a:hs", "!r:hs", "@a:hs", true, 5000);
    const p1 = typing.position();
    expect(p1).toBe(1_000_000);
    typing.setTyping("@b:hs", "!r:hs", "@b:hs", true, 5000);
    expect(typing.position()).toBe(p1 + 1);
    typing.setTyping("@a:hs", "!r:hs", "@a:hs", true, 5000);
    expect(typing.position()).toBe(p1 + 1);
    expect(woken).toEqual([
      ["@a:hs", "@b:hs"],
      ["@a:hs", "@b:hs"],
    ]);
    expect(typing.typingIn("!r:hs").userIds.sort()).toEqual(["@a:hs", "@b:hs"]);
    typing.stop();
  });

  test("timeouts are capped, and expire on the injected clock", () => {
    const clock = manualClock(2_000_000);
    const { typing } = typingWith(clock);
    typing.setTyping("@a:hs", "!r:hs", "@a:hs", true, 10 * 60_000);
    clock.advance(60_001);
    // Read at once, the expired entry is already hidden; the sweep makes it a change.
    expect(typing.typingIn("!r:hs").userIds).toEqual([]);
    const before = typing.position();
    typing.expire();
    expect(typing.position()).toBeGreaterThan(before);
    typing.stop();
  });

  test("refusals", () => {
    const { typing } = typingWith(manualClock());
    expect(() => typing.setTyping("@a:hs", "!r:hs", "@b:hs", true)).toThrow(
      expect.objectContaining({ errcode: "M_FORBIDDEN" }),
    );
    expect(() => typing.setTyping("@a:hs", "!other:hs", "@a:hs", true)).toThrow(
      expect.objectContaining({ errcode: "M_FORBIDDEN" }),
    );
    typing.stop();
  });
});

describe("deadline timer", () => {
  test("fires for the earliest deadline and re-arms for the next one it is given", async () => {
    const fired: number[] = [];
    let next: number | null = null;
    const timer = createDeadlineTimer(systemClock, (now) => {
      fired.push(now);
      const n = next;
      next = null;
      return n;
    });
    const t0 = systemClock.now();
    next = t0 + 20;
    timer.schedule(t0 + 10);
    timer.schedule(t0 + 1000); // later than the armed one: no change
    while (fired.length < 2) await Bun.sleep(5);
    expect(fired).toHaveLength(2);
    timer.stop();
  });
});
