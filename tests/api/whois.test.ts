/**
 * GET /admin/whois/{userId}: each device with the address, time and User-Agent of its latest request;
 * for the user themself and server admins only (authorisation before any lookup).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { manualClock } from "../../src/util/clock";
import { call, enc } from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const clock = manualClock(1_700_000_000_000);
let hs: TestServer;
let alice: TestUser;
let admin: TestUser;

beforeAll(async () => {
  hs = await startTestServer({ clock });
  alice = createUserDirect(hs, "alice");
  admin = createUserDirect(hs, "admin", { admin: true });
});
afterAll(() => hs.stop());

const whois = (userId: string) => `/_matrix/client/v3/admin/whois/${enc(userId)}`;

async function whoami(user: TestUser, userAgent: string): Promise<void> {
  const res = await hs.request("GET", "/_matrix/client/v3/account/whoami", {
    token: user.accessToken,
    headers: { "user-agent": userAgent },
  });
  expect(res.status).toBe(200);
}

describe("GET /admin/whois/{userId}", () => {
  test("a user sees their devices with the latest address, time and User-Agent", async () => {
    await whoami(alice, "curl/7.31.0-DEV");
    hs.server.db.sqlite
      .query("INSERT INTO devices (user_id, device_id, created_at) VALUES (?, 'NEVERSEEN', 0)")
      .run(alice.userId);
    const r = await call(hs, alice, "GET", whois(alice.userId));
    expect(r).toEqual({
      status: 200,
      body: {
        user_id: alice.userId,
        devices: {
          [alice.deviceId]: {
            sessions: [
              { connections: [{ ip: "127.0.0.1", last_seen: 1_700_000_000_000, user_agent: "curl/7.31.0-DEV" }] },
            ],
          },
          NEVERSEEN: { sessions: [{ connections: [] }] },
        },
      },
    });
  });

  test("a later request (after the once-a-minute update interval) replaces the connection", async () => {
    clock.advance(61_000);
    await whoami(alice, "Element/1.11 (Linux)");
    const r = await call<{ devices: Record<string, { sessions: { connections: unknown[] }[] }> }>(
      hs,
      alice,
      "GET",
      whois(alice.userId),
    );
    expect(r.body.devices[alice.deviceId]!.sessions[0]!.connections).toEqual([
      { ip: "127.0.0.1", last_seen: 1_700_000_061_000, user_agent: "Element/1.11 (Linux)" },
    ]);
  });

  test("only admins may look up others; unknown and remote users are refused after that", async () => {
    expect(await call(hs, alice, "GET", whois(admin.userId))).toMatchObject({
      status: 403,
      body: { errcode: "M_FORBIDDEN" },
    });
    expect(await call(hs, alice, "GET", whois("@nobody:hs1.test"))).toMatchObject({
      status: 403,
      body: { errcode: "M_FORBIDDEN" },
    });
    const seen = await call<{ user_id: string }>(hs, admin, "GET", whois(alice.userId));
    expect(seen.status).toBe(200);
    expect(seen.body.user_id).toBe(alice.userId);
    expect(await call(hs, admin, "GET", whois("@nobody:hs1.test"))).toMatchObject({
      status: 404,
      body: { errcode: "M_NOT_FOUND" },
    });
    expect(await call(hs, admin, "GET", whois("@someone:elsewhere.test"))).toMatchObject({
      status: 400,
      body: { errcode: "M_INVALID_PARAM" },
    });
    expect(await call(hs, admin, "GET", whois("not-a-user-id"))).toMatchObject({
      status: 400,
      body: { errcode: "M_INVALID_PARAM" },
    });
    expect((await call(hs, null, "GET", whois(alice.userId))).status).toBe(401);
  });
});
