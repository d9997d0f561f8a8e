import { afterEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { manualClock } from "../../src/util/clock";
import { call, FAST_PASSWORD_HASHING, login, type MatrixErrorBody, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

let hs: TestServer;
afterEach(() => hs.stop());
async function server(config: Record<string, unknown> = {}, clock = manualClock()) {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING, ...config }, clock });
  return hs;
}
/** An admin and a normal user, both logged in. */
async function people(s: TestServer) {
  const accounts = s.server.services.accounts;
  await accounts.createUser({ localpart: "admin", password: "correct-horse-battery", admin: true });
  await accounts.createUser({ localpart: "user", password: "correct-horse-battery" });
  return { admin: await login(s, "admin"), user: await login(s, "user") };
}

describe("admin API access", () => {
  test("non-admins get 403 M_FORBIDDEN on every admin endpoint; no token is M_MISSING_TOKEN", async () => {
    const s = await server();
    const { user } = await people(s);
    const endpoints: [string, string, unknown?][] = [
      ["GET", "/_synapse/admin/v1/server_version"],
      ["GET", "/_synapse/admin/v2/users"],
      ["GET", `/_synapse/admin/v2/users/${user.userId}`],
      ["PUT", `/_synapse/admin/v2/users/@new:hs1.test`, { password: "password-1" }],
      ["POST", `/_synapse/admin/v1/reset_password/${user.userId}`, { new_password: "password-2" }],
      ["POST", `/_synapse/admin/v1/deactivate/${user.userId}`, {}],
      ["GET", "/_synapse/admin/v1/registration_tokens"],
      ["POST", "/_synapse/admin/v1/registration_tokens/new", {}],
      ["GET", "/_synapse/admin/v1/registration_tokens/abc"],
      ["PUT", "/_synapse/admin/v1/registration_tokens/abc", {}],
      ["DELETE", "/_synapse/admin/v1/registration_tokens/abc"],
    ];
    for (const [method, path, body] of endpoints) {
      const r = await call<MatrixErrorBody>(s, method, path, { token: user.accessToken, body });
      expect(r.status).toBe(403);
      expect(r.body.errcode).toBe("M_FORBIDDEN");
      expect((await call<MatrixErrorBody>(s, method, path, { body })).body.errcode).toBe("M_MISSING_TOKEN");
      expect((await call<MatrixErrorBody>(s, method, path, { token: "x", body })).body.errcode).toBe("M_UNKNOWN_TOKEN");
    }
    expect(s.server.services.accounts.getUser("@new:hs1.test")).toBeNull();
    expect(s.server.services.accounts.getUser(user.userId)?.deactivated).toBe(false);
  });

  test("server_version", async () => {
    const s = await server();
    const { admin } = await people(s);
    const r = await call<{ server_version: string }>(s, "GET", "/_synapse/admin/v1/server_version", {
      token: admin.accessToken,
    });
    expect(r.status).toBe(200);
    expect(r.body.server_version).toBe(s.server.services.build.version);
  });
});

describe("admin users", () => {
  test("list with from/limit pagination, next_token and total; filters", async () => {
    const s = await server();
    const { admin } = await people(s);
    for (const n of ["ann", "ben", "cat"]) await register(s, n);
    const page1 = await call<{ users: { name: string; admin: boolean }[]; total: number; next_token?: string }>(
      s,
      "GET",
      "/_synapse/admin/v2/users?limit=2",
      { token: admin.accessToken },
    );
    expect(page1.body.users.map((u) => u.name)).toEqual(["@admin:hs1.test", "@ann:hs1.test"]);
    expect(page1.body.users[0]!.admin).toBe(true);
    expect(page1.body.total).toBe(5);
    expect(page1.body.next_token).toBe("2");
    const page3 = await call<{ users: { name: string }[]; next_token?: string }>(
      s,
      "GET",
      "/_synapse/admin/v2/users?limit=2&from=4",
      { token: admin.accessToken },
    );
    expect(page3.body.users.map((u) => u.name)).toEqual(["@user:hs1.test"]);
    expect(page3.body.next_token).toBeUndefined();
    const named = await call<{ users: { name: string }[] }>(s, "GET", "/_synapse/admin/v2/users?name=be", {
      token: admin.accessToken,
    });
    expect(named.body.users.map((u) => u.name)).toEqual(["@ben:hs1.test"]);
    const bad = await call<MatrixErrorBody>(s, "GET", "/_synapse/admin/v2/users?limit=-1", {
      token: admin.accessToken,
    });
    expect(bad.body.errcode).toBe("M_INVALID_PARAM");
  });

  test("get one user; unknown is 404", async () => {
    const s = await server();
    const { admin, user } = await people(s);
    const r = await call<Record<string, unknown>>(s, "GET", `/_synapse/admin/v2/users/${user.userId}`, {
      token: admin.accessToken,
    });
    expect(r.body).toMatchObject({
      name: user.userId,
      admin: false,
      deactivated: false,
      is_guest: false,
      displayname: null,
    });
    expect(r.body.creation_ts).toBeNumber();
    const missing = await call<MatrixErrorBody>(s, "GET", "/_synapse/admin/v2/users/@ghost:hs1.test", {
      token: admin.accessToken,
    });
    expect(missing.status).toBe(404);
  });

  test("PUT creates (201) then modifies (200): password, displayname, admin, deactivated", async () => {
    const s = await server();
    const { admin } = await people(s);
    const created = await call<Record<string, unknown>>(s, "PUT", "/_synapse/admin/v2/users/@zoe:hs1.test", {
      token: admin.accessToken,
      body: { password: "zoes-password", displayname: "Zoe", admin: false },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "@zoe:hs1.test", displayname: "Zoe", admin: false });
    const zoe = await login(s, "zoe", "zoes-password");

    const promoted = await call<Record<string, unknown>>(s, "PUT", "/_synapse/admin/v2/users/@zoe:hs1.test", {
      token: admin.accessToken,
      body: { admin: true, displayname: "Zoe A.", avatar_url: "mxc://hs1.test/zoe" },
    });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toMatchObject({ admin: true, displayname: "Zoe A.", avatar_url: "mxc://hs1.test/zoe" });
    // the password change logs out her devices by default
    await call(s, "PUT", "/_synapse/admin/v2/users/@zoe:hs1.test", {
      token: admin.accessToken,
      body: { password: "new-zoe-password" },
    });
    expect((await call(s, "GET", "/_matrix/client/v3/account/whoami", { token: zoe.accessToken })).status).toBe(401);
    await login(s, "zoe", "new-zoe-password");

    const off = await call<Record<string, unknown>>(s, "PUT", "/_synapse/admin/v2/users/@zoe:hs1.test", {
      token: admin.accessToken,
      body: { deactivated: true },
    });
    expect(off.body).toMatchObject({ deactivated: true });
    const noPw = await call<MatrixErrorBody>(s, "PUT", "/_synapse/admin/v2/users/@zoe:hs1.test", {
      token: admin.accessToken,
      body: { deactivated: false },
    });
    expect(noPw.status).toBe(400);
    const back = await call<Record<string, unknown>>(s, "PUT", "/_synapse/admin/v2/users/@zoe:hs1.test", {
      token: admin.accessToken,
      body: { deactivated: false, password: "third-zoe-password" },
    });
    expect(back.body).toMatchObject({ deactivated: false });
    await login(s, "zoe", "third-zoe-password");
  });

  test("PUT refuses bad input without changing anything", async () => {
    const s = await server();
    const { admin, user } = await people(s);
    const cases: [string, unknown, string][] = [
      [user.userId, { admin: "yes" }, "M_BAD_JSON"],
      [user.userId, { password: "short" }, "M_WEAK_PASSWORD"],
      [user.userId, { avatar_url: "http://x/y" }, "M_BAD_JSON"],
      [user.userId, { threepids: [{ medium: "email", address: "a@b.c" }] }, "M_BAD_JSON"],
      ["@new:other.test", { password: "password-1" }, "M_BAD_JSON"],
      ["@Bad Name:hs1.test", { password: "password-1" }, "M_INVALID_USERNAME"],
      [admin.userId, { admin: false }, "M_BAD_JSON"],
    ];
    for (const [id, body, errcode] of cases) {
      const r = await call<MatrixErrorBody>(s, "PUT", `/_synapse/admin/v2/users/${encodeURIComponent(id)}`, {
        token: admin.accessToken,
        body,
      });
      expect([r.status, r.body.errcode]).toEqual([400, errcode]);
    }
    const bad = await call<MatrixErrorBody>(s, "PUT", `/_synapse/admin/v2/users/${user.userId}`, {
      token: admin.accessToken,
      rawBody: "{",
    });
    expect(bad.body.errcode).toBe("M_NOT_JSON");
    expect(s.server.services.accounts.getUser(user.userId)).toMatchObject({ isAdmin: false, avatarUrl: null });
    expect(s.server.services.accounts.getUser(admin.userId)?.isAdmin).toBe(true);
    expect(s.server.services.accounts.listUsers().total).toBe(2);
  });

  test("reset_password logs the user out by default and the new password works", async () => {
    const s = await server();
    const { admin, user } = await people(s);
    const r = await call(s, "POST", `/_synapse/admin/v1/reset_password/${user.userId}`, {
      token: admin.accessToken,
      body: { new_password: "reset-password-1" },
    });
    expect(r).toEqual({ status: 200, body: {} });
    expect((await call(s, "GET", "/_matrix/client/v3/account/whoami", { token: user.accessToken })).status).toBe(401);
    await login(s, "user", "reset-password-1");
    const missing = await call<MatrixErrorBody>(s, "POST", "/_synapse/admin/v1/reset_password/@ghost:hs1.test", {
      token: admin.accessToken,
      body: { new_password: "reset-password-1" },
    });
    expect(missing.status).toBe(404);
  });

  test("deactivate ends sessions and logins", async () => {
    const s = await server();
    const { admin, user } = await people(s);
    const r = await call(s, "POST", `/_synapse/admin/v1/deactivate/${user.userId}`, {
      token: admin.accessToken,
      body: {},
    });
    expect(r).toEqual({ status: 200, body: { id_server_unbind_result: "success" } });
    expect((await call(s, "GET", "/_matrix/client/v3/account/whoami", { token: user.accessToken })).status).toBe(401);
    const l = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/login", {
      body: { type: "m.login.password", user: "user", password: "correct-horse-battery" },
    });
    expect(l.body.errcode).toBe("M_USER_DEACTIVATED");
  });
});

describe("admin registration tokens", () => {
  test("create, list (with valid filter), get, update, delete with Synapse's field names", async () => {
    const clock = manualClock();
    const s = await server({ registration: { mode: "token" } }, clock);
    const { admin } = await people(s);
    const t = { token: admin.accessToken };
    const made = await call<Record<string, unknown>>(s, "POST", "/_synapse/admin/v1/registration_tokens/new", {
      ...t,
      body: {},
    });
    expect(made.body).toMatchObject({ uses_allowed: null, pending: 0, completed: 0, expiry_time: null });
    expect(made.body.token as string).toMatch(/^.{16}$/);
    const named = await call(s, "POST", "/_synapse/admin/v1/registration_tokens/new", {
      ...t,
      body: { token: "defg", uses_allowed: 1, expiry_time: clock.now() + 10_000 },
    });
    expect(named.body).toEqual({
      token: "defg",
      uses_allowed: 1,
      pending: 0,
      completed: 0,
      expiry_time: clock.now() + 10_000,
    });
    const short = await call<Record<string, string>>(s, "POST", "/_synapse/admin/v1/registration_tokens/new", {
      ...t,
      body: { length: 5 },
    });
    expect(short.body.token).toHaveLength(5);

    const list = await call<{ registration_tokens: unknown[] }>(s, "GET", "/_synapse/admin/v1/registration_tokens", t);
    expect(list.body.registration_tokens).toHaveLength(3);
    await register(s, "newbie", undefined, { registrationToken: "defg" });
    const used = await call(s, "GET", "/_synapse/admin/v1/registration_tokens/defg", t);
    expect(used.body).toMatchObject({ completed: 1, pending: 0 });
    const invalid = await call<{ registration_tokens: { token: string }[] }>(
      s,
      "GET",
      "/_synapse/admin/v1/registration_tokens?valid=false",
      t,
    );
    expect(invalid.body.registration_tokens.map((x) => x.token)).toEqual(["defg"]);

    const upd = await call(s, "PUT", "/_synapse/admin/v1/registration_tokens/defg", {
      ...t,
      body: { uses_allowed: 5, expiry_time: null },
    });
    expect(upd.body).toMatchObject({ token: "defg", uses_allowed: 5, expiry_time: null, completed: 1 });
    expect((await call(s, "DELETE", "/_synapse/admin/v1/registration_tokens/defg", t)).body).toEqual({});
    const gone = await call<MatrixErrorBody>(s, "GET", "/_synapse/admin/v1/registration_tokens/defg", t);
    expect(gone.status).toBe(404);
    expect(gone.body.errcode).toBe("M_NOT_FOUND");
    expect((await call(s, "DELETE", "/_synapse/admin/v1/registration_tokens/defg", t)).status).toBe(404);
    expect((await call(s, "PUT", "/_synapse/admin/v1/registration_tokens/defg", { ...t, body: {} })).status).toBe(404);
  });

  test("bad values are refused and nothing is created", async () => {
    const s = await server();
    const { admin } = await people(s);
    const t = { token: admin.accessToken };
    for (const body of [
      { uses_allowed: -1 },
      { uses_allowed: "3" },
      { token: "has space" },
      { length: 65 },
      { expiry_time: 1 },
    ]) {
      const r = await call<MatrixErrorBody>(s, "POST", "/_synapse/admin/v1/registration_tokens/new", { ...t, body });
      expect(r.status).toBe(400);
    }
    expect(s.server.services.accounts.listTokens()).toHaveLength(0);
  });
});

describe("shared-secret registration (/_synapse/admin/v1/register)", () => {
  const SECRET = "s3cret-for-tests";
  const mac = (nonce: string, user: string, password: string, admin: boolean) =>
    createHmac("sha1", SECRET)
      .update(`${nonce}\0${user}\0${password}\0${admin ? "admin" : "notadmin"}`)
      .digest("hex");

  test("nonce + HMAC registers an admin with a token; the nonce is single-use", async () => {
    const s = await server({ registration: { mode: "closed", shared_secret: SECRET } });
    const { body } = await call<{ nonce: string }>(s, "GET", "/_synapse/admin/v1/register");
    expect(body.nonce).toBeString();
    const req = {
      nonce: body.nonce,
      username: "root",
      password: "root-password",
      admin: true,
      mac: mac(body.nonce, "root", "root-password", true),
    };
    const r = await call<Record<string, string>>(s, "POST", "/_synapse/admin/v1/register", { body: req });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ user_id: "@root:hs1.test", home_server: "hs1.test" });
    expect(s.server.services.accounts.getUser("@root:hs1.test")?.isAdmin).toBe(true);
    const who = await call(s, "GET", "/_synapse/admin/v1/server_version", { token: r.body.access_token });
    expect(who.status).toBe(200);
    const replay = await call<MatrixErrorBody>(s, "POST", "/_synapse/admin/v1/register", {
      body: { ...req, username: "root2", mac: mac(body.nonce, "root2", "root-password", true) },
    });
    expect(replay.status).toBe(400);
    expect(s.server.services.accounts.getUser("@root2:hs1.test")).toBeNull();
  });

  test("a wrong MAC is 403 and burns the nonce; an expired nonce is refused", async () => {
    const clock = manualClock();
    const s = await server({ registration: { shared_secret: SECRET } }, clock);
    const n1 = (await call<{ nonce: string }>(s, "GET", "/_synapse/admin/v1/register")).body.nonce;
    const wrong = await call<MatrixErrorBody>(s, "POST", "/_synapse/admin/v1/register", {
      body: {
        nonce: n1,
        username: "eve",
        password: "eve-password",
        admin: true,
        mac: mac(n1, "eve", "eve-password", false),
      },
    });
    expect(wrong.status).toBe(403);
    const retry = await call(s, "POST", "/_synapse/admin/v1/register", {
      body: {
        nonce: n1,
        username: "eve",
        password: "eve-password",
        admin: true,
        mac: mac(n1, "eve", "eve-password", true),
      },
    });
    expect(retry.status).toBe(400);
    const n2 = (await call<{ nonce: string }>(s, "GET", "/_synapse/admin/v1/register")).body.nonce;
    clock.advance(61_000);
    const late = await call(s, "POST", "/_synapse/admin/v1/register", {
      body: {
        nonce: n2,
        username: "eve",
        password: "eve-password",
        admin: false,
        mac: mac(n2, "eve", "eve-password", false),
      },
    });
    expect(late.status).toBe(400);
    expect(s.server.services.accounts.getUser("@eve:hs1.test")).toBeNull();
  });

  test("disabled without a shared secret; malformed bodies are M_BAD_JSON / M_NOT_JSON", async () => {
    const s = await server();
    expect((await call(s, "GET", "/_synapse/admin/v1/register")).status).toBe(400);
    expect(
      (await call<MatrixErrorBody>(s, "POST", "/_synapse/admin/v1/register", { body: { nonce: 1 } })).body.errcode,
    ).toBe("M_BAD_JSON");
    expect((await call<MatrixErrorBody>(s, "POST", "/_synapse/admin/v1/register", { rawBody: "{" })).body.errcode).toBe(
      "M_NOT_JSON",
    );
  });
});
