import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { staticResolver } from "../../src/net/dns";
import {
  BlockedAddressError,
  createSafeHttpClient,
  HttpFetchError,
  ResponseTooLargeError,
} from "../../src/net/http-fetch";
import { createAddressPolicy } from "../../src/net/ip-address";

let server: ReturnType<typeof Bun.serve>;
let base: string;
const hits: string[] = [];

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const u = new URL(req.url);
      hits.push(`${req.headers.get("host")}${u.pathname}`);
      if (u.pathname === "/page")
        return new Response("<title>hi</title>", { headers: { "content-type": "text/html" } });
      if (u.pathname === "/to-private") return Response.redirect("http://10.0.0.1/secret", 302);
      if (u.pathname === "/to-metadata") return Response.redirect("http://[::ffff:169.254.169.254]/latest", 302);
      if (u.pathname === "/to-name") return Response.redirect(`http://internal.test:${u.port}/page`, 302);
      if (u.pathname === "/loop") return Response.redirect(`${base}/loop`, 302);
      if (u.pathname === "/big") return new Response("x".repeat(5000));
      if (u.pathname === "/stream") {
        // No Content-Length: the limit must hold while reading.
        return new Response(
          new ReadableStream({
            pull(c) {
              c.enqueue(new Uint8Array(1024));
            },
          }),
        );
      }
      if (u.pathname === "/slow") return new Promise<Response>(() => {});
      return new Response("nope", { status: 404 });
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(() => server.stop(true));

const loopbackAllowed = createAddressPolicy({ allow: ["127.0.0.1/32"] });
const limits = { maxBytes: 2000, timeoutMs: 5000 };

describe("refused before any connection", () => {
  const client = createSafeHttpClient({
    resolver: staticResolver({ "evil.test": ["10.0.0.1", "127.0.0.1"], "mapped.test": ["::ffff:127.0.0.1"] }),
    policy: createAddressPolicy(),
    userAgent: "test",
  });
  for (const url of [
    "http://127.0.0.1/",
    "http://[::1]/",
    "http://0.0.0.0/",
    "http://2130706433/", // 127.0.0.1 written as a number
    "http://169.254.169.254/latest/meta-data",
    "http://evil.test/",
    "http://mapped.test/",
  ]) {
    test(url, async () => {
      const before = hits.length;
      await expect(client.get(url, limits)).rejects.toBeInstanceOf(BlockedAddressError);
      expect(hits.length).toBe(before);
    });
  }
  test("non-HTTP schemes and credentials", async () => {
    await expect(client.get("file:///etc/passwd", limits)).rejects.toBeInstanceOf(HttpFetchError);
    await expect(client.get("http://user:pw@example.org/", limits)).rejects.toBeInstanceOf(HttpFetchError);
  });
});

describe("with 127.0.0.1 allowed (as tests configure it)", () => {
  const client = createSafeHttpClient({
    resolver: staticResolver({ "site.test": ["127.0.0.1"], "internal.test": ["10.1.1.1"] }),
    policy: loopbackAllowed,
    userAgent: "test",
  });

  test("fetches, connecting to the checked address with the original Host", async () => {
    const r = await client.get(`http://site.test:${server.port}/page`, limits);
    expect(r.status).toBe(200);
    expect(new TextDecoder().decode(r.body)).toBe("<title>hi</title>");
    expect(hits.at(-1)).toBe(`site.test:${server.port}/page`);
  });

  test("a redirect to a refused address is refused", async () => {
    await expect(client.get(`${base}/to-name`, limits)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(client.get(`${base}/to-private`, limits)).rejects.toBeInstanceOf(BlockedAddressError);
    await expect(client.get(`${base}/to-metadata`, limits)).rejects.toBeInstanceOf(BlockedAddressError);
    const strict = createSafeHttpClient({
      resolver: staticResolver({}),
      policy: createAddressPolicy(),
      userAgent: "t",
    });
    await expect(strict.get(`${base}/page`, limits)).rejects.toBeInstanceOf(BlockedAddressError);
  });

  test("redirect loops stop after 5 hops", async () => {
    const before = hits.length;
    await expect(client.get(`${base}/loop`, limits)).rejects.toThrow("too many redirects");
    expect(hits.length - before).toBe(6);
  });

  test("bodies over the limit are refused, declared or streamed", async () => {
    await expect(client.get(`${base}/big`, limits)).rejects.toBeInstanceOf(ResponseTooLargeError);
    await expect(client.get(`${base}/stream`, limits)).rejects.toBeInstanceOf(ResponseTooLargeError);
  });

  test("a server that never answers hits the time limit", async () => {
    await expect(client.get(`${base}/slow`, { maxBytes: 100, timeoutMs: 200 })).rejects.toThrow("timed out");
  });

  test("names that do not resolve fail cleanly", async () => {
    await expect(client.get("http://nowhere.test/", limits)).rejects.toBeInstanceOf(HttpFetchError);
  });
});
