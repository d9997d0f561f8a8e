import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/test-server";

let hs: TestServer;
beforeAll(async () => {
  hs = await startTestServer({ config: { public_base_url: "https://matrix.hs1.test" } });
});
afterAll(() => hs.stop());

describe("HTTP basics", () => {
  test("GET /_matrix/client/versions lists spec versions", async () => {
    const res = await hs.request("GET", "/_matrix/client/versions");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { versions: string[] };
    expect(body.versions).toContain("v1.1");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("unknown path is 404 M_UNRECOGNIZED", async () => {
    const res = await hs.request("GET", "/_matrix/client/v3/nonexistent");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ errcode: "M_UNRECOGNIZED", error: "Unrecognized request" });
  });

  test("known path with the wrong method is 405 M_UNRECOGNIZED", async () => {
    const res = await hs.request("POST", "/_matrix/client/versions");
    expect(res.status).toBe(405);
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_UNRECOGNIZED");
    expect(res.headers.get("allow")).toContain("GET");
  });

  test("OPTIONS answers the CORS preflight on any path without running the endpoint", async () => {
    const res = await hs.request("OPTIONS", "/_matrix/client/v3/capabilities");
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-methods")).toBe("GET, POST, PUT, DELETE, OPTIONS");
    expect(res.headers.get("access-control-allow-headers")).toBe("X-Requested-With, Content-Type, Authorization");
  });

  test("CORS headers are on error responses too", async () => {
    const res = await hs.request("GET", "/nope");
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  test("capabilities without a token is 401 M_MISSING_TOKEN", async () => {
    const res = await hs.request("GET", "/_matrix/client/v3/capabilities");
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_MISSING_TOKEN");
  });

  test("capabilities with an unknown token is 401 M_UNKNOWN_TOKEN with soft_logout false", async () => {
    const res = await hs.request("GET", "/_matrix/client/v3/capabilities", { token: "nope" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ errcode: "M_UNKNOWN_TOKEN", soft_logout: false });
  });

  test("a malformed Authorization header is M_MISSING_TOKEN", async () => {
    const res = await hs.request("GET", "/_matrix/client/v3/capabilities", { headers: { authorization: "Basic abc" } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errcode: string }).errcode).toBe("M_MISSING_TOKEN");
  });

  test("well-known client and server documents come from config", async () => {
    const c = await (await hs.request("GET", "/.well-known/matrix/client")).json();
    expect(c).toEqual({ "m.homeserver": { base_url: "https://matrix.hs1.test" } });
    const s = await (await hs.request("GET", "/.well-known/matrix/server")).json();
    expect(s).toEqual({ "m.server": "matrix.hs1.test:443" });
  });

  test("/health answers OK", async () => {
    const res = await hs.request("GET", "/health");
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("OK");
  });
});
