import { describe, expect, test } from "bun:test";
import { isIpv6Literal, parseServerName, parseServerNameParts } from "../../../src/core/ids/server-name";
import vectors from "../../vectors/identifiers.json";

describe("server names", () => {
  for (const name of vectors.server_names_valid.values) {
    test(`spec example ${name} is valid`, () => expect(parseServerName(name)).toBe(name as never));
  }

  test("splits host kind and port", () => {
    expect(parseServerNameParts("matrix.org:8888")).toEqual({ host: "matrix.org", hostKind: "dns", port: 8888 });
    expect(parseServerNameParts("1.2.3.4")).toEqual({ host: "1.2.3.4", hostKind: "ipv4", port: undefined });
    expect(parseServerNameParts("[1234:5678::abcd]:5678")).toEqual({
      host: "[1234:5678::abcd]",
      hostKind: "ipv6",
      port: 5678,
    });
  });

  test.each([
    [""],
    ["matrix.org:"],
    ["matrix.org:123456"],
    ["matrix.org:65536"],
    ["matrix.org:80a"],
    ["under_score.org"],
    ["exa mple.org"],
    ["[1234:5678::abcd"],
    ["[::1]x"],
    ["[12345::1]"],
    ["[1:2:3:4:5:6:7:8:9]"],
    ["[1::2::3]"],
    ["[]"],
    ["a".repeat(256)],
    ["ex\u00e4mple.org"],
    ["host:1:2"],
  ])("%p is refused", (s) => expect(parseServerName(s)).toBeNull());

  test("IPv6 literals follow RFC 3513 text forms", () => {
    for (const ok of ["::1", "::", "1:2:3:4:5:6:7:8", "fe80::1:2", "::ffff:1.2.3.4", "1:2:3:4:5:6:1.2.3.4"])
      expect(isIpv6Literal(ok)).toBe(true);
    for (const bad of [":1", "1:", "1:2:3:4:5:6:7", "::ffff:1.2.3.256", "1:2:3:4:5:6:7:1.2.3.4", "g::1"])
      expect(isIpv6Literal(bad)).toBe(false);
  });

  test("a port of up to 65535 is accepted", () => {
    expect(parseServerNameParts("localhost:65535")?.port).toBe(65535);
    expect(parseServerNameParts("localhost:08448")?.port).toBe(8448);
  });
});
