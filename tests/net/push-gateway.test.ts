import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { staticResolver } from "../../src/net/dns";
import { createAddressPolicy } from "../../src/net/ip-address";
import { BlockedAddressError, createPushGatewayClient, PushGatewayError } from "../../src/net/push-gateway";

let server: ReturnType<typeof Bun.serve>;
const seen: { host: string | null; path: string; body: unknown; contentType: string | null }[] = [];
let answer: () => Response = () => Response.json({ rejected: [] });

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      seen.push({
        host: req.headers.get("host"),
        path: new URL(req.url).pathname,
        body: await req.json(),
        contentType: req.headers.get("content-type"),
      });
      return answer();
    },
  });
});
afterAll(() => server.stop(true));

const resolver = staticResolver({ "push.test": ["127.0.0.1"], "evil.test": ["10.0.0.1", "169.254.169.254"] });
const allowLoopback = createPushGatewayClient({
  resolver,
  policy: createAddressPolicy({ allow: ["127.0.0.1/32"] }),
  userAgent: "test",
});
const strict = createPushGatewayClient({ resolver, policy: createAddressPolicy(), userAgent: "test" });
const url = (host: string) => `http://${host}:${server.port}/_matrix/push/v1/notify`;
const opts = { timeoutMs: 5000 };

describe("push gateway client", () => {
  test("posts JSON to the checked address, keeping the host name in the Host header", async () => {
    seen.length = 0;
    answer = () => Response.json({ rejected: ["a", 5, "b"] });
    const out = await allowLoopback.notify(url("push.test"), { notification: { devices: [] } }, opts);
    expect(out).toEqual({ status: 200, rejected: ["a", "b"] });
    expect(seen).toEqual([
      {
        host: `push.test:${server.port}`,
        path: "/_matrix/push/v1/notify",
        body: { notification: { devices: [] } },
        contentType: "application/json",
      },
    ]);
  });

  test("a non-2xx status is an answer; a 2xx without a JSON body rejects nothing", async () => {
    answer = () => new Response("oops", { status: 502 });
    expect(await allowLoopback.notify(url("127.0.0.1"), {}, opts)).toEqual({ status: 502, rejected: [] });
    answer = () => new Response("fine", { status: 200 });
    expect(await allowLoopback.notify(url("127.0.0.1"), {}, opts)).toEqual({ status: 200, rejected: [] });
  });

  test("private, loopback and metadata addresses are refused without the allowlist, before any request", async () => {
    seen.length = 0;
    for (const u of [url("127.0.0.1"), url("push.test"), url("evil.test"), url("[::1]"), url("[::ffff:127.0.0.1]")]) {
      await expect(strict.notify(u, {}, opts)).rejects.toBeInstanceOf(BlockedAddressError);
    }
    // The allowlist covers 127.0.0.1 only.
    await expect(allowLoopback.notify(url("evil.test"), {}, opts)).rejects.toBeInstanceOf(BlockedAddressError);
    expect(seen).toEqual([]);
  });

  test("bad URLs, unknown names and unreachable gateways are PushGatewayErrors", async () => {
    await expect(allowLoopback.notify("not a url", {}, opts)).rejects.toBeInstanceOf(PushGatewayError);
    await expect(allowLoopback.notify("ftp://push.test/_matrix/push/v1/notify", {}, opts)).rejects.toBeInstanceOf(
      PushGatewayError,
    );
    await expect(allowLoopback.notify(url("nowhere.test"), {}, opts)).rejects.toBeInstanceOf(PushGatewayError);
    const closed = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
    const port = closed.port;
    closed.stop(true);
    await expect(
      allowLoopback.notify(`http://127.0.0.1:${port}/_matrix/push/v1/notify`, {}, opts),
    ).rejects.toBeInstanceOf(PushGatewayError);
  });

  test("redirects are not followed", async () => {
    seen.length = 0;
    answer = () => new Response(null, { status: 307, headers: { location: "http://169.254.169.254/latest" } });
    expect((await allowLoopback.notify(url("127.0.0.1"), {}, opts)).status).toBe(307);
    expect(seen).toHaveLength(1);
  });
});
