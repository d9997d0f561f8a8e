/**
 * GET /voip/turnServer: coturn REST-API credentials from the shared secret (checked against an HMAC
 * computed elsewhere), fixed credentials, nothing when no TURN server is configured, guests per config,
 * and the [turn] config section's checks.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { ConfigError, parseConfig, parseConfigText } from "../../src/config/load";
import { manualClock } from "../../src/util/clock";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect } from "../helpers/users";

const PATH = "/_matrix/client/v3/voip/turnServer";
const servers: TestServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function server(turn: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<TestServer> {
  const hs = await startTestServer({ config: { turn, ...extra }, clock: manualClock(1_700_000_000_000) });
  servers.push(hs);
  return hs;
}

async function get(hs: TestServer, token?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await hs.request("GET", PATH, token ? { token } : {});
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function guestToken(hs: TestServer): Promise<string> {
  const res = await hs.request("POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe("GET /voip/turnServer", () => {
  test("with coturn's shared secret: a username valid for user_lifetime_ms and its HMAC-SHA1 password", async () => {
    const uris = ["turn:turn.hs1.test:3478?transport=udp", "turns:turn.hs1.test:5349?transport=tcp"];
    const hs = await server({ uris, shared_secret: "north", user_lifetime_ms: 86_400_000 });
    const alice = createUserDirect(hs, "alice");
    const r = await get(hs, alice.accessToken);
    expect(r.status).toBe(200);
    // Expiry: (1,700,000,000,000 ms + one day) in seconds; password computed independently (Python hmac).
    expect(r.body).toEqual({
      username: "1700086400:@alice:hs1.test",
      password: "6Vx2k4gzHIqFPZAgY0pfTOzgXfs=",
      uris,
      ttl: 86_400,
    });
  });

  test("with a fixed username and password", async () => {
    const hs = await server({
      uris: ["turn:10.0.0.1:3478"],
      username: "calls",
      password: "pw",
      user_lifetime_ms: 3_600_000,
    });
    const alice = createUserDirect(hs, "alice");
    expect((await get(hs, alice.accessToken)).body).toEqual({
      username: "calls",
      password: "pw",
      uris: ["turn:10.0.0.1:3478"],
      ttl: 3_600,
    });
  });

  test("without a TURN server: an empty object", async () => {
    const hs = await server({});
    const alice = createUserDirect(hs, "alice");
    expect(await get(hs, alice.accessToken)).toEqual({ status: 200, body: {} });
  });

  test("guests get credentials unless allow_guests is off; no token is 401", async () => {
    const open = await server(
      { uris: ["turn:t.hs1.test"], shared_secret: "s" },
      { registration: { guest_access: true } },
    );
    const g1 = await get(open, await guestToken(open));
    expect(g1.status).toBe(200);
    expect(String(g1.body.username)).toMatch(/^\d+:@\d+:hs1\.test$/);
    const closed = await server(
      { uris: ["turn:t.hs1.test"], shared_secret: "s", allow_guests: false },
      { registration: { guest_access: true } },
    );
    expect(await get(closed, await guestToken(closed))).toMatchObject({
      status: 403,
      body: { errcode: "M_GUEST_ACCESS_FORBIDDEN" },
    });
    expect(await get(closed)).toMatchObject({ status: 401, body: { errcode: "M_MISSING_TOKEN" } });
  });
});

describe("[turn] configuration", () => {
  const base = { server_name: "hs1.test", public_base_url: "https://hs1.test" };
  test("uris need a shared secret or a username and password; each must be a turn(s): URI", () => {
    expect(() => parseConfig({ ...base, turn: { uris: ["turn:x"] } })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, turn: { uris: ["turn:x"], username: "u" } })).toThrow(ConfigError);
    expect(() => parseConfig({ ...base, turn: { uris: ["stun:x"], shared_secret: "s" } })).toThrow(ConfigError);
    expect(parseConfig({ ...base, turn: { uris: ["turns:x:5349"], shared_secret: "s" } }).turn.uris).toEqual([
      "turns:x:5349",
    ]);
  });
  test("the secret can come from HEARTH_TURN__SHARED_SECRET", () => {
    const c = parseConfigText(
      'server_name = "hs1.test"\npublic_base_url = "https://hs1.test"\n[turn]\nuris = ["turn:t:3478"]\n',
      { HEARTH_TURN__SHARED_SECRET: "from-env" },
    );
    expect(c.turn.shared_secret).toBe("from-env");
  });
});
