import { describe, expect, test } from "bun:test";
import { createAddressPolicy, isPublicAddress, parseCidr, parseIp } from "../../src/net/ip-address";

const ip = (s: string) => {
  const v = parseIp(s);
  if (!v) throw new Error(`bad test address ${s}`);
  return v;
};

describe("non-public addresses are refused by default", () => {
  const refused = [
    "0.0.0.0",
    "0.1.2.3",
    "10.1.2.3",
    "100.64.0.1",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "224.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "fd12:3456::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:7f00:1",
    "64:ff9b::a00:1",
    "2002:7f00:1::",
    "ff02::1",
  ];
  for (const a of refused) test(a, () => expect(isPublicAddress(ip(a))).toBe(false));
});

test("public addresses pass", () => {
  for (const a of ["1.1.1.1", "93.184.216.34", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]) {
    expect(isPublicAddress(ip(a))).toBe(true);
  }
});

test("parses IPv6 forms, with brackets, zones and IPv4 tails", () => {
  expect(parseIp("[::1]")).toEqual({ version: 6, value: 1n });
  expect(parseIp("fe80::1%eth0")?.version).toBe(6);
  expect(parseIp("::ffff:1.2.3.4")).toEqual(parseIp("::ffff:102:304"));
  for (const bad of ["1.2.3", "01.2.3.4", "256.1.1.1", "1::2::3", "g::1", "1:2:3:4:5:6:7:8:9", ""])
    expect(parseIp(bad)).toBeNull();
});

test("the allowlist opens chosen ranges; the denylist closes public ones and wins", () => {
  const p = createAddressPolicy({
    allow: ["127.0.0.1/32", "192.168.0.0/16"],
    deny: ["93.184.0.0/16", "192.168.5.0/24"],
  });
  expect(p.allows(ip("127.0.0.1"))).toBe(true);
  expect(p.allows(ip("::ffff:127.0.0.1"))).toBe(true);
  expect(p.allows(ip("127.0.0.2"))).toBe(false);
  expect(p.allows(ip("192.168.1.1"))).toBe(true);
  expect(p.allows(ip("192.168.5.1"))).toBe(false);
  expect(p.allows(ip("93.184.216.34"))).toBe(false);
  expect(p.allows(ip("1.1.1.1"))).toBe(true);
  expect(() => createAddressPolicy({ allow: ["nonsense/8"] })).toThrow();
  expect(parseCidr("10.0.0.0/33")).toBeNull();
});
