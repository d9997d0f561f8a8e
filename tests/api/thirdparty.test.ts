/**
 * Third-party lookups with no bridges: no protocols, 404 M_NOT_FOUND for any protocol, empty reverse
 * lookups for an alias or user this server knows and 404 for one it does not.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { call, createRoom, enc, ok } from "../helpers/room-calls";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
});
afterAll(() => hs.stop());

const T = "/_matrix/client/v3/thirdparty";

describe("third-party lookups without bridges", () => {
  test("no protocols are offered, and asking about one is 404", async () => {
    expect(await call(hs, alice, "GET", `${T}/protocols`)).toEqual({ status: 200, body: {} });
    for (const path of [`${T}/protocol/irc`, `${T}/location/irc?network=libera`, `${T}/user/irc?nickname=a`]) {
      expect(await call(hs, alice, "GET", path)).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
    }
  });

  test("reverse lookups: an empty list for what this server knows, 404 otherwise", async () => {
    const roomId = await createRoom(hs, alice);
    await ok(hs, alice, "PUT", `/_matrix/client/v3/directory/room/${enc("#bridged:hs1.test")}`, { room_id: roomId });
    expect(await call<unknown>(hs, alice, "GET", `${T}/location?alias=${enc("#bridged:hs1.test")}`)).toEqual({
      status: 200,
      body: [],
    });
    expect(await call<unknown>(hs, alice, "GET", `${T}/user?userid=${enc(alice.userId)}`)).toEqual({
      status: 200,
      body: [],
    });
    for (const path of [
      `${T}/location?alias=${enc("#nowhere:hs1.test")}`,
      `${T}/user?userid=${enc("@nobody:hs1.test")}`,
      `${T}/location?alias=${enc("#remote:elsewhere.test")}`,
    ]) {
      expect(await call(hs, alice, "GET", path)).toMatchObject({ status: 404, body: { errcode: "M_NOT_FOUND" } });
    }
  });

  test("malformed lookups are 400 M_INVALID_PARAM; no token is 401", async () => {
    for (const path of [`${T}/location`, `${T}/location?alias=nohash`, `${T}/user`, `${T}/user?userid=alice`]) {
      expect(await call(hs, alice, "GET", path)).toMatchObject({ status: 400, body: { errcode: "M_INVALID_PARAM" } });
    }
    expect((await call(hs, null, "GET", `${T}/protocols`)).status).toBe(401);
  });
});
