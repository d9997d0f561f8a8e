import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, type MatrixErrorBody, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}
const F = (u: string) => `/_matrix/client/v3/user/${encodeURIComponent(u)}/filter`;

describe("filters", () => {
  test("a filter is stored as sent (unknown fields too) and read back by its ID", async () => {
    const s = await server();
    const a = await register(s, "alice");
    const filter = {
      event_fields: ["type", "content.body"],
      event_format: "client",
      presence: { not_types: ["*"] },
      room: {
        rooms: ["!a:hs1.test"],
        timeline: { limit: 10, lazy_load_members: true, senders: ["@alice:hs1.test"] },
        state: { lazy_load_members: true },
      },
      "org.example.unstable": true,
    };
    const r = await call<{ filter_id: string }>(s, "POST", F(a.userId), { token: a.accessToken, body: filter });
    expect(r.status).toBe(200);
    expect(r.body.filter_id).toBeString();
    expect(r.body.filter_id.startsWith("{")).toBe(false);
    const got = await call(s, "GET", `${F(a.userId)}/${r.body.filter_id}`, { token: a.accessToken });
    expect(got).toEqual({ status: 200, body: filter });
    const second = await call<{ filter_id: string }>(s, "POST", F(a.userId), { token: a.accessToken, body: {} });
    expect(second.body.filter_id).not.toBe(r.body.filter_id);
  });

  test("invalid filters are M_BAD_JSON and nothing is stored", async () => {
    const s = await server();
    const a = await register(s, "bob");
    for (const body of [
      { event_format: "xml" },
      { room: { timeline: { limit: 0 } } },
      { room: { timeline: { limit: "10" } } },
      { presence: { senders: ["not-a-user"] } },
      { room: { rooms: ["#alias:hs1.test"] } },
      [1],
    ]) {
      const r = await call<MatrixErrorBody>(s, "POST", F(a.userId), { token: a.accessToken, body });
      expect(r.status).toBe(400);
      expect(r.body.errcode).toBe("M_BAD_JSON");
    }
    expect(
      (await call<MatrixErrorBody>(s, "POST", F(a.userId), { token: a.accessToken, rawBody: "{" })).body.errcode,
    ).toBe("M_NOT_JSON");
    expect(s.server.db.sqlite.query("SELECT * FROM filters").all()).toHaveLength(0);
  });

  test("other users' filters: 403; unknown filter: 404; tokens", async () => {
    const s = await server();
    const a = await register(s, "carol");
    const b = await register(s, "dave");
    const r = await call<{ filter_id: string }>(s, "POST", F(b.userId), { token: b.accessToken, body: {} });
    expect(
      (await call<MatrixErrorBody>(s, "GET", `${F(b.userId)}/${r.body.filter_id}`, { token: a.accessToken })).status,
    ).toBe(403);
    expect((await call<MatrixErrorBody>(s, "POST", F(b.userId), { token: a.accessToken, body: {} })).status).toBe(403);
    const unknown = await call<MatrixErrorBody>(s, "GET", `${F(a.userId)}/999`, { token: a.accessToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errcode).toBe("M_NOT_FOUND");
    expect((await call(s, "GET", `${F(a.userId)}/abc`, { token: a.accessToken })).status).toBe(404);
    expect((await call<MatrixErrorBody>(s, "POST", F(a.userId), { body: {} })).body.errcode).toBe("M_MISSING_TOKEN");
    expect((await call<MatrixErrorBody>(s, "POST", F(a.userId), { token: "x", body: {} })).body.errcode).toBe(
      "M_UNKNOWN_TOKEN",
    );
  });
});
