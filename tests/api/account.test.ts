import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, login, type MatrixErrorBody, passwordAuth, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

const PASSWORD = "/_matrix/client/v3/account/password";
const DEACTIVATE = "/_matrix/client/v3/account/deactivate";
const WHOAMI = "/_matrix/client/v3/account/whoami";
let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}
interface UiaBody {
  flows: { stages: string[] }[];
  session: string;
  completed?: string[];
  errcode?: string;
}
const canLogin = async (s: TestServer, user: string, password: string) =>
  (await call(s, "POST", "/_matrix/client/v3/login", { body: passwordAuth(user, password) })).status === 200;

describe("POST /account/password", () => {
  test("every UIA step: 401 flows, wrong password 401 M_FORBIDDEN, then success logs out the other devices", async () => {
    const s = await server();
    const a = await register(s, "alice");
    const other = await login(s, "alice");
    const first = await call<UiaBody>(s, "POST", PASSWORD, {
      token: a.accessToken,
      body: { new_password: "new-password-1" },
    });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ["m.login.password"] }]);

    const wrong = await call<UiaBody>(s, "POST", PASSWORD, {
      token: a.accessToken,
      body: { new_password: "new-password-1", auth: passwordAuth("alice", "nope-nope", first.body.session) },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toMatchObject({ errcode: "M_FORBIDDEN", session: first.body.session });
    expect(wrong.body.completed).toBeUndefined();
    expect(await canLogin(s, "alice", "correct-horse-battery")).toBe(true);

    const ok = await call(s, "POST", PASSWORD, {
      token: a.accessToken,
      body: { new_password: "new-password-1", auth: passwordAuth("alice", undefined, first.body.session) },
    });
    expect(ok).toEqual({ status: 200, body: {} });
    expect(await canLogin(s, "alice", "correct-horse-battery")).toBe(false);
    expect(await canLogin(s, "alice", "new-password-1")).toBe(true);
    expect((await call(s, "GET", WHOAMI, { token: a.accessToken })).status).toBe(200);
    expect((await call(s, "GET", WHOAMI, { token: other.accessToken })).status).toBe(401);
  });

  test("logout_devices false keeps the other devices", async () => {
    const s = await server();
    const a = await register(s, "bob");
    const other = await login(s, "bob");
    const r = await call(s, "POST", PASSWORD, {
      token: a.accessToken,
      body: { new_password: "new-password-1", logout_devices: false, auth: passwordAuth("bob") },
    });
    expect(r.status).toBe(200);
    expect((await call(s, "GET", WHOAMI, { token: other.accessToken })).status).toBe(200);
  });

  test("another user's password does not authorise the request", async () => {
    const s = await server();
    const a = await register(s, "carol");
    await register(s, "dave", "daves-password");
    const r = await call<UiaBody>(s, "POST", PASSWORD, {
      token: a.accessToken,
      body: { new_password: "new-password-1", auth: passwordAuth("dave", "daves-password") },
    });
    expect(r.status).toBe(401);
    expect(r.body.errcode).toBe("M_FORBIDDEN");
    expect(await canLogin(s, "carol", "correct-horse-battery")).toBe(true);
  });

  test("a weak password, wrong types, bad JSON, missing or unknown token change nothing", async () => {
    const s = await server();
    const a = await register(s, "erin");
    const weak = await call<MatrixErrorBody>(s, "POST", PASSWORD, {
      token: a.accessToken,
      body: { new_password: "short", auth: passwordAuth("erin") },
    });
    expect(weak.body.errcode).toBe("M_WEAK_PASSWORD");
    const types = await call<MatrixErrorBody>(s, "POST", PASSWORD, { token: a.accessToken, body: { new_password: 5 } });
    expect(types.body.errcode).toBe("M_BAD_JSON");
    const bad = await call<MatrixErrorBody>(s, "POST", PASSWORD, { token: a.accessToken, rawBody: "{" });
    expect(bad.body.errcode).toBe("M_NOT_JSON");
    const none = await call<MatrixErrorBody>(s, "POST", PASSWORD, { body: { new_password: "x" } });
    expect(none.body.errcode).toBe("M_MISSING_TOKEN");
    const unknown = await call<MatrixErrorBody>(s, "POST", PASSWORD, { token: "nope", body: { new_password: "x" } });
    expect(unknown.body.errcode).toBe("M_UNKNOWN_TOKEN");
    expect(await canLogin(s, "erin", "correct-horse-battery")).toBe(true);
  });
});

describe("POST /account/deactivate", () => {
  test("behind UIA; afterwards the tokens are gone and the account cannot log in", async () => {
    const s = await server();
    const a = await register(s, "fred");
    const first = await call<UiaBody>(s, "POST", DEACTIVATE, { token: a.accessToken, body: {} });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ["m.login.password"] }]);
    const wrong = await call<UiaBody>(s, "POST", DEACTIVATE, {
      token: a.accessToken,
      body: { auth: passwordAuth("fred", "wrong-password", first.body.session) },
    });
    expect(wrong.body.errcode).toBe("M_FORBIDDEN");
    expect((await call(s, "GET", WHOAMI, { token: a.accessToken })).status).toBe(200);

    const ok = await call(s, "POST", DEACTIVATE, {
      token: a.accessToken,
      body: { auth: passwordAuth("fred", undefined, first.body.session) },
    });
    expect(ok).toEqual({ status: 200, body: { id_server_unbind_result: "success" } });
    expect((await call(s, "GET", WHOAMI, { token: a.accessToken })).status).toBe(401);
    const l = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/login", { body: passwordAuth("fred") });
    expect(l.status).toBe(403);
    expect(l.body.errcode).toBe("M_USER_DEACTIVATED");
    // the name stays taken
    const again = await call<MatrixErrorBody>(s, "GET", "/_matrix/client/v3/register/available?username=fred");
    expect(again.body.errcode).toBe("M_USER_IN_USE");
  });

  test("erase: true also removes the display name", async () => {
    const s = await server();
    const a = await register(s, "gina");
    await call(s, "PUT", `/_matrix/client/v3/profile/${a.userId}/displayname`, {
      token: a.accessToken,
      body: { displayname: "Gina" },
    });
    await call(s, "POST", DEACTIVATE, { token: a.accessToken, body: { erase: true, auth: passwordAuth("gina") } });
    expect(s.server.services.accounts.getUser(a.userId)).toMatchObject({ deactivated: true, displayname: null });
  });

  test("wrong types, missing and unknown tokens", async () => {
    const s = await server();
    const a = await register(s, "hank");
    expect(
      (await call<MatrixErrorBody>(s, "POST", DEACTIVATE, { token: a.accessToken, body: { erase: "yes" } })).body
        .errcode,
    ).toBe("M_BAD_JSON");
    expect((await call<MatrixErrorBody>(s, "POST", DEACTIVATE, { body: {} })).body.errcode).toBe("M_MISSING_TOKEN");
    expect((await call<MatrixErrorBody>(s, "POST", DEACTIVATE, { token: "x", body: {} })).body.errcode).toBe(
      "M_UNKNOWN_TOKEN",
    );
    expect(s.server.services.accounts.getUser(a.userId)?.deactivated).toBe(false);
  });
});

describe("3PIDs", () => {
  test("the list is empty; adding is refused per spec; delete and unbind have nothing to do", async () => {
    const s = await server();
    const a = await register(s, "ivy");
    expect(await call(s, "GET", "/_matrix/client/v3/account/3pid", { token: a.accessToken })).toEqual({
      status: 200,
      body: { threepids: [] },
    });
    const req = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/account/3pid/email/requestToken", {
      body: { client_secret: "abc", email: "ivy@example.org", send_attempt: 1 },
    });
    expect(req.status).toBe(403);
    expect(req.body.errcode).toBe("M_THREEPID_DENIED");
    const msisdn = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/account/3pid/msisdn/requestToken", {
      body: { client_secret: "abc", country: "GB", phone_number: "07700900000", send_attempt: 1 },
    });
    expect(msisdn.body.errcode).toBe("M_THREEPID_DENIED");
    const add = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/account/3pid/add", {
      token: a.accessToken,
      body: { client_secret: "abc", sid: "123" },
    });
    expect(add.status).toBe(400);
    expect(add.body.errcode).toBe("M_THREEPID_AUTH_FAILED");
    const del = await call(s, "POST", "/_matrix/client/v3/account/3pid/delete", {
      token: a.accessToken,
      body: { medium: "email", address: "ivy@example.org" },
    });
    expect(del.body).toEqual({ id_server_unbind_result: "success" });
    const reset = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/account/password/email/requestToken", {
      body: { client_secret: "abc", email: "ivy@example.org", send_attempt: 1 },
    });
    expect(reset.body.errcode).toBe("M_THREEPID_NOT_FOUND");
    expect((await call<MatrixErrorBody>(s, "GET", "/_matrix/client/v3/account/3pid")).body.errcode).toBe(
      "M_MISSING_TOKEN",
    );
    expect(
      (
        await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/account/3pid/delete", {
          token: a.accessToken,
          body: { medium: "fax", address: "x" },
        })
      ).body.errcode,
    ).toBe("M_BAD_JSON");
  });
});
