/**
 * The empty state key written as a trailing slash (`/state/m.room.name/`), as matrix-js-sdk (so
 * Element) sends it for room names, topics, avatars and power levels: PUT and GET work as without it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let roomId: string;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  const res = await hs.request("POST", "/_matrix/client/v3/createRoom", { token: alice.accessToken, body: {} });
  roomId = ((await res.json()) as { room_id: string }).room_id;
});
afterAll(() => hs.stop());

const statePath = (type: string) => `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/state/${type}/`;

test("PUT /state/{type}/ sets the state event with the empty key", async () => {
  const put = await hs.request("PUT", statePath("m.room.name"), { token: alice.accessToken, body: { name: "Slash" } });
  expect(put.status).toBe(200);
  expect(((await put.json()) as { event_id: string }).event_id).toStartWith("$");
  const get = await hs.request("GET", statePath("m.room.name").slice(0, -1), { token: alice.accessToken });
  expect(await get.json()).toEqual({ name: "Slash" });
});

test("GET /state/{type}/ reads the state event with the empty key", async () => {
  await hs.request("PUT", statePath("m.room.topic").slice(0, -1), { token: alice.accessToken, body: { topic: "T" } });
  const get = await hs.request("GET", statePath("m.room.topic"), { token: alice.accessToken });
  expect(get.status).toBe(200);
  expect(await get.json()).toEqual({ topic: "T" });
  const missing = await hs.request("GET", statePath("m.room.avatar"), { token: alice.accessToken });
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as { errcode: string }).errcode).toBe("M_NOT_FOUND");
});
