/**
 * Extended profile fields (spec v1.16): GET/PUT/DELETE /profile/{userId}/{keyName} for m.tz and custom
 * keys, displayname/avatar_url through the same routes, the spec's limits and errors, GET
 * /profile/{userId} listing everything, the m.profile_fields capability, and deactivation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call, enc, ok, tableCounts } from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  hs = await startTestServer({ config: { registration: { guest_access: true } } });
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
});
afterAll(() => hs.stop());

const field = (userId: string, key: string) => `/_matrix/client/v3/profile/${enc(userId)}/${enc(key)}`;

describe("profile fields", () => {
  test("a custom field is set, read, listed in the whole profile and deleted", async () => {
    await ok(hs, alice, "PUT", field(alice.userId, "displayname"), { displayname: "Alice" });
    await ok(hs, alice, "PUT", field(alice.userId, "org.example.pronouns"), { "org.example.pronouns": "she/her" });
    // Anyone may read it, without a token.
    expect(await call(hs, null, "GET", field(alice.userId, "org.example.pronouns"))).toEqual({
      status: 200,
      body: { "org.example.pronouns": "she/her" },
    });
    expect((await call(hs, bob, "GET", `/_matrix/client/v3/profile/${enc(alice.userId)}`)).body).toEqual({
      displayname: "Alice",
      "org.example.pronouns": "she/her",
    });
    await ok(hs, alice, "PUT", field(alice.userId, "org.example.pronouns"), { "org.example.pronouns": "they/them" });
    expect((await call(hs, bob, "GET", field(alice.userId, "org.example.pronouns"))).body).toEqual({
      "org.example.pronouns": "they/them",
    });
    await ok(hs, alice, "DELETE", field(alice.userId, "org.example.pronouns"));
    expect(await call(hs, bob, "GET", field(alice.userId, "org.example.pronouns"))).toMatchObject({
      status: 404,
      body: { errcode: "M_NOT_FOUND" },
    });
    // Deleting what is not there is fine.
    expect((await call(hs, alice, "DELETE", field(alice.userId, "org.example.pronouns"))).status).toBe(200);
    expect((await call(hs, bob, "GET", `/_matrix/client/v3/profile/${enc(alice.userId)}`)).body).toEqual({
      displayname: "Alice",
    });
  });

  test("custom values may be any JSON, null included; m.tz must be a string", async () => {
    const u = createUserDirect(hs, "json");
    const value = { a: [1, "two", { three: true }], b: null };
    await ok(hs, u, "PUT", field(u.userId, "org.example.things"), { "org.example.things": value });
    await ok(hs, u, "PUT", field(u.userId, "org.example.nothing"), { "org.example.nothing": null });
    await ok(hs, u, "PUT", field(u.userId, "m.tz"), { "m.tz": "Europe/London" });
    expect((await call(hs, u, "GET", `/_matrix/client/v3/profile/${enc(u.userId)}`)).body).toEqual({
      "org.example.things": value,
      "org.example.nothing": null,
      "m.tz": "Europe/London",
    });
    expect((await call(hs, u, "GET", field(u.userId, "org.example.nothing"))).body).toEqual({
      "org.example.nothing": null,
    });
    expect(await call(hs, u, "PUT", field(u.userId, "m.tz"), { "m.tz": 1 })).toMatchObject({
      status: 400,
      body: { errcode: "M_BAD_JSON" },
    });
  });

  test("displayname and avatar_url go through the profile service, DELETE included", async () => {
    const u = createUserDirect(hs, "carol");
    await ok(hs, u, "PUT", field(u.userId, "avatar_url"), { avatar_url: "mxc://hs1.test/abc" });
    expect((await call(hs, u, "GET", field(u.userId, "avatar_url"))).body).toEqual({
      avatar_url: "mxc://hs1.test/abc",
    });
    expect(await call(hs, u, "PUT", field(u.userId, "avatar_url"), { avatar_url: "https://x" })).toMatchObject({
      status: 400,
    });
    await ok(hs, u, "DELETE", field(u.userId, "avatar_url"));
    expect((await call(hs, u, "GET", field(u.userId, "avatar_url"))).status).toBe(404);
    await ok(hs, u, "PUT", field(u.userId, "displayname"), { displayname: "Carol" });
    await ok(hs, u, "DELETE", field(u.userId, "displayname"));
    expect((await call(hs, u, "GET", `/_matrix/client/v3/profile/${enc(u.userId)}`)).body).toEqual({});
  });

  test("the spec's errors, and nothing changes", async () => {
    const u = createUserDirect(hs, "limits");
    await ok(hs, u, "PUT", field(u.userId, "org.example.big"), { "org.example.big": "x".repeat(40_000) });
    const before = tableCounts(hs);
    const key255 = `a.${"b".repeat(253)}`;
    const key256 = `a.${"b".repeat(254)}`;
    const cases: [string, string, unknown, number, string][] = [
      ["PUT", field(u.userId, "nodots"), { nodots: 1 }, 400, "M_INVALID_PARAM"],
      ["PUT", field(u.userId, "Org.Example"), { "Org.Example": 1 }, 400, "M_INVALID_PARAM"],
      ["PUT", field(u.userId, key256), { [key256]: 1 }, 400, "M_KEY_TOO_LARGE"],
      ["PUT", field(u.userId, "org.example.a"), { "org.example.b": 1 }, 400, "M_MISSING_PARAM"],
      [
        "PUT",
        field(u.userId, "org.example.more"),
        { "org.example.more": "y".repeat(30_000) },
        400,
        "M_PROFILE_TOO_LARGE",
      ],
      [
        "PUT",
        field(u.userId, "org.example.big"),
        { "org.example.big": "z".repeat(66_000) },
        400,
        "M_PROFILE_TOO_LARGE",
      ],
      ["PUT", field(alice.userId, "org.example.a"), { "org.example.a": 1 }, 403, "M_FORBIDDEN"],
      ["DELETE", field(alice.userId, "displayname"), undefined, 403, "M_FORBIDDEN"],
      ["DELETE", field(u.userId, "bad key"), undefined, 400, "M_INVALID_PARAM"],
      ["GET", field(u.userId, "nodots"), undefined, 400, "M_INVALID_PARAM"],
      ["GET", field("@nobody:hs1.test", "m.tz"), undefined, 404, "M_NOT_FOUND"],
      ["GET", field("@someone:elsewhere.test", "m.tz"), undefined, 404, "M_NOT_FOUND"],
      ["GET", field(u.userId, "m.tz"), undefined, 404, "M_NOT_FOUND"],
    ];
    for (const [method, path, body, status, errcode] of cases) {
      const r = await call(hs, u, method, path, body);
      expect({ method, path: path.slice(0, 80), status: r.status, errcode: r.body.errcode }).toEqual({
        method,
        path: path.slice(0, 80),
        status,
        errcode,
      });
    }
    expect(tableCounts(hs)).toEqual(before);
    expect((await call(hs, u, "GET", field(u.userId, "org.example.big"))).body).toEqual({
      "org.example.big": "x".repeat(40_000),
    });
    // A key of exactly 255 bytes is fine.
    await ok(hs, u, "PUT", field(u.userId, key255), { [key255]: 1 });
  });

  test("guests may change their display name only", async () => {
    const res = await hs.request("POST", "/_matrix/client/v3/register?kind=guest", { body: {} });
    const g = (await res.json()) as { user_id: string; access_token: string };
    const guest = { userId: g.user_id, deviceId: "", accessToken: g.access_token };
    expect(await call(hs, guest, "PUT", field(guest.userId, "m.tz"), { "m.tz": "Europe/Paris" })).toMatchObject({
      status: 403,
      body: { errcode: "M_GUEST_ACCESS_FORBIDDEN" },
    });
    await ok(hs, guest, "PUT", field(guest.userId, "displayname"), { displayname: "Visitor" });
    expect((await call(hs, bob, "GET", field(guest.userId, "displayname"))).body).toEqual({ displayname: "Visitor" });
  });

  test("clients learn they may change profile fields", async () => {
    const caps = await ok<{ capabilities: Record<string, unknown> }>(hs, bob, "GET", "/_matrix/client/v3/capabilities");
    expect(caps.capabilities["m.profile_fields"]).toEqual({ enabled: true });
    const versions = await call<{ unstable_features: Record<string, boolean> }>(
      hs,
      null,
      "GET",
      "/_matrix/client/versions",
    );
    expect(versions.body.unstable_features["uk.tcpip.msc4133.stable"]).toBe(true);
  });

  test("a deactivated user's fields are gone", async () => {
    const admin = createUserDirect(hs, "admin", { admin: true });
    const u = createUserDirect(hs, "leaving");
    await ok(hs, u, "PUT", field(u.userId, "m.tz"), { "m.tz": "Europe/Oslo" });
    await ok(hs, admin, "POST", `/_synapse/admin/v1/deactivate/${enc(u.userId)}`, {});
    expect((await call(hs, bob, "GET", field(u.userId, "m.tz"))).status).toBe(404);
    const left = hs.server.db.sqlite.query("SELECT count(*) AS n FROM profile_fields WHERE user_id = ?").get(u.userId);
    expect(left).toEqual({ n: 0 });
  });
});
