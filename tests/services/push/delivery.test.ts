import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backoffMs } from "../../../src/services/push/push-delivery";
import { manualClock } from "../../../src/util/clock";
import {
  type FakeGateway,
  ok,
  PUSH_TEST_CONFIG,
  pusherBody,
  roomWith,
  send,
  startFakeGateway,
  waitFor,
} from "../../api/push-fixtures";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { createUserDirect } from "../../helpers/users";

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const failuresOf = (hs: TestServer) =>
  hs.server.db.sqlite.query<{ failures: number; retry_at: number }, []>("SELECT failures, retry_at FROM pushers").get();

describe("backoff", () => {
  test("doubles from 1 s and stops at the cap", () => {
    expect([1, 2, 3, 4].map((n) => backoffMs(n, 3_600_000))).toEqual([1000, 2000, 4000, 8000]);
    expect(backoffMs(40, 3_600_000)).toBe(3_600_000);
    expect(backoffMs(5, 3000)).toBe(3000);
  });
});

describe("delivery state in the database", () => {
  test("a notification that failed before a restart is delivered after it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hearth-push-"));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const gw: FakeGateway = startFakeGateway();
    cleanup.push(() => gw.stop());
    const dbPath = join(dir, "hs.db");
    // Down for long enough that the first server stops before any retry succeeds.
    for (let i = 0; i < 1000; i++) gw.script.push({ status: 502 });

    const hs1 = await startTestServer({ dbPath, config: PUSH_TEST_CONFIG });
    const alice = createUserDirect(hs1, "alice");
    const bob = createUserDirect(hs1, "bob");
    const room = await roomWith(hs1, alice, [bob]);
    await ok(hs1, alice, "POST", "/_matrix/client/v3/pushers/set", pusherBody(gw.url));
    const eventId = await send(hs1, bob, room, { msgtype: "m.text", body: "while down" });
    await waitFor(() => (failuresOf(hs1)?.failures ?? 0) >= 1, "a recorded failure");
    await hs1.stop();
    const attempts = gw.requests.length;
    expect(attempts).toBeGreaterThanOrEqual(1);

    gw.script.length = 0;
    const hs2 = await startTestServer({ dbPath, config: PUSH_TEST_CONFIG });
    cleanup.push(() => hs2.stop());
    await waitFor(() => gw.requests.length > attempts, "the retry after the restart");
    expect(gw.requests.at(-1)!.body.notification.event_id).toBe(eventId);
    await waitFor(() => failuresOf(hs2)?.failures === 0, "the success to be recorded");
  });

  test("a notification that still fails after give_up_after_ms is skipped; later ones go out", async () => {
    const clock = manualClock(Date.now());
    const gw = startFakeGateway();
    cleanup.push(() => gw.stop());
    const hs = await startTestServer({
      clock,
      config: { push: { ...PUSH_TEST_CONFIG.push, give_up_after_ms: 60_000 } },
    });
    cleanup.push(() => hs.stop());
    const alice = createUserDirect(hs, "alice");
    const bob = createUserDirect(hs, "bob");
    const room = await roomWith(hs, alice, [bob]);
    await ok(hs, alice, "POST", "/_matrix/client/v3/pushers/set", pusherBody(gw.url));
    gw.script.push({ status: 500 }, { status: 500 });
    const first = await send(hs, bob, room, { msgtype: "m.text", body: "lost" });
    await waitFor(() => (failuresOf(hs)?.failures ?? 0) >= 1, "the first failure");
    clock.advance(61_000);
    await waitFor(() => gw.requests.length >= 2, "the retry");
    await waitFor(() => failuresOf(hs)?.failures === 0, "moving past the notification");
    const second = await send(hs, bob, room, { msgtype: "m.text", body: "found" });
    await waitFor(() => gw.requests.length >= 3, "the next notification");
    expect(gw.requests.map((r) => r.body.notification.event_id)).toEqual([first, first, second]);
  });

  test("push.enabled = false stores notifications but sends nothing", async () => {
    const gw = startFakeGateway();
    cleanup.push(() => gw.stop());
    const hs = await startTestServer({ config: { push: { ...PUSH_TEST_CONFIG.push, enabled: false } } });
    cleanup.push(() => hs.stop());
    const alice = createUserDirect(hs, "alice");
    const bob = createUserDirect(hs, "bob");
    const room = await roomWith(hs, alice, [bob]);
    await ok(hs, alice, "POST", "/_matrix/client/v3/pushers/set", pusherBody(gw.url));
    const eventId = await send(hs, bob, room, { msgtype: "m.text", body: "hi" });
    const list = await ok<{ notifications: { event: { event_id: string } }[] }>(
      hs,
      alice,
      "GET",
      "/_matrix/client/v3/notifications",
    );
    expect(list.notifications.map((n) => n.event.event_id)).toEqual([eventId]);
    // Give a (wrongly) running delivery loop the chance to send.
    await Bun.sleep(50);
    expect(gw.requests).toEqual([]);
  });
});
