import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";
import {
  type FakeGateway,
  ok,
  PUSH_TEST_CONFIG,
  pusherBody,
  receipt,
  roomWith,
  send,
  setDisplayName,
  startFakeGateway,
  waitFor,
} from "./push-fixtures";

let hs: TestServer;
let gw: FakeGateway;

beforeAll(async () => {
  hs = await startTestServer({ config: PUSH_TEST_CONFIG });
  gw = startFakeGateway();
});
afterAll(async () => {
  await hs.stop();
  gw.stop();
});

const SET = "/_matrix/client/v3/pushers/set";
const pushers = async (u: TestUser) =>
  (await ok<{ pushers: Record<string, unknown>[] }>(hs, u, "GET", "/_matrix/client/v3/pushers")).pushers;
const setPusher = (u: TestUser, body: unknown) => call(hs, "POST", SET, { token: u.accessToken, body });
const pusherRow = (userId: string) =>
  hs.server.db.sqlite
    .query<{ failures: number; retry_at: number }, [string]>("SELECT failures, retry_at FROM pushers WHERE user_id = ?")
    .get(userId);

describe("setting pushers", () => {
  test("an http pusher is listed as given, and can be changed and removed", async () => {
    const u = createUserDirect(hs, "lister");
    expect(await pushers(u)).toEqual([]);
    const body = pusherBody(gw.url, { profile_tag: "xyz" });
    expect((await setPusher(u, body)).status).toBe(200);
    expect(await pushers(u)).toEqual([
      {
        pushkey: "PUSHKEY-1",
        kind: "http",
        app_id: "org.example.app.ios",
        app_display_name: "Example",
        device_display_name: "Phone",
        profile_tag: "xyz",
        lang: "en",
        data: { url: gw.url, custom: "kept" },
      },
    ]);
    await setPusher(u, { ...body, device_display_name: "New phone", data: { url: gw.url, format: "event_id_only" } });
    const [p] = await pushers(u);
    expect(p).toMatchObject({ device_display_name: "New phone", data: { url: gw.url, format: "event_id_only" } });
    expect((await setPusher(u, { kind: null, app_id: body.app_id, pushkey: body.pushkey })).status).toBe(200);
    expect(await pushers(u)).toEqual([]);
  });

  test("without append, the same app and pushkey leave other users; with append, they stay", async () => {
    const a = createUserDirect(hs, "appenda");
    const b = createUserDirect(hs, "appendb");
    const c = createUserDirect(hs, "appendc");
    const body = pusherBody(gw.url, { pushkey: "shared-key" });
    await setPusher(a, body);
    await setPusher(b, { ...body, append: true });
    expect(await pushers(a)).toHaveLength(1);
    expect(await pushers(b)).toHaveLength(1);
    await setPusher(c, body);
    expect(await pushers(a)).toEqual([]);
    expect(await pushers(b)).toEqual([]);
    expect(await pushers(c)).toHaveLength(1);
  });

  const bad: [string, Record<string, unknown>, number, string][] = [
    ["e-mail pushers (no e-mail here)", { kind: "email", app_id: "m.email", data: {} }, 400, "M_INVALID_PARAM"],
    ["an unknown kind", { kind: "carrier-pigeon" }, 400, "M_INVALID_PARAM"],
    ["missing lang and data", { lang: undefined, data: undefined }, 400, "M_MISSING_PARAM"],
    ["missing display names", { app_display_name: undefined, device_display_name: undefined }, 400, "M_MISSING_PARAM"],
    ["data without url", { data: { format: "event_id_only" } }, 400, "M_MISSING_PARAM"],
    ["a url that is not a URL", { data: { url: "not a url" } }, 400, "M_INVALID_PARAM"],
    ["a url with another path", { data: { url: "https://push.example.org/notify" } }, 400, "M_INVALID_PARAM"],
    ["a non-http url", { data: { url: "ftp://push.example.org/_matrix/push/v1/notify" } }, 400, "M_INVALID_PARAM"],
    [
      "an unknown format",
      { data: { url: "https://p.example.org/_matrix/push/v1/notify", format: "full" } },
      400,
      "M_INVALID_PARAM",
    ],
    ["an app_id over 64 characters", { app_id: "a".repeat(65) }, 400, "M_INVALID_PARAM"],
    ["a pushkey over 512 bytes", { pushkey: "é".repeat(257) }, 400, "M_INVALID_PARAM"],
    ["an empty pushkey", { pushkey: "" }, 400, "M_INVALID_PARAM"],
    ["no kind at all", { kind: undefined }, 400, "M_BAD_JSON"],
    ["data not an object", { data: "https://x" }, 400, "M_BAD_JSON"],
  ];
  for (const [name, over, status, errcode] of bad) {
    test(`refuses ${name} and changes nothing`, async () => {
      const u = createUserDirect(hs, `bad${bad.findIndex((b) => b[0] === name)}`);
      await setPusher(u, pusherBody(gw.url, { pushkey: "keep-me" }));
      const before = await pushers(u);
      const body = pusherBody(gw.url, { pushkey: "new-key" });
      for (const [k, v] of Object.entries(over)) {
        if (v === undefined) delete body[k];
        else body[k] = v;
      }
      const r = await setPusher(u, body);
      expect(r.status).toBe(status);
      expect(r.body.errcode).toBe(errcode);
      expect(await pushers(u)).toEqual(before);
    });
  }

  test("plain http gateways are refused unless push.allow_http is set", async () => {
    const strict = await startTestServer({ serverName: "strict.test" });
    try {
      const u = createUserDirect(strict, "alice");
      const r = await call(strict, "POST", SET, { token: u.accessToken, body: pusherBody(gw.url) });
      expect(r.status).toBe(400);
      expect(r.body.errcode).toBe("M_INVALID_PARAM");
      const https = pusherBody("https://push.example.org/_matrix/push/v1/notify");
      expect((await call(strict, "POST", SET, { token: u.accessToken, body: https })).status).toBe(200);
    } finally {
      await strict.stop();
    }
  });

  test("a pusher goes with its device, and with a deactivated account", async () => {
    const u = createUserDirect(hs, "devgone");
    await setPusher(u, pusherBody(gw.url, { pushkey: "device-key" }));
    expect(await pushers(u)).toHaveLength(1);
    hs.server.services.accountEvents.emit("devicesDeleted", { userId: u.userId, deviceIds: [u.deviceId] });
    // The device's token is gone with the device; look at the table.
    expect(hs.server.db.sqlite.query("SELECT count(*) AS n FROM pushers WHERE user_id = ?").get(u.userId)).toEqual({
      n: 0,
    });
    const v = createUserDirect(hs, "deactivated");
    await setPusher(v, pusherBody(gw.url, { pushkey: "deact-key" }));
    hs.server.services.accountEvents.emit("userDeactivated", { userId: v.userId });
    expect(await pushers(v)).toEqual([]);
  });

  test("logging out the device through the API removes its pusher", async () => {
    const u = createUserDirect(hs, "loggedout");
    const other = createUserDirect(hs, "watcher");
    await setPusher(u, pusherBody(gw.url, { pushkey: "logout-key" }));
    await ok(hs, u, "POST", "/_matrix/client/v3/logout", {});
    expect(hs.server.db.sqlite.query("SELECT count(*) AS n FROM pushers WHERE user_id = ?").get(u.userId)).toEqual({
      n: 0,
    });
    expect(await pushers(other)).toEqual([]);
  });
});

describe("delivery to the push gateway", () => {
  let alice: TestUser;
  let bob: TestUser;
  let room: string;

  beforeAll(async () => {
    alice = createUserDirect(hs, "alice");
    bob = createUserDirect(hs, "bob");
    await setDisplayName(hs, alice, "Alice");
    await setDisplayName(hs, bob, "Bob");
    room = await roomWith(hs, alice, [bob], { preset: "private_chat", name: "Tea room" });
  });

  test("the full format: event fields, room name, sender's name, counts, device with tweaks and data without url", async () => {
    gw.requests.length = 0;
    await setPusher(alice, pusherBody(gw.url, { pushkey: "alice-full" }));
    const eventId = await send(hs, bob, room, { msgtype: "m.text", body: "hello" });
    await waitFor(() => gw.requests.length >= 1, "the push");
    const { path, body } = gw.requests[0]!;
    expect(path).toBe("/_matrix/push/v1/notify");
    const pushkeyTs = body.notification.devices[0]!.pushkey_ts;
    expect(typeof pushkeyTs).toBe("number");
    expect(Math.abs((pushkeyTs as number) - Date.now() / 1000)).toBeLessThan(3600);
    expect(body).toEqual({
      notification: {
        event_id: eventId,
        room_id: room,
        type: "m.room.message",
        sender: bob.userId,
        sender_display_name: "Bob",
        room_name: "Tea room",
        prio: "high",
        content: { msgtype: "m.text", body: "hello" },
        counts: { unread: 1 },
        devices: [
          {
            app_id: "org.example.app.ios",
            pushkey: "alice-full",
            pushkey_ts: pushkeyTs,
            data: { custom: "kept" },
            tweaks: { sound: "default" },
          },
        ],
      },
    });
    // A second message counts 2 unread. Alice's own message is not pushed to her, and reads the
    // room up to it: the next one counts 1.
    await send(hs, bob, room, { msgtype: "m.text", body: "again" });
    await waitFor(() => gw.requests.length >= 2, "the second push");
    expect(gw.requests[1]!.body.notification.counts).toEqual({ unread: 2 });
    await send(hs, alice, room, { msgtype: "m.text", body: "mine" });
    await send(hs, bob, room, { msgtype: "m.text", body: "and again" });
    await waitFor(() => gw.requests.length >= 3, "the third push");
    expect(gw.requests).toHaveLength(3);
    expect(gw.requests[2]!.body.notification.counts).toEqual({ unread: 1 });
    await setPusher(alice, { kind: null, app_id: "org.example.app.ios", pushkey: "alice-full" });
  });

  test("the event_id_only format has only event_id, room_id, counts, devices and prio", async () => {
    gw.requests.length = 0;
    await setPusher(
      alice,
      pusherBody(gw.url, { pushkey: "alice-eio", data: { url: gw.url, format: "event_id_only" } }),
    );
    const eventId = await send(hs, bob, room, { msgtype: "m.text", body: "secret" });
    await waitFor(() => gw.requests.length >= 1, "the push");
    const n = gw.requests[0]!.body.notification;
    expect(Object.keys(n).sort()).toEqual(["counts", "devices", "event_id", "prio", "room_id"]);
    expect(n.event_id).toBe(eventId);
    expect(n.room_id).toBe(room);
    expect(n.devices[0]).toMatchObject({ pushkey: "alice-eio", data: { format: "event_id_only" } });
    await setPusher(alice, { kind: null, app_id: "org.example.app.ios", pushkey: "alice-eio" });
  });

  test("a gateway that fails is retried (backoff recorded), and the next notifications follow in order", async () => {
    gw.requests.length = 0;
    gw.script.push({ status: 500 }, { status: 503 });
    await setPusher(alice, pusherBody(gw.url, { pushkey: "alice-retry" }));
    const first = await send(hs, bob, room, { msgtype: "m.text", body: "one" });
    await waitFor(() => (pusherRow(alice.userId)?.failures ?? 0) >= 1, "the failure to be recorded");
    const second = await send(hs, bob, room, { msgtype: "m.text", body: "two" });
    await waitFor(() => gw.requests.filter((r) => r.body.notification.event_id === second).length >= 1, "delivery");
    const ids = gw.requests.map((r) => r.body.notification.event_id);
    expect(ids).toEqual([first, first, first, second]);
    expect(pusherRow(alice.userId)).toEqual({ failures: 0, retry_at: 0 });
    await setPusher(alice, { kind: null, app_id: "org.example.app.ios", pushkey: "alice-retry" });
  });

  test("a pusher whose pushkey the gateway rejects is removed and gets nothing more", async () => {
    gw.requests.length = 0;
    gw.script.push({ status: 200, body: { rejected: ["alice-rejected"] } });
    await setPusher(alice, pusherBody(gw.url, { pushkey: "alice-rejected" }));
    await send(hs, bob, room, { msgtype: "m.text", body: "one" });
    await waitFor(async () => (await pushers(alice)).length === 0, "the pusher's removal");
    await send(hs, bob, room, { msgtype: "m.text", body: "two" });
    // A pusher that is still there proves the second message was processed.
    await setPusher(alice, pusherBody(gw.url, { pushkey: "alice-after" }));
    const third = await send(hs, bob, room, { msgtype: "m.text", body: "three" });
    await waitFor(() => gw.requests.some((r) => r.body.notification.event_id === third), "the other pusher's push");
    expect(gw.requests.filter((r) => r.body.notification.devices[0]!.pushkey === "alice-rejected")).toHaveLength(1);
    await setPusher(alice, { kind: null, app_id: "org.example.app.ios", pushkey: "alice-after" });
  });

  test("a read receipt sends the new unread count alone, once", async () => {
    // Alice's own message reads what earlier tests left unread.
    await send(hs, alice, room, { msgtype: "m.text", body: "caught up" });
    gw.requests.length = 0;
    await setPusher(alice, pusherBody(gw.url, { pushkey: "alice-badge" }));
    await send(hs, bob, room, { msgtype: "m.text", body: "one" });
    const last = await send(hs, bob, room, { msgtype: "m.text", body: "two" });
    await waitFor(() => gw.requests.length >= 2, "two pushes");
    expect(gw.requests[1]!.body.notification.counts).toEqual({ unread: 2 });
    await receipt(hs, alice, room, last);
    await waitFor(() => gw.requests.length >= 3, "the badge push");
    expect(gw.requests[2]!.body).toEqual({
      notification: {
        prio: "low",
        counts: {},
        devices: [expect.objectContaining({ app_id: "org.example.app.ios", pushkey: "alice-badge", tweaks: {} })],
      },
    });
    // The same count again is not sent: the next request is the next message.
    await receipt(hs, alice, room, last);
    const next = await send(hs, bob, room, { msgtype: "m.text", body: "three" });
    await waitFor(() => gw.requests.length >= 4, "the next push");
    expect(gw.requests).toHaveLength(4);
    expect(gw.requests[3]!.body.notification.event_id).toBe(next);
    expect(gw.requests[3]!.body.notification.counts).toEqual({ unread: 1 });
    await setPusher(alice, { kind: null, app_id: "org.example.app.ios", pushkey: "alice-badge" });
  });

  test("notices, reactions and events of ignored users are not pushed", async () => {
    gw.requests.length = 0;
    await setPusher(alice, pusherBody(gw.url, { pushkey: "alice-quiet" }));
    await send(hs, bob, room, { msgtype: "m.notice", body: "bot says" });
    await ok(
      hs,
      alice,
      "PUT",
      `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/m.ignored_user_list`,
      {
        ignored_users: { [bob.userId]: {} },
      },
    );
    await send(hs, bob, room, { msgtype: "m.text", body: "ignored" });
    await ok(
      hs,
      alice,
      "PUT",
      `/_matrix/client/v3/user/${encodeURIComponent(alice.userId)}/account_data/m.ignored_user_list`,
      {
        ignored_users: {},
      },
    );
    const last = await send(hs, bob, room, { msgtype: "m.text", body: "heard" });
    await waitFor(() => gw.requests.length >= 1, "the push");
    expect(gw.requests.map((r) => r.body.notification.event_id)).toEqual([last]);
    await setPusher(alice, { kind: null, app_id: "org.example.app.ios", pushkey: "alice-quiet" });
  });
});

describe("outbound address policy", () => {
  test("a gateway on a private address is refused without the allowlist (nothing is sent)", async () => {
    const closed = await startTestServer({
      serverName: "closed.test",
      config: { push: { allow_http: true, max_backoff_ms: 20 } },
    });
    const gw2 = startFakeGateway();
    try {
      const a = createUserDirect(closed, "alice");
      const b = createUserDirect(closed, "bob");
      const room = await roomWith(closed, a, [b]);
      await call(closed, "POST", SET, { token: a.accessToken, body: pusherBody(gw2.url) });
      await send(closed, b, room, { msgtype: "m.text", body: "hi" });
      const row = () =>
        closed.server.db.sqlite.query<{ failures: number }, []>("SELECT failures FROM pushers").get()?.failures ?? 0;
      await waitFor(() => row() >= 2, "failures to be recorded");
      expect(gw2.requests).toEqual([]);
    } finally {
      await closed.stop();
      gw2.stop();
    }
  });
});
