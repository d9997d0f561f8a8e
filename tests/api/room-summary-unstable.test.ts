/**
 * Room summaries reach clients that decide the path from /versions (matrix-js-sdk, so Element's room
 * preview): the server flags MSC3266, and the summary is also served at MSC3266's unstable path.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createClient, type ICreateClientOpts } from "matrix-js-sdk";
import { call } from "../helpers/client";
import { createRoom, enc } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };
let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let roomId: string;

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  roomId = await createRoom(hs, alice, { preset: "public_chat", name: "Garden", room_alias_name: "garden" });
});
afterAll(() => hs.stop());

test("/versions flags room summaries, and matrix-js-sdk's getRoomSummary works for someone outside the room", async () => {
  const versions = await call<{ unstable_features: Record<string, boolean> }>(hs, "GET", "/_matrix/client/versions");
  expect(versions.body.unstable_features["org.matrix.msc3266"]).toBe(true);
  const client = createClient({
    baseUrl: hs.baseUrl,
    accessToken: bob.accessToken,
    userId: bob.userId,
    logger: quiet as ICreateClientOpts["logger"],
  });
  const summary = await client.getRoomSummary(`#garden:${hs.server.services.config.server_name}`);
  expect(summary).toMatchObject({ room_id: roomId, name: "Garden", num_joined_members: 1, join_rule: "public" });
});

test("the unstable path answers as the stable one", async () => {
  const stable = await call(hs, "GET", `/_matrix/client/v1/room_summary/${enc(roomId)}`, { token: bob.accessToken });
  const unstable = await call(hs, "GET", `/_matrix/client/unstable/im.nheko.summary/summary/${enc(roomId)}`, {
    token: bob.accessToken,
  });
  expect(stable.status).toBe(200);
  expect(unstable).toEqual(stable);
  const missing = await call<{ errcode: string }>(
    hs,
    "GET",
    "/_matrix/client/unstable/im.nheko.summary/summary/%23nope%3Ax",
    {
      token: bob.accessToken,
    },
  );
  expect(missing.status).toBe(404);
  expect(missing.body.errcode).toBe("M_NOT_FOUND");
});
