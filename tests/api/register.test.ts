import { afterEach, describe, expect, test } from "bun:test";
import { manualClock } from "../../src/util/clock";
import { call, FAST_PASSWORD_HASHING, type MatrixErrorBody, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

const REGISTER = "/_matrix/client/v3/register";
let hs: TestServer | null = null;
afterEach(async () => {
  await hs?.stop();
  hs = null;
});

async function server(config: Record<string, unknown> = {}, clock = manualClock()) {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING, ...config }, clock });
  return hs;
}
const userCount = (s: TestServer) =>
  s.server.db.sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM users").get()?.n ?? 0;

interface UiaBody {
  flows: { stages: string[] }[];
  params: Record<string, unknown>;
  session: string;
  completed?: string[];
  errcode?: string;
}

describe("POST /register, open mode", () => {
  test("without auth: 401 with the dummy flow and a session; with it: an account and a token", async () => {
    const s = await server();
    const first = await call<UiaBody>(s, "POST", REGISTER, { body: { username: "alice", password: "password-1" } });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ["m.login.dummy"] }]);
    expect(first.body.params).toEqual({});
    expect(first.body.session).toBeString();
    expect(first.body.completed).toBeUndefined();
    expect(userCount(s)).toBe(0);

    const done = await call<Record<string, string>>(s, "POST", REGISTER, {
      body: {
        username: "Alice",
        password: "password-1",
        device_id: "PHONE",
        initial_device_display_name: "Alice's phone",
        auth: { type: "m.login.dummy", session: first.body.session },
      },
    });
    expect(done.status).toBe(200);
    // usernames are lower-cased onto the localpart grammar
    expect(done.body).toMatchObject({ user_id: "@alice:hs1.test", device_id: "PHONE", home_server: "hs1.test" });
    const who = await call(s, "GET", "/_matrix/client/v3/account/whoami", { token: done.body.access_token });
    expect(who.body).toEqual({ user_id: "@alice:hs1.test", device_id: "PHONE", is_guest: false });
    const dev = await call(s, "GET", "/_matrix/client/v3/devices/PHONE", { token: done.body.access_token });
    expect(dev.body).toMatchObject({ device_id: "PHONE", display_name: "Alice's phone" });
  });

  test("a finished session cannot be used again", async () => {
    const s = await server();
    const first = await call<UiaBody>(s, "POST", REGISTER, { body: {} });
    const ok = await call(s, "POST", REGISTER, {
      body: { username: "bob", password: "password-1", auth: { type: "m.login.dummy", session: first.body.session } },
    });
    expect(ok.status).toBe(200);
    const again = await call<MatrixErrorBody>(s, "POST", REGISTER, {
      body: { username: "bob2", password: "password-1", auth: { type: "m.login.dummy", session: first.body.session } },
    });
    expect(again.status).toBe(400);
    expect(userCount(s)).toBe(1);
  });

  test("username problems come before UIA: M_USER_IN_USE and M_INVALID_USERNAME", async () => {
    const s = await server();
    await register(s, "carol");
    const taken = await call<MatrixErrorBody>(s, "POST", REGISTER, {
      body: { username: "carol", password: "password-1" },
    });
    expect(taken.status).toBe(400);
    expect(taken.body.errcode).toBe("M_USER_IN_USE");
    for (const username of ["ca rol", "carol:x", "_bridge", "12345", "ça"]) {
      const bad = await call<MatrixErrorBody>(s, "POST", REGISTER, { body: { username, password: "password-1" } });
      expect(bad.status).toBe(400);
      expect(bad.body.errcode).toBe("M_INVALID_USERNAME");
    }
    const weak = await call<MatrixErrorBody>(s, "POST", REGISTER, { body: { username: "dan", password: "short" } });
    expect(weak.body.errcode).toBe("M_WEAK_PASSWORD");
    expect(userCount(s)).toBe(1);
  });

  test("without a username the server picks one; without a password it refuses and creates nothing", async () => {
    const s = await server();
    const noPw = await call<MatrixErrorBody>(s, "POST", REGISTER, { body: { auth: { type: "m.login.dummy" } } });
    expect(noPw.status).toBe(400);
    expect(noPw.body.errcode).toBe("M_MISSING_PARAM");
    expect(userCount(s)).toBe(0);
    const r = await call<Record<string, string>>(s, "POST", REGISTER, {
      body: { password: "password-1", auth: { type: "m.login.dummy" } },
    });
    expect(r.status).toBe(200);
    expect(r.body.user_id).toMatch(/^@\d+:hs1\.test$/);
  });

  test("inhibit_login returns only the user ID; refresh_token returns a refresh token and a lifetime", async () => {
    const s = await server();
    const inhibited = await call<Record<string, unknown>>(s, "POST", REGISTER, {
      body: { username: "erin", password: "password-1", inhibit_login: true, auth: { type: "m.login.dummy" } },
    });
    expect(inhibited.status).toBe(200);
    expect(inhibited.body.user_id).toBe("@erin:hs1.test");
    expect(inhibited.body.access_token).toBeUndefined();
    expect(inhibited.body.device_id).toBeUndefined();
    expect(s.server.db.sqlite.query("SELECT * FROM devices").all()).toHaveLength(0);
    const withRefresh = await register(s, "frank", "password-1", { refreshToken: true });
    expect(withRefresh.refreshToken).toBeString();
    expect(withRefresh.expiresInMs).toBe(3_600_000);
  });

  test("auth types not offered, or out of order, are 401 with an errcode", async () => {
    const s = await server();
    const r = await call<UiaBody>(s, "POST", REGISTER, {
      body: { username: "gina", password: "password-1", auth: { type: "m.login.registration_token", token: "x" } },
    });
    expect(r.status).toBe(401);
    expect(r.body.errcode).toBe("M_UNRECOGNIZED");
    expect(r.body.flows).toEqual([{ stages: ["m.login.dummy"] }]);
    expect(userCount(s)).toBe(0);
  });

  test("a session started for another request is refused", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const other = await call<UiaBody>(s, "POST", "/_matrix/client/v3/delete_devices", {
      token: alice.accessToken,
      body: { devices: [] },
    });
    const r = await call<MatrixErrorBody>(s, "POST", REGISTER, {
      body: { username: "hank", password: "password-1", auth: { type: "m.login.dummy", session: other.body.session } },
    });
    expect(r.status).toBe(403);
    expect(userCount(s)).toBe(1);
  });

  test("malformed JSON is M_NOT_JSON; wrong types are M_BAD_JSON; a bad kind is M_INVALID_PARAM", async () => {
    const s = await server();
    const notJson = await call<MatrixErrorBody>(s, "POST", REGISTER, {
      rawBody: "{nope",
      headers: { "content-type": "application/json" },
    });
    expect(notJson.status).toBe(400);
    expect(notJson.body.errcode).toBe("M_NOT_JSON");
    const badType = await call<MatrixErrorBody>(s, "POST", REGISTER, { body: { username: 5, password: "password-1" } });
    expect(badType.status).toBe(400);
    expect(badType.body.errcode).toBe("M_BAD_JSON");
    const badAuth = await call<MatrixErrorBody>(s, "POST", REGISTER, { body: { auth: "dummy" } });
    expect(badAuth.body.errcode).toBe("M_BAD_JSON");
    const kind = await call<MatrixErrorBody>(s, "POST", `${REGISTER}?kind=robot`, { body: {} });
    expect(kind.body.errcode).toBe("M_INVALID_PARAM");
    expect(userCount(s)).toBe(0);
  });

  test("registrations are limited per address: M_LIMIT_EXCEEDED with retry_after_ms", async () => {
    const clock = manualClock();
    const s = await server({ rate_limits: { enabled: true, register_per_minute: 2 } }, clock);
    await register(s, "u1");
    await register(s, "u2");
    const limited = await call<MatrixErrorBody>(s, "POST", REGISTER, {
      body: { username: "u3", password: "password-1", auth: { type: "m.login.dummy" } },
    });
    expect(limited.status).toBe(429);
    expect(limited.body.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(limited.body.retry_after_ms).toBeGreaterThan(0);
    expect(userCount(s)).toBe(2);
    clock.advance(60_000);
    await register(s, "u3");
  });
});

describe("POST /register, closed and token modes, guests", () => {
  test("closed: 403 M_FORBIDDEN, and /register/available says so too", async () => {
    const s = await server({ registration: { mode: "closed" } });
    const r = await call<MatrixErrorBody>(s, "POST", REGISTER, { body: { username: "x", password: "password-1" } });
    expect(r.status).toBe(403);
    expect(r.body.errcode).toBe("M_FORBIDDEN");
    const avail = await call<MatrixErrorBody>(s, "GET", "/_matrix/client/v3/register/available?username=x");
    expect(avail.status).toBe(403);
  });

  test("token: wrong token is 401 M_UNAUTHORIZED in the UIA body; the right one registers and is counted", async () => {
    const s = await server({ registration: { mode: "token" } });
    s.server.services.accounts.createToken({ token: "letmein", usesAllowed: 2 });
    const first = await call<UiaBody>(s, "POST", REGISTER, { body: { username: "ivy", password: "password-1" } });
    expect(first.body.flows).toEqual([{ stages: ["m.login.registration_token"] }]);
    const wrong = await call<UiaBody>(s, "POST", REGISTER, {
      body: {
        username: "ivy",
        password: "password-1",
        auth: { type: "m.login.registration_token", token: "nope", session: first.body.session },
      },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errcode: "M_UNAUTHORIZED", session: first.body.session });
    const dummy = await call<UiaBody>(s, "POST", REGISTER, {
      body: { username: "ivy", password: "password-1", auth: { type: "m.login.dummy", session: first.body.session } },
    });
    expect(dummy.status).toBe(401);
    expect(userCount(s)).toBe(0);
    const ok = await call(s, "POST", REGISTER, {
      body: {
        username: "ivy",
        password: "password-1",
        auth: { type: "m.login.registration_token", token: "letmein", session: first.body.session },
      },
    });
    expect(ok.status).toBe(200);
    expect(s.server.services.accounts.getToken("letmein")).toMatchObject({ completed: 1, pending: 0 });
  });

  test("a use in progress is pending: a one-use token cannot be claimed twice", async () => {
    const s = await server({ registration: { mode: "token" } });
    s.server.services.accounts.createToken({ token: "once", usesAllowed: 1 });
    // A passes the token stage but has no password yet, so its session stays open (pending).
    const a = await call<MatrixErrorBody & { session?: string }>(s, "POST", REGISTER, {
      body: { username: "jack", auth: { type: "m.login.registration_token", token: "once" } },
    });
    expect(a.body.errcode).toBe("M_MISSING_PARAM");
    expect(s.server.services.accounts.getToken("once")).toMatchObject({ pending: 1, completed: 0 });
    const valid = await call(s, "GET", "/_matrix/client/v1/register/m.login.registration_token/validity?token=once");
    expect(valid.body).toEqual({ valid: false });
    const b = await call<UiaBody>(s, "POST", REGISTER, {
      body: { username: "kate", password: "password-1", auth: { type: "m.login.registration_token", token: "once" } },
    });
    expect(b.status).toBe(401);
    expect(b.body.errcode).toBe("M_UNAUTHORIZED");
    expect(userCount(s)).toBe(0);
  });

  test("validity endpoint: true, false for unknown or expired, 403 when tokens are not used", async () => {
    const clock = manualClock();
    const s = await server({ registration: { mode: "token" } }, clock);
    s.server.services.accounts.createToken({ token: "soon", expiryTime: clock.now() + 1000 });
    const v = (t: string) =>
      call(s, "GET", `/_matrix/client/v1/register/m.login.registration_token/validity?token=${t}`);
    expect((await v("soon")).body).toEqual({ valid: true });
    expect((await v("other")).body).toEqual({ valid: false });
    clock.advance(1000);
    expect((await v("soon")).body).toEqual({ valid: false });
    const missing = await call<MatrixErrorBody>(
      s,
      "GET",
      "/_matrix/client/v1/register/m.login.registration_token/validity",
    );
    expect(missing.body.errcode).toBe("M_INVALID_PARAM");
    await s.stop();
    hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
    const open = await call<MatrixErrorBody>(
      hs,
      "GET",
      "/_matrix/client/v1/register/m.login.registration_token/validity?token=x",
    );
    expect(open.status).toBe(403);
    expect(open.body.errcode).toBe("M_FORBIDDEN");
  });

  test("guests: forbidden by default; when allowed, a guest account that cannot use most endpoints", async () => {
    const off = await server();
    const no = await call<MatrixErrorBody>(off, "POST", `${REGISTER}?kind=guest`, { body: {} });
    expect(no.status).toBe(403);
    expect(no.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
    expect(userCount(off)).toBe(0);
    await off.stop();

    hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING, registration: { guest_access: true } } });
    const g = await call<Record<string, string>>(hs, "POST", `${REGISTER}?kind=guest`, {
      body: { username: "ignored", device_id: "IGNORED", initial_device_display_name: "Guest tab" },
    });
    expect(g.status).toBe(200);
    expect(g.body.user_id).toMatch(/^@\d+:hs1\.test$/);
    expect(g.body.device_id).not.toBe("IGNORED");
    const who = await call(hs, "GET", "/_matrix/client/v3/account/whoami", { token: g.body.access_token });
    expect(who.body).toMatchObject({ is_guest: true });
    // guests may list their devices and set a display name, but not an avatar
    expect((await call(hs, "GET", "/_matrix/client/v3/devices", { token: g.body.access_token })).status).toBe(200);
    const name = await call(hs, "PUT", `/_matrix/client/v3/profile/${g.body.user_id}/displayname`, {
      token: g.body.access_token,
      body: { displayname: "Visitor" },
    });
    expect(name.status).toBe(200);
    const avatar = await call<MatrixErrorBody>(hs, "PUT", `/_matrix/client/v3/profile/${g.body.user_id}/avatar_url`, {
      token: g.body.access_token,
      body: { avatar_url: "mxc://hs1.test/x" },
    });
    expect(avatar.status).toBe(403);
    expect(avatar.body.errcode).toBe("M_GUEST_ACCESS_FORBIDDEN");
  });
});

describe("GET /register/available", () => {
  test("available, taken, invalid, missing", async () => {
    const s = await server();
    await register(s, "lena");
    const ok = await call(s, "GET", "/_matrix/client/v3/register/available?username=mike");
    expect(ok).toEqual({ status: 200, body: { available: true } });
    const taken = await call<MatrixErrorBody>(s, "GET", "/_matrix/client/v3/register/available?username=LENA");
    expect(taken.body.errcode).toBe("M_USER_IN_USE");
    const bad = await call<MatrixErrorBody>(s, "GET", "/_matrix/client/v3/register/available?username=a%20b");
    expect(bad.body.errcode).toBe("M_INVALID_USERNAME");
    const missing = await call<MatrixErrorBody>(s, "GET", "/_matrix/client/v3/register/available");
    expect(missing.body.errcode).toBe("M_INVALID_PARAM");
  });
});

describe("3PID validation during registration", () => {
  test("requestToken is M_THREEPID_DENIED; malformed bodies are M_BAD_JSON", async () => {
    const s = await server();
    const r = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/register/email/requestToken", {
      body: { client_secret: "s", email: "a@b.c", send_attempt: 1 },
    });
    expect(r.status).toBe(403);
    expect(r.body.errcode).toBe("M_THREEPID_DENIED");
    const bad = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/register/msisdn/requestToken", {
      body: { client_secret: "s" },
    });
    expect(bad.body.errcode).toBe("M_BAD_JSON");
  });
});
