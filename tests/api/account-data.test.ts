import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, type MatrixErrorBody, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}
const ROOM = "!room:hs1.test";
const global = (u: string, t: string) => `/_matrix/client/v3/user/${encodeURIComponent(u)}/account_data/${t}`;
const perRoom = (u: string, r: string, t: string) =>
  `/_matrix/client/v3/user/${encodeURIComponent(u)}/rooms/${encodeURIComponent(r)}/account_data/${t}`;

describe("account data", () => {
  test("global and per-room data are stored separately and read back; overwriting replaces", async () => {
    const s = await server();
    const a = await register(s, "alice");
    expect(
      (await call(s, "PUT", global(a.userId, "org.example.cfg"), { token: a.accessToken, body: { theme: "dark" } }))
        .status,
    ).toBe(200);
    expect(
      (
        await call(s, "PUT", perRoom(a.userId, ROOM, "org.example.cfg"), {
          token: a.accessToken,
          body: { pinned: true },
        })
      ).status,
    ).toBe(200);
    expect((await call(s, "GET", global(a.userId, "org.example.cfg"), { token: a.accessToken })).body).toEqual({
      theme: "dark",
    });
    expect((await call(s, "GET", perRoom(a.userId, ROOM, "org.example.cfg"), { token: a.accessToken })).body).toEqual({
      pinned: true,
    });
    await call(s, "PUT", global(a.userId, "org.example.cfg"), { token: a.accessToken, body: { theme: "light" } });
    expect((await call(s, "GET", global(a.userId, "org.example.cfg"), { token: a.accessToken })).body).toEqual({
      theme: "light",
    });
    const missing = await call<MatrixErrorBody>(s, "GET", global(a.userId, "org.example.none"), {
      token: a.accessToken,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.errcode).toBe("M_NOT_FOUND");
  });

  test("every write gets a higher stream position; changesSince returns what changed after a position", async () => {
    const s = await server();
    const a = await register(s, "bob");
    const ad = s.server.services.accountData;
    const start = ad.currentPosition();
    await call(s, "PUT", global(a.userId, "a.one"), { token: a.accessToken, body: { n: 1 } });
    const mid = ad.currentPosition();
    await call(s, "PUT", perRoom(a.userId, ROOM, "a.two"), { token: a.accessToken, body: { n: 2 } });
    await call(s, "PUT", global(a.userId, "a.one"), { token: a.accessToken, body: { n: 3 } });
    expect(mid).toBeGreaterThan(start);
    const changes = ad.changesSince(a.userId, mid);
    expect(changes.map((c) => [c.roomId, c.type, JSON.parse(c.contentJson)])).toEqual([
      [ROOM, "a.two", { n: 2 }],
      [null, "a.one", { n: 3 }],
    ]);
    expect(changes[1]!.streamPos).toBe(ad.currentPosition());
  });

  test("another user's data: 403 for reading and writing", async () => {
    const s = await server();
    const a = await register(s, "carol");
    const b = await register(s, "dave");
    await call(s, "PUT", global(b.userId, "x.y"), { token: b.accessToken, body: { secret: 1 } });
    for (const [method, body] of [
      ["GET", undefined],
      ["PUT", { x: 1 }],
    ] as const) {
      const r = await call<MatrixErrorBody>(s, method, global(b.userId, "x.y"), { token: a.accessToken, body });
      expect(r.status).toBe(403);
      expect(r.body.errcode).toBe("M_FORBIDDEN");
    }
    expect((await call(s, "GET", global(b.userId, "x.y"), { token: b.accessToken })).body).toEqual({ secret: 1 });
  });

  test("server-managed types are 405 M_BAD_JSON: m.push_rules (global), m.fully_read (room)", async () => {
    const s = await server();
    const a = await register(s, "erin");
    const pr = await call<MatrixErrorBody>(s, "PUT", global(a.userId, "m.push_rules"), {
      token: a.accessToken,
      body: {},
    });
    expect(pr.status).toBe(405);
    expect(pr.body.errcode).toBe("M_BAD_JSON");
    const fr = await call<MatrixErrorBody>(s, "PUT", perRoom(a.userId, ROOM, "m.fully_read"), {
      token: a.accessToken,
      body: { event_id: "$x" },
    });
    expect(fr.status).toBe(405);
    expect((await call(s, "GET", perRoom(a.userId, ROOM, "m.fully_read"), { token: a.accessToken })).status).toBe(404);
  });

  test("bodies that are not objects, bad JSON, bad room IDs, missing and unknown tokens", async () => {
    const s = await server();
    const a = await register(s, "fred");
    expect(
      (await call<MatrixErrorBody>(s, "PUT", global(a.userId, "t.t"), { token: a.accessToken, body: [1, 2] })).body
        .errcode,
    ).toBe("M_BAD_JSON");
    expect(
      (await call<MatrixErrorBody>(s, "PUT", global(a.userId, "t.t"), { token: a.accessToken, rawBody: "{" })).body
        .errcode,
    ).toBe("M_NOT_JSON");
    expect(
      (
        await call<MatrixErrorBody>(s, "PUT", perRoom(a.userId, "not-a-room", "t.t"), {
          token: a.accessToken,
          body: {},
        })
      ).body.errcode,
    ).toBe("M_INVALID_PARAM");
    expect((await call<MatrixErrorBody>(s, "PUT", global(a.userId, "t.t"), { body: {} })).body.errcode).toBe(
      "M_MISSING_TOKEN",
    );
    expect((await call<MatrixErrorBody>(s, "GET", global(a.userId, "t.t"), { token: "x" })).body.errcode).toBe(
      "M_UNKNOWN_TOKEN",
    );
    expect((await call(s, "GET", global(a.userId, "t.t"), { token: a.accessToken })).status).toBe(404);
  });
});
