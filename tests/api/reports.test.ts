/** Reporting events, rooms and users; admins list, read and delete reports. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ICreateClientOpts } from "matrix-js-sdk";
import { call } from "../helpers/client";
import { createRoom, enc, join, roomTableCounts, sendMessage } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let admin: TestUser;
let room: string;
let message: string;

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  admin = createUserDirect(hs, "admin", { admin: true });
  room = await createRoom(hs, alice, { preset: "public_chat", name: "Town square" });
  await join(hs, bob, room);
  message = await sendMessage(hs, alice, room, "something rude");
});
afterAll(() => hs.stop());

const reportEventPath = (roomId: string, eventId: string) =>
  `/_matrix/client/v3/rooms/${enc(roomId)}/report/${enc(eventId)}`;

describe("reporting", () => {
  test("a member reports an event (matrix-js-sdk); the admin sees it with the event", async () => {
    const client = createClient({
      baseUrl: hs.baseUrl,
      accessToken: bob.accessToken,
      userId: bob.userId,
      deviceId: bob.deviceId,
      logger: quiet as ICreateClientOpts["logger"],
    });
    await client.reportEvent(room, message, -100, "rude");
    const list = await call<{ event_reports: Record<string, unknown>[]; total: number }>(
      hs,
      "GET",
      "/_synapse/admin/v1/event_reports",
      { token: admin.accessToken },
    );
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(1);
    const r = list.body.event_reports[0]!;
    expect(r).toMatchObject({
      room_id: room,
      name: "Town square",
      event_id: message,
      user_id: bob.userId,
      sender: alice.userId,
      reason: "rude",
      score: -100,
    });
    const one = await call<Record<string, unknown>>(hs, "GET", `/_synapse/admin/v1/event_reports/${r.id}`, {
      token: admin.accessToken,
    });
    expect(one.body.event_json).toMatchObject({ event_id: message, content: { body: "something rude" } });
  });

  test("event reports need membership and a visible event: otherwise 404, nothing stored", async () => {
    const before = roomTableCounts(hs);
    const outsider = await call(hs, "POST", reportEventPath(room, message), {
      token: carol.accessToken,
      body: { reason: "x" },
    });
    expect([outsider.status, outsider.body.errcode]).toEqual([404, "M_NOT_FOUND"]);
    const unknown = await call(hs, "POST", reportEventPath(room, `$${"A".repeat(43)}`), {
      token: bob.accessToken,
      body: {},
    });
    expect(unknown.status).toBe(404);
    const badScore = await call(hs, "POST", reportEventPath(room, message), {
      token: bob.accessToken,
      body: { score: 5 },
    });
    expect([badScore.status, badScore.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    const badId = await call(hs, "POST", reportEventPath(room, "not-an-event-id"), {
      token: bob.accessToken,
      body: {},
    });
    expect([badId.status, badId.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    expect(roomTableCounts(hs)).toEqual(before);
  });

  test("anyone may report a room or a user; unknown ones are 404", async () => {
    const r = await call(hs, "POST", `/_matrix/client/v3/rooms/${enc(room)}/report`, {
      token: carol.accessToken,
      body: { reason: "spam room" },
    });
    expect(r.status).toBe(200);
    const u = await call(hs, "POST", `/_matrix/client/v3/users/${enc(alice.userId)}/report`, {
      token: carol.accessToken,
      body: { reason: "" },
    });
    expect(u.status).toBe(200);
    const before = roomTableCounts(hs);
    expect(
      (
        await call(hs, "POST", "/_matrix/client/v3/rooms/!nope:hs1.test/report", {
          token: carol.accessToken,
          body: { reason: "x" },
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await call(hs, "POST", `/_matrix/client/v3/users/${enc("@ghost:hs1.test")}/report`, {
          token: carol.accessToken,
          body: { reason: "x" },
        })
      ).status,
    ).toBe(404);
    const noReason = await call(hs, "POST", `/_matrix/client/v3/rooms/${enc(room)}/report`, {
      token: carol.accessToken,
      body: {},
    });
    expect([noReason.status, noReason.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    expect(roomTableCounts(hs)).toEqual(before);

    const rooms = await call<{ reports: Record<string, unknown>[] }>(hs, "GET", "/_hearth/admin/v1/reports?kind=room", {
      token: admin.accessToken,
    });
    expect(rooms.body.reports).toMatchObject([
      { kind: "room", room_id: room, user_id: carol.userId, reason: "spam room" },
    ]);
    const users = await call<{ reports: Record<string, unknown>[] }>(hs, "GET", "/_hearth/admin/v1/reports?kind=user", {
      token: admin.accessToken,
    });
    expect(users.body.reports).toMatchObject([{ kind: "user", target_user_id: alice.userId, user_id: carol.userId }]);
  });

  test("admin API: filters, paging, deletion; non-admins are refused", async () => {
    await sendMessage(hs, alice, room, "more");
    for (let i = 0; i < 3; i++) {
      const ev = await sendMessage(hs, alice, room, `msg ${i}`);
      await call(hs, "POST", reportEventPath(room, ev), { token: alice.accessToken, body: { reason: `r${i}` } });
    }
    const page = await call<{ event_reports: { id: number; reason: string }[]; total: number; next_token?: number }>(
      hs,
      "GET",
      "/_synapse/admin/v1/event_reports?limit=2",
      { token: admin.accessToken },
    );
    expect(page.body.total).toBe(4);
    expect(page.body.event_reports.map((r) => r.reason)).toEqual(["r2", "r1"]);
    expect(page.body.next_token).toBe(2);
    const byUser = await call<{ total: number }>(
      hs,
      "GET",
      `/_synapse/admin/v1/event_reports?user_id=${enc(alice.userId)}`,
      { token: admin.accessToken },
    );
    expect(byUser.body.total).toBe(3);
    const forbidden = await call(hs, "GET", "/_synapse/admin/v1/event_reports", { token: bob.accessToken });
    expect([forbidden.status, forbidden.body.errcode]).toEqual([403, "M_FORBIDDEN"]);
    const id = page.body.event_reports[0]!.id;
    expect(
      (await call(hs, "DELETE", `/_synapse/admin/v1/event_reports/${id}`, { token: admin.accessToken })).status,
    ).toBe(200);
    expect((await call(hs, "GET", `/_synapse/admin/v1/event_reports/${id}`, { token: admin.accessToken })).status).toBe(
      404,
    );
    const bad = await call(hs, "GET", "/_synapse/admin/v1/event_reports?limit=0", { token: admin.accessToken });
    expect([bad.status, bad.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
  });
});
