/** Room aliases, canonical alias checks, directory visibility and /publicRooms. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createClient, type ICreateClientOpts, type MatrixClient, type MatrixError } from "matrix-js-sdk";
import { call } from "../helpers/client";
import { createRoom, enc, getState, join, putState, roomTableCounts, sendMessage } from "../helpers/room-api";
import { startTestServer, type TestServer } from "../helpers/test-server";
import { createUserDirect, type TestUser } from "../helpers/users";

let hs: TestServer;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
let admin: TestUser;

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, getChild: () => quiet };
function sdk(u: TestUser): MatrixClient {
  return createClient({
    baseUrl: hs.baseUrl,
    accessToken: u.accessToken,
    userId: u.userId,
    deviceId: u.deviceId,
    logger: quiet as ICreateClientOpts["logger"],
  });
}
async function sdkError(p: Promise<unknown>): Promise<{ status: number; errcode: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as MatrixError;
    return { status: err.httpStatus ?? 0, errcode: err.errcode ?? "" };
  }
  throw new Error("expected the request to fail");
}

beforeAll(async () => {
  hs = await startTestServer();
  alice = createUserDirect(hs, "alice");
  bob = createUserDirect(hs, "bob");
  carol = createUserDirect(hs, "carol");
  admin = createUserDirect(hs, "admin", { admin: true });
});
afterAll(() => hs.stop());

const aliasPath = (alias: string) => `/_matrix/client/v3/directory/room/${enc(alias)}`;

describe("room aliases", () => {
  test("create, resolve, join by alias and delete with matrix-js-sdk", async () => {
    const roomId = await createRoom(hs, alice, { preset: "public_chat" });
    const a = sdk(alice);
    await a.createAlias("#lobby:hs1.test", roomId);
    const resolved = await sdk(bob).getRoomIdForAlias("#lobby:hs1.test");
    expect(resolved.room_id).toBe(roomId);
    expect(resolved.servers).toEqual(["hs1.test"]);
    const joined = await sdk(bob).joinRoom("#lobby:hs1.test");
    expect(joined.roomId).toBe(roomId);
    expect((await sdk(bob).getLocalAliases(roomId)).aliases).toEqual(["#lobby:hs1.test"]);
    await a.deleteAlias("#lobby:hs1.test");
    expect(await sdkError(sdk(bob).getRoomIdForAlias("#lobby:hs1.test"))).toEqual({
      status: 404,
      errcode: "M_NOT_FOUND",
    });
  });

  test("resolving needs no access token; unknown and remote aliases are 404", async () => {
    const roomId = await createRoom(hs, alice, { room_alias_name: "open" });
    const r = await call(hs, "GET", aliasPath("#open:hs1.test"));
    expect(r).toEqual({ status: 200, body: { room_id: roomId, servers: ["hs1.test"] } });
    expect((await call(hs, "GET", aliasPath("#nothing:hs1.test"))).status).toBe(404);
    const remote = await call(hs, "GET", aliasPath("#room:elsewhere.test"));
    expect(remote.status).toBe(404);
    expect(remote.body.errcode).toBe("M_NOT_FOUND");
    const bad = await call(hs, "GET", aliasPath("not-an-alias"));
    expect(bad.status).toBe(400);
    expect(bad.body.errcode).toBe("M_INVALID_PARAM");
  });

  test("refusals change nothing: duplicate (409), non-member (403), remote server, bad room ID", async () => {
    const roomId = await createRoom(hs, alice, { preset: "private_chat" });
    expect(
      (await call(hs, "PUT", aliasPath("#taken:hs1.test"), { token: alice.accessToken, body: { room_id: roomId } }))
        .status,
    ).toBe(200);
    const before = roomTableCounts(hs);
    const dup = await call(hs, "PUT", aliasPath("#taken:hs1.test"), {
      token: alice.accessToken,
      body: { room_id: roomId },
    });
    expect(dup.status).toBe(409);
    expect(dup.body.errcode).toBe("M_UNKNOWN");
    const outsider = await call(hs, "PUT", aliasPath("#mine:hs1.test"), {
      token: carol.accessToken,
      body: { room_id: roomId },
    });
    expect(outsider.status).toBe(403);
    expect(outsider.body.errcode).toBe("M_FORBIDDEN");
    const remote = await call(hs, "PUT", aliasPath("#x:elsewhere.test"), {
      token: alice.accessToken,
      body: { room_id: roomId },
    });
    expect(remote.status).toBe(400);
    expect(remote.body.errcode).toBe("M_INVALID_PARAM");
    const badBody = await call(hs, "PUT", aliasPath("#y:hs1.test"), {
      token: alice.accessToken,
      body: { room_id: "nope" },
    });
    expect(badBody.status).toBe(400);
    expect(badBody.body.errcode).toBe("M_BAD_JSON");
    const unknownRoom = await call(hs, "PUT", aliasPath("#z:hs1.test"), {
      token: alice.accessToken,
      body: { room_id: "!unknown:hs1.test" },
    });
    expect(unknownRoom.status).toBe(404);
    const noToken = await call(hs, "PUT", aliasPath("#w:hs1.test"), { body: { room_id: roomId } });
    expect(noToken.status).toBe(401);
    expect(roomTableCounts(hs)).toEqual(before);
    expect((await call(hs, "GET", aliasPath("#mine:hs1.test"))).status).toBe(404);
  });

  test("only the creator, a user with power over the canonical alias, or an admin may delete", async () => {
    const roomId = await createRoom(hs, alice, { preset: "public_chat" });
    expect(await join(hs, bob, roomId)).toBe(200);
    expect(await join(hs, carol, roomId)).toBe(200);
    // Bob (power 0) makes an alias; Carol (power 0, not the creator) may not delete it.
    expect(
      (await call(hs, "PUT", aliasPath("#bobs:hs1.test"), { token: bob.accessToken, body: { room_id: roomId } }))
        .status,
    ).toBe(200);
    const refused = await call(hs, "DELETE", aliasPath("#bobs:hs1.test"), { token: carol.accessToken });
    expect(refused.status).toBe(403);
    expect((await call(hs, "GET", aliasPath("#bobs:hs1.test"))).status).toBe(200);
    // Alice (room admin) may.
    expect((await call(hs, "DELETE", aliasPath("#bobs:hs1.test"), { token: alice.accessToken })).status).toBe(200);
    // The creator may delete their own; a server admin anyone's.
    await call(hs, "PUT", aliasPath("#carols:hs1.test"), { token: carol.accessToken, body: { room_id: roomId } });
    expect((await call(hs, "DELETE", aliasPath("#carols:hs1.test"), { token: carol.accessToken })).status).toBe(200);
    await call(hs, "PUT", aliasPath("#again:hs1.test"), { token: bob.accessToken, body: { room_id: roomId } });
    expect((await call(hs, "DELETE", aliasPath("#again:hs1.test"), { token: admin.accessToken })).status).toBe(200);
    const gone = await call(hs, "DELETE", aliasPath("#again:hs1.test"), { token: admin.accessToken });
    expect(gone.status).toBe(404);
  });

  test("local aliases: members and world-readable rooms only", async () => {
    const roomId = await createRoom(hs, alice, { preset: "private_chat", room_alias_name: "secret" });
    const path = `/_matrix/client/v3/rooms/${enc(roomId)}/aliases`;
    expect((await call(hs, "GET", path, { token: alice.accessToken })).body).toEqual({ aliases: ["#secret:hs1.test"] });
    const outsider = await call(hs, "GET", path, { token: carol.accessToken });
    expect(outsider.status).toBe(403);
    expect(outsider.body.errcode).toBe("M_FORBIDDEN");
    expect((await call(hs, "GET", path, { token: admin.accessToken })).status).toBe(200);
    await putState(hs, alice, roomId, "m.room.history_visibility", "", { history_visibility: "world_readable" });
    expect((await call(hs, "GET", path, { token: carol.accessToken })).body).toEqual({ aliases: ["#secret:hs1.test"] });
  });
});

describe("canonical alias checks", () => {
  test("aliases must point to the room; only new ones are checked", async () => {
    const roomId = await createRoom(hs, alice, { preset: "public_chat" });
    const other = await createRoom(hs, alice, { preset: "public_chat", room_alias_name: "elsewhere" });
    await call(hs, "PUT", aliasPath("#main:hs1.test"), { token: alice.accessToken, body: { room_id: roomId } });
    await call(hs, "PUT", aliasPath("#alt:hs1.test"), { token: alice.accessToken, body: { room_id: roomId } });

    const ok = await putState(hs, alice, roomId, "m.room.canonical_alias", "", {
      alias: "#main:hs1.test",
      alt_aliases: ["#alt:hs1.test"],
    });
    expect(ok.status).toBe(200);

    const before = roomTableCounts(hs);
    for (const [content, errcode] of [
      [{ alias: "#missing:hs1.test" }, "M_BAD_ALIAS"],
      [{ alias: "#elsewhere:hs1.test" }, "M_BAD_ALIAS"],
      [{ alias: "#main:hs1.test", alt_aliases: ["#elsewhere:hs1.test"] }, "M_BAD_ALIAS"],
      [{ alias: "#remote:other.test" }, "M_BAD_ALIAS"],
      [{ alias: "not an alias" }, "M_INVALID_PARAM"],
      [{ alias: 5 }, "M_INVALID_PARAM"],
      [{ alt_aliases: "#main:hs1.test" }, "M_INVALID_PARAM"],
      [{ alt_aliases: ["#main:hs1.test", 3] }, "M_INVALID_PARAM"],
    ] as const) {
      const r = await putState(hs, alice, roomId, "m.room.canonical_alias", "", content as Record<string, unknown>);
      expect([r.status, r.body.errcode, JSON.stringify(content)]).toEqual([400, errcode, JSON.stringify(content)]);
    }
    expect(roomTableCounts(hs)).toEqual(before);
    expect((await getState(hs, alice, roomId, "m.room.canonical_alias")).body).toEqual({
      alias: "#main:hs1.test",
      alt_aliases: ["#alt:hs1.test"],
    });
    expect(other).toMatch(/^!/);
  });

  test("deleting an alias removes it from the canonical alias event", async () => {
    const roomId = await createRoom(hs, alice, { preset: "public_chat", room_alias_name: "canon" });
    await call(hs, "PUT", aliasPath("#canon-alt:hs1.test"), { token: alice.accessToken, body: { room_id: roomId } });
    await putState(hs, alice, roomId, "m.room.canonical_alias", "", {
      alias: "#canon:hs1.test",
      alt_aliases: ["#canon-alt:hs1.test"],
    });
    expect((await call(hs, "DELETE", aliasPath("#canon-alt:hs1.test"), { token: alice.accessToken })).status).toBe(200);
    expect((await getState(hs, alice, roomId, "m.room.canonical_alias")).body).toEqual({
      alias: "#canon:hs1.test",
      alt_aliases: [],
    });
    expect((await call(hs, "DELETE", aliasPath("#canon:hs1.test"), { token: alice.accessToken })).status).toBe(200);
    expect((await getState(hs, alice, roomId, "m.room.canonical_alias")).body).toEqual({ alt_aliases: [] });
  });
});

describe("the published room directory", () => {
  let listed: string;
  let space: string;

  test("visibility: private by default; members need the canonical alias power level to change it", async () => {
    listed = await createRoom(hs, alice, { preset: "public_chat", name: "Gardening", topic: "Tomatoes and more" });
    const path = `/_matrix/client/v3/directory/list/room/${enc(listed)}`;
    expect((await call(hs, "GET", path)).body).toEqual({ visibility: "private" });
    await join(hs, bob, listed);
    const before = roomTableCounts(hs);
    const bobTries = await call(hs, "PUT", path, { token: bob.accessToken, body: { visibility: "public" } });
    expect(bobTries.status).toBe(403);
    const carolTries = await call(hs, "PUT", path, { token: carol.accessToken, body: { visibility: "public" } });
    expect(carolTries.status).toBe(403);
    const bad = await call(hs, "PUT", path, { token: alice.accessToken, body: { visibility: "everyone" } });
    expect(bad.status).toBe(400);
    expect(roomTableCounts(hs)).toEqual(before);
    expect((await call(hs, "PUT", path, { token: alice.accessToken, body: {} })).status).toBe(200);
    expect((await call(hs, "GET", path)).body).toEqual({ visibility: "public" });
    const unknown = await call(hs, "GET", "/_matrix/client/v3/directory/list/room/!nope:hs1.test");
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
  });

  test("publicRooms lists published rooms with the spec's fields, without a token", async () => {
    await call(hs, "PUT", aliasPath("#garden:hs1.test"), { token: alice.accessToken, body: { room_id: listed } });
    await putState(hs, alice, listed, "m.room.canonical_alias", "", { alias: "#garden:hs1.test" });
    await putState(hs, alice, listed, "m.room.avatar", "", { url: "mxc://hs1.test/leaf" });
    space = await createRoom(hs, carol, {
      visibility: "public",
      preset: "public_chat",
      name: "Hobbies",
      creation_content: { type: "m.space" },
    });
    const r = await call<{ chunk: Record<string, unknown>[]; total_room_count_estimate: number }>(
      hs,
      "GET",
      "/_matrix/client/v3/publicRooms",
    );
    expect(r.status).toBe(200);
    expect(r.body.total_room_count_estimate).toBe(2);
    expect(r.body.chunk).toEqual([
      {
        room_id: listed,
        name: "Gardening",
        topic: "Tomatoes and more",
        canonical_alias: "#garden:hs1.test",
        avatar_url: "mxc://hs1.test/leaf",
        num_joined_members: 2,
        world_readable: false,
        guest_can_join: false,
        join_rule: "public",
      },
      {
        room_id: space,
        name: "Hobbies",
        num_joined_members: 1,
        world_readable: false,
        guest_can_join: false,
        join_rule: "public",
        room_type: "m.space",
      },
    ]);
  });

  test("filter by search term (name, topic, alias) and by room type", async () => {
    const search = async (filter: Record<string, unknown>) =>
      (
        await call<{ chunk: { room_id: string }[] }>(hs, "POST", "/_matrix/client/v3/publicRooms", {
          token: bob.accessToken,
          body: { filter },
        })
      ).body.chunk.map((c) => c.room_id);
    expect(await search({ generic_search_term: "TOMATO" })).toEqual([listed]);
    expect(await search({ generic_search_term: "garden:" })).toEqual([listed]);
    expect(await search({ generic_search_term: "hobb" })).toEqual([space]);
    expect(await search({ generic_search_term: "nothing like this" })).toEqual([]);
    expect(await search({ room_types: ["m.space"] })).toEqual([space]);
    expect(await search({ room_types: [null] })).toEqual([listed]);
    expect(await search({ room_types: [null, "m.space"] })).toEqual([listed, space]);
    const viaSdk = await sdk(bob).publicRooms({ filter: { generic_search_term: "tomato" }, limit: 5 });
    expect(viaSdk.chunk.map((c) => c.room_id)).toEqual([listed]);
    expect(viaSdk.total_room_count_estimate).toBe(1);
  });

  test("pagination: limit, next_batch and prev_batch walk every room once", async () => {
    const extra: string[] = [];
    for (let i = 0; i < 3; i++) extra.push(await createRoom(hs, bob, { visibility: "public", name: `Extra ${i}` }));
    const seen: string[] = [];
    let since: string | undefined;
    let pages = 0;
    do {
      const r = await call<{ chunk: { room_id: string }[]; next_batch?: string; prev_batch?: string }>(
        hs,
        "GET",
        `/_matrix/client/v3/publicRooms?limit=2${since ? `&since=${enc(since)}` : ""}`,
      );
      expect(r.status).toBe(200);
      expect(r.body.chunk.length).toBeLessThanOrEqual(2);
      if (pages > 0) expect(r.body.prev_batch).toBeString();
      else expect(r.body.prev_batch).toBeUndefined();
      seen.push(...r.body.chunk.map((c) => c.room_id));
      since = r.body.next_batch;
      pages++;
    } while (since);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(5);
    expect(seen).toEqual(expect.arrayContaining([listed, space, ...extra]));
  });

  test("bad input: unknown token, bad limit, another server, third-party networks", async () => {
    const badSince = await call(hs, "GET", "/_matrix/client/v3/publicRooms?since=garbage");
    expect([badSince.status, badSince.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const badLimit = await call(hs, "GET", "/_matrix/client/v3/publicRooms?limit=-3");
    expect([badLimit.status, badLimit.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const remote = await call(hs, "GET", "/_matrix/client/v3/publicRooms?server=other.test");
    expect(remote.status).toBe(502);
    const own = await call(hs, "GET", "/_matrix/client/v3/publicRooms?server=hs1.test");
    expect(own.status).toBe(200);
    const network = await call(hs, "POST", "/_matrix/client/v3/publicRooms", {
      token: bob.accessToken,
      body: { third_party_instance_id: "irc" },
    });
    expect(network.body).toEqual({ chunk: [], total_room_count_estimate: 0 });
    const both = await call(hs, "POST", "/_matrix/client/v3/publicRooms", {
      token: bob.accessToken,
      body: { include_all_networks: true, third_party_instance_id: "irc" },
    });
    expect([both.status, both.body.errcode]).toEqual([400, "M_INVALID_PARAM"]);
    const all = await call<{ chunk: unknown[] }>(hs, "POST", "/_matrix/client/v3/publicRooms", {
      token: bob.accessToken,
      body: { include_all_networks: true },
    });
    expect(all.body.chunk.length).toBe(5);
    const wrongType = await call(hs, "POST", "/_matrix/client/v3/publicRooms", {
      token: bob.accessToken,
      body: { filter: { generic_search_term: 5 } },
    });
    expect([wrongType.status, wrongType.body.errcode]).toEqual([400, "M_BAD_JSON"]);
    const noToken = await call(hs, "POST", "/_matrix/client/v3/publicRooms", { body: {} });
    expect(noToken.status).toBe(401);
  });

  test("the directory follows state: a renamed room is found by its new name", async () => {
    await putState(hs, alice, listed, "m.room.name", "", { name: "Allotment" });
    await sendMessage(hs, alice, listed, "hello");
    const r = await call<{ chunk: { room_id: string; name?: string }[] }>(
      hs,
      "POST",
      "/_matrix/client/v3/publicRooms",
      {
        token: bob.accessToken,
        body: { filter: { generic_search_term: "allot" } },
      },
    );
    expect(r.body.chunk.map((c) => [c.room_id, c.name])).toEqual([[listed, "Allotment"]]);
  });
});
