import { afterEach, describe, expect, test } from "bun:test";
import { manualClock } from "../../src/util/clock";
import { call, FAST_PASSWORD_HASHING, login, type MatrixErrorBody, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

const LOGIN = "/_matrix/client/v3/login";
const WHOAMI = "/_matrix/client/v3/account/whoami";
let hs: TestServer | null = null;
afterEach(async () => {
  await hs?.stop();
  hs = null;
});
async function server(config: Record<string, unknown> = {}, clock = manualClock()) {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING, ...config }, clock });
  return hs;
}
const pw = (user: unknown, password: unknown = "correct-horse-battery") => ({
  type: "m.login.password",
  identifier: { type: "m.id.user", user },
  password,
});

describe("GET/POST /login", () => {
  test("GET lists the password flow", async () => {
    const s = await server();
    expect(await call(s, "GET", LOGIN)).toEqual({ status: 200, body: { flows: [{ type: "m.login.password" }] } });
  });

  test("log in by localpart, by full user ID (any case), and with the legacy user field", async () => {
    const s = await server();
    await register(s, "alice");
    for (const body of [
      pw("alice"),
      pw("@ALICE:hs1.test"),
      { type: "m.login.password", user: "alice", password: "correct-horse-battery" },
    ]) {
      const r = await call<Record<string, string>>(s, "POST", LOGIN, { body });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ user_id: "@alice:hs1.test", home_server: "hs1.test" });
      expect(r.body.device_id).toBeString();
      expect(r.body.refresh_token).toBeUndefined();
      const who = await call(s, "GET", WHOAMI, { token: r.body.access_token });
      expect(who.body).toEqual({ user_id: "@alice:hs1.test", device_id: r.body.device_id, is_guest: false });
    }
    // each login made a new device (plus the one from registration)
    expect(s.server.db.sqlite.query("SELECT * FROM devices").all()).toHaveLength(4);
  });

  test("wrong password, unknown user, other server: 403 M_FORBIDDEN", async () => {
    const s = await server();
    await register(s, "bob");
    for (const body of [pw("bob", "wrong-password"), pw("nobody"), pw("@bob:other.test")]) {
      const r = await call<MatrixErrorBody>(s, "POST", LOGIN, { body });
      expect(r.status).toBe(403);
      expect(r.body.errcode).toBe("M_FORBIDDEN");
    }
  });

  test("3PID identifiers are 403 (no account has one); unknown login types are 400 M_UNKNOWN", async () => {
    const s = await server();
    const tp = await call<MatrixErrorBody>(s, "POST", LOGIN, {
      body: {
        type: "m.login.password",
        identifier: { type: "m.id.thirdparty", medium: "email", address: "a@b.c" },
        password: "x",
      },
    });
    expect(tp.status).toBe(403);
    const token = await call<MatrixErrorBody>(s, "POST", LOGIN, { body: { type: "m.login.token", token: "abc" } });
    expect(token.status).toBe(400);
    expect(token.body.errcode).toBe("M_UNKNOWN");
  });

  test("malformed JSON, wrong types and missing fields are refused and create no device", async () => {
    const s = await server();
    await register(s, "carol");
    const before = s.server.db.sqlite.query("SELECT * FROM devices").all().length;
    const notJson = await call<MatrixErrorBody>(s, "POST", LOGIN, { rawBody: "not json" });
    expect(notJson.body.errcode).toBe("M_NOT_JSON");
    for (const body of [
      pw("carol", 12345),
      { ...pw("carol"), device_id: 7 },
      { type: "m.login.password", password: "x" },
    ]) {
      const r = await call<MatrixErrorBody>(s, "POST", LOGIN, { body });
      expect(r.status).toBe(400);
      expect(r.body.errcode).toBe("M_BAD_JSON");
    }
    expect(s.server.db.sqlite.query("SELECT * FROM devices").all()).toHaveLength(before);
  });

  test("logging in with an existing device ID replaces that device's token and keeps its name", async () => {
    const s = await server();
    const reg = await register(s, "dave", undefined, { deviceId: "LAPTOP", deviceName: "Laptop" });
    const again = await login(s, "dave", undefined, { deviceId: "LAPTOP", deviceName: "Other" });
    expect(again.deviceId).toBe("LAPTOP");
    const old = await call<MatrixErrorBody>(s, "GET", WHOAMI, { token: reg.accessToken });
    expect(old.status).toBe(401);
    expect(old.body).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
    const d = await call(s, "GET", "/_matrix/client/v3/devices/LAPTOP", { token: again.accessToken });
    expect(d.body).toMatchObject({ display_name: "Laptop" });
  });

  test("a deactivated account gets 403 M_USER_DEACTIVATED", async () => {
    const s = await server();
    const u = await register(s, "erin");
    s.server.services.accounts.deactivate(u.userId);
    const r = await call<MatrixErrorBody>(s, "POST", LOGIN, { body: pw("erin") });
    expect(r.status).toBe(403);
    expect(r.body.errcode).toBe("M_USER_DEACTIVATED");
  });

  test("failed logins are limited per account; a used-up account refuses even the right password", async () => {
    const clock = manualClock();
    const s = await server({ rate_limits: { enabled: true, login_per_minute: 3, register_per_minute: 100 } }, clock);
    await register(s, "fred");
    // Vary the address so that only the per-account limit applies.
    const attempt = (password: string, i: number) =>
      s.server.fetch(
        new Request(`${s.baseUrl}${LOGIN}`, { method: "POST", body: JSON.stringify(pw("fred", password)) }),
        `10.0.0.${i}`,
      );
    for (let i = 0; i < 3; i++) expect((await attempt("wrong-password", i)).status).toBe(403);
    const limited = await attempt("correct-horse-battery", 10);
    expect(limited.status).toBe(429);
    const body = (await limited.json()) as MatrixErrorBody;
    expect(body.errcode).toBe("M_LIMIT_EXCEEDED");
    expect(body.retry_after_ms).toBeGreaterThan(0);
    clock.advance(60_000);
    expect((await attempt("correct-horse-battery", 11)).status).toBe(200);
  });

  test("logins are limited per client address", async () => {
    const s = await server({ rate_limits: { enabled: true, login_per_minute: 2, register_per_minute: 100 } });
    await register(s, "gina");
    await login(s, "gina");
    await login(s, "gina");
    const r = await call<MatrixErrorBody>(s, "POST", LOGIN, { body: pw("gina") });
    expect(r.status).toBe(429);
    expect(r.body.errcode).toBe("M_LIMIT_EXCEEDED");
  });
});

describe("POST /refresh", () => {
  test("rotates tokens: the old access token stops at once, the old refresh token once the new token is used", async () => {
    const s = await server();
    await register(s, "hank");
    const l = await login(s, "hank", undefined, { refreshToken: true });
    expect(l.refreshToken).toBeString();
    expect(l.expiresInMs).toBe(3_600_000);
    const r = await call<Record<string, unknown>>(s, "POST", "/_matrix/client/v3/refresh", {
      body: { refresh_token: l.refreshToken },
    });
    expect(r.status).toBe(200);
    expect(r.body.expires_in_ms).toBe(3_600_000);
    expect((await call(s, "GET", WHOAMI, { token: l.accessToken })).status).toBe(401);
    // until the new pair is used, the old refresh token still works (a client may have lost the answer)
    const retry = await call<Record<string, unknown>>(s, "POST", "/_matrix/client/v3/refresh", {
      body: { refresh_token: l.refreshToken },
    });
    expect(retry.status).toBe(200);
    expect((await call(s, "GET", WHOAMI, { token: r.body.access_token as string })).status).toBe(401);
    const who = await call(s, "GET", WHOAMI, { token: retry.body.access_token as string });
    expect(who.body).toMatchObject({ user_id: "@hank:hs1.test", device_id: l.deviceId });
    const reuse = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/refresh", {
      body: { refresh_token: l.refreshToken },
    });
    expect(reuse.status).toBe(401);
    expect(reuse.body).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
  });

  test("an expired access token is M_UNKNOWN_TOKEN with soft_logout true; refreshing recovers", async () => {
    const clock = manualClock();
    const s = await server({}, clock);
    await register(s, "ivy");
    const l = await login(s, "ivy", undefined, { refreshToken: true });
    clock.advance(3_600_000);
    const expired = await call<MatrixErrorBody>(s, "GET", WHOAMI, { token: l.accessToken });
    expect(expired.status).toBe(401);
    expect(expired.body).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: true });
    const r = await call<Record<string, string>>(s, "POST", "/_matrix/client/v3/refresh", {
      body: { refresh_token: l.refreshToken },
    });
    expect((await call(s, "GET", WHOAMI, { token: r.body.access_token })).status).toBe(200);
  });

  test("wrong types are M_BAD_JSON; malformed JSON M_NOT_JSON", async () => {
    const s = await server();
    expect(
      (await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/refresh", { body: { refresh_token: 1 } })).body
        .errcode,
    ).toBe("M_BAD_JSON");
    expect((await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/refresh", { rawBody: "[" })).body.errcode).toBe(
      "M_NOT_JSON",
    );
  });
});

describe("logout, logout/all, whoami", () => {
  test("logout deletes the device and its token; other devices stay", async () => {
    const s = await server();
    const a = await register(s, "jack");
    const b = await login(s, "jack");
    expect((await call(s, "POST", "/_matrix/client/v3/logout", { token: b.accessToken })).status).toBe(200);
    expect((await call(s, "GET", WHOAMI, { token: b.accessToken })).status).toBe(401);
    const devices = await call<{ devices: { device_id: string }[] }>(s, "GET", "/_matrix/client/v3/devices", {
      token: a.accessToken,
    });
    expect(devices.body.devices.map((d) => d.device_id)).toEqual([a.deviceId]);
  });

  test("logout/all ends every session of the user only", async () => {
    const s = await server();
    const a = await register(s, "kate");
    const b = await login(s, "kate");
    const other = await register(s, "liam");
    expect((await call(s, "POST", "/_matrix/client/v3/logout/all", { token: a.accessToken })).status).toBe(200);
    expect((await call(s, "GET", WHOAMI, { token: a.accessToken })).status).toBe(401);
    expect((await call(s, "GET", WHOAMI, { token: b.accessToken })).status).toBe(401);
    expect((await call(s, "GET", WHOAMI, { token: other.accessToken })).status).toBe(200);
  });

  test("missing token is M_MISSING_TOKEN, unknown token M_UNKNOWN_TOKEN", async () => {
    const s = await server();
    for (const path of [WHOAMI]) {
      const missing = await call<MatrixErrorBody>(s, "GET", path);
      expect(missing.status).toBe(401);
      expect(missing.body.errcode).toBe("M_MISSING_TOKEN");
      const unknown = await call<MatrixErrorBody>(s, "GET", path, { token: "not-a-token" });
      expect(unknown.body.errcode).toBe("M_UNKNOWN_TOKEN");
    }
    for (const path of ["/_matrix/client/v3/logout", "/_matrix/client/v3/logout/all"]) {
      expect((await call<MatrixErrorBody>(s, "POST", path)).body.errcode).toBe("M_MISSING_TOKEN");
      expect((await call<MatrixErrorBody>(s, "POST", path, { token: "nope" })).body.errcode).toBe("M_UNKNOWN_TOKEN");
    }
  });

  test("a device records when and from where it was last seen", async () => {
    const s = await server();
    const a = await register(s, "mona");
    await call(s, "GET", WHOAMI, { token: a.accessToken });
    const d = await call<Record<string, unknown>>(s, "GET", `/_matrix/client/v3/devices/${a.deviceId}`, {
      token: a.accessToken,
    });
    expect(d.body.last_seen_ip).toBe("127.0.0.1");
    expect(d.body.last_seen_ts).toBeNumber();
  });
});
