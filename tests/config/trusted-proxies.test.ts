import { describe, expect, test } from "bun:test";
import { parseConfig } from "../../src/config/load";
import { clientAddress } from "../../src/util/client-ip";

const DEFAULT = ["127.0.0.1", "::1"];

describe("listen.trusted_proxies", () => {
  test("defaults to loopback, where a reverse proxy on the same machine connects from", () => {
    const c = parseConfig({ server_name: "a.test", public_base_url: "https://a.test" });
    expect(c.listen.trusted_proxies).toEqual(DEFAULT);
  });

  test("entries must be IP addresses", () => {
    expect(() =>
      parseConfig({ server_name: "a.test", public_base_url: "https://a.test", listen: { trusted_proxies: ["proxy"] } }),
    ).toThrow(/listen\.trusted_proxies\.0: /);
  });
});

describe("clientAddress", () => {
  test("a request from a trusted proxy is from the address the proxy appended", () => {
    expect(clientAddress("127.0.0.1", "203.0.113.7", DEFAULT)).toBe("203.0.113.7");
    expect(clientAddress("::1", "2001:db8::5", DEFAULT)).toBe("2001:db8::5");
    // A dual-stack socket reports an IPv4 peer as ::ffff:a.b.c.d.
    expect(clientAddress("::ffff:127.0.0.1", "203.0.113.7", DEFAULT)).toBe("203.0.113.7");
  });

  test("only the rightmost entry counts: the ones before it came from the client and can be forged", () => {
    expect(clientAddress("127.0.0.1", "10.0.0.1, 198.51.100.2", DEFAULT)).toBe("198.51.100.2");
  });

  test("from anyone else, the header is ignored", () => {
    expect(clientAddress("198.51.100.9", "127.0.0.1", DEFAULT)).toBe("198.51.100.9");
    expect(clientAddress("127.0.0.1", "203.0.113.7", [])).toBe("127.0.0.1");
  });

  test("no header, or an empty one: the peer", () => {
    expect(clientAddress("127.0.0.1", null, DEFAULT)).toBe("127.0.0.1");
    expect(clientAddress("127.0.0.1", " ", DEFAULT)).toBe("127.0.0.1");
  });
});
