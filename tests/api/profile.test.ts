import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, type MatrixErrorBody, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}
const P = "/_matrix/client/v3/profile";

describe("profile", () => {
  test("set and get display name and avatar; changes are announced for the rooms service", async () => {
    const s = await server();
    const a = await register(s, "alice");
    const seen: unknown[] = [];
    s.server.services.accountEvents.on("profileChanged", (e) => seen.push(e));
    expect(await call(s, "GET", `${P}/${a.userId}`)).toEqual({ status: 200, body: {} });
    expect((await call(s, "GET", `${P}/${a.userId}/displayname`)).status).toBe(404);

    expect(
      (await call(s, "PUT", `${P}/${a.userId}/displayname`, { token: a.accessToken, body: { displayname: "Alice" } }))
        .status,
    ).toBe(200);
    expect(
      (
        await call(s, "PUT", `${P}/${a.userId}/avatar_url`, {
          token: a.accessToken,
          body: { avatar_url: "mxc://hs1.test/abc123" },
        })
      ).status,
    ).toBe(200);
    expect(await call(s, "GET", `${P}/${a.userId}`)).toEqual({
      status: 200,
      body: { displayname: "Alice", avatar_url: "mxc://hs1.test/abc123" },
    });
    expect((await call(s, "GET", `${P}/${a.userId}/displayname`)).body).toEqual({ displayname: "Alice" });
    expect((await call(s, "GET", `${P}/${a.userId}/avatar_url`)).body).toEqual({ avatar_url: "mxc://hs1.test/abc123" });
    expect(seen).toEqual([
      { userId: a.userId, displayname: "Alice", avatarUrl: null },
      { userId: a.userId, displayname: "Alice", avatarUrl: "mxc://hs1.test/abc123" },
    ]);
    // null removes
    await call(s, "PUT", `${P}/${a.userId}/displayname`, { token: a.accessToken, body: { displayname: null } });
    expect((await call(s, "GET", `${P}/${a.userId}`)).body).toEqual({ avatar_url: "mxc://hs1.test/abc123" });
  });

  test("avatar_url must be an mxc URI; wrong types and bad JSON change nothing", async () => {
    const s = await server();
    const a = await register(s, "bob");
    for (const body of [
      { avatar_url: "https://example.org/a.png" },
      { avatar_url: "mxc://bad server/x" },
      { avatar_url: 5 },
    ]) {
      const r = await call<MatrixErrorBody>(s, "PUT", `${P}/${a.userId}/avatar_url`, { token: a.accessToken, body });
      expect(r.status).toBe(400);
      expect(r.body.errcode).toBe("M_BAD_JSON");
    }
    expect(
      (
        await call<MatrixErrorBody>(s, "PUT", `${P}/${a.userId}/displayname`, {
          token: a.accessToken,
          body: { displayname: ["x"] },
        })
      ).body.errcode,
    ).toBe("M_BAD_JSON");
    expect(
      (await call<MatrixErrorBody>(s, "PUT", `${P}/${a.userId}/displayname`, { token: a.accessToken, rawBody: "x" }))
        .body.errcode,
    ).toBe("M_NOT_JSON");
    expect((await call(s, "GET", `${P}/${a.userId}`)).body).toEqual({});
  });

  test("only your own profile: 403; unknown users: 404; bad IDs: 400", async () => {
    const s = await server();
    const a = await register(s, "carol");
    const b = await register(s, "dave");
    const other = await call<MatrixErrorBody>(s, "PUT", `${P}/${b.userId}/displayname`, {
      token: a.accessToken,
      body: { displayname: "Not Dave" },
    });
    expect(other.status).toBe(403);
    expect(other.body.errcode).toBe("M_FORBIDDEN");
    expect((await call(s, "GET", `${P}/${b.userId}`)).body).toEqual({});
    const unknown = await call<MatrixErrorBody>(s, "GET", `${P}/@nobody:hs1.test`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
    expect((await call(s, "GET", `${P}/not-a-user-id`)).status).toBe(400);
  });

  test("missing and unknown tokens on PUT", async () => {
    const s = await server();
    const a = await register(s, "erin");
    for (const key of ["displayname", "avatar_url"]) {
      expect(
        (await call<MatrixErrorBody>(s, "PUT", `${P}/${a.userId}/${key}`, { body: { [key]: null } })).body.errcode,
      ).toBe("M_MISSING_TOKEN");
      expect(
        (await call<MatrixErrorBody>(s, "PUT", `${P}/${a.userId}/${key}`, { token: "x", body: { [key]: null } })).body
          .errcode,
      ).toBe("M_UNKNOWN_TOKEN");
    }
  });
});
