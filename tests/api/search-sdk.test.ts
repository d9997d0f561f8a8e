/**
 * What Element does, through matrix-js-sdk's own calls: message search with its request (recent
 * first, one event of context each side, profiles) and back-pagination over next_batch; extended
 * profile fields (it picks the stable path from /versions); TURN credentials.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ICreateClientOpts, type MatrixClient } from "matrix-js-sdk";
import { createRoom, ok, send, text } from "../helpers/room-calls";
import { quietLogger } from "../helpers/sdk-clients";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let client: MatrixClient;

beforeAll(async () => {
  hs = await startTestServer({ config: { turn: { uris: ["turn:turn.hs1.test:3478"], shared_secret: "s3cret" } } });
  alice = createUserDirect(hs, "alice");
  client = createClient({
    baseUrl: hs.baseUrl,
    accessToken: alice.accessToken,
    userId: alice.userId,
    deviceId: alice.deviceId,
    logger: quietLogger as ICreateClientOpts["logger"],
  });
});
afterAll(async () => {
  client.stopClient();
  await hs.stop();
});

describe("matrix-js-sdk", () => {
  test("searchRoomEvents finds messages newest first with context and pages back with next_batch", async () => {
    await ok(hs, alice, "PUT", `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/displayname`, {
      displayname: "Alice",
    });
    const roomId = await createRoom(hs, alice);
    for (let i = 0; i < 12; i++) {
      await send(hs, alice, roomId, text(`filler ${i}`));
      await send(hs, alice, roomId, text(`the rocket launch number ${i}`));
    }
    const results = await client.searchRoomEvents({ term: "rocket" });
    expect(results.count).toBe(12);
    expect(results.highlights).toContain("rocket");
    expect(results.results.length).toBe(10);
    const first = results.results[0]!.context;
    expect(first.getEvent().getContent().body).toBe("the rocket launch number 11");
    expect(first.getTimeline().map((e) => e.getContent().body)).toEqual(["filler 11", "the rocket launch number 11"]);
    expect(results.next_batch).toBeString();
    await client.backPaginateRoomEventsSearch(results);
    expect(results.results.map((r) => r.context.getEvent().getContent().body)).toEqual(
      Array.from({ length: 12 }, (_, i) => `the rocket launch number ${11 - i}`),
    );
    expect(results.next_batch).toBeUndefined();
  });

  test("extended profile fields round-trip", async () => {
    expect(await client.doesServerSupportExtendedProfiles()).toBe(true);
    await client.setExtendedProfileProperty("m.tz", "Europe/Berlin");
    expect(await client.getExtendedProfileProperty(alice.userId, "m.tz")).toBe("Europe/Berlin");
    expect((await client.getExtendedProfile(alice.userId))["m.tz"]).toBe("Europe/Berlin");
    await client.deleteExtendedProfileProperty("m.tz");
    // (The SDK answers later reads from its own cache; the server no longer has the field.)
    const res = await hs.request("GET", `/_matrix/client/v3/profile/${encodeURIComponent(alice.userId)}/m.tz`);
    expect(res.status).toBe(404);
  });

  test("turnServer gives coturn credentials", async () => {
    const turn = await client.turnServer();
    expect(turn.uris).toEqual(["turn:turn.hs1.test:3478"]);
    expect(turn.username).toMatch(/^\d+:@alice:hs1\.test$/);
    expect(turn.ttl).toBe(86_400);
  });
});
