import { describe, expect, test } from "bun:test";
import type { ServerName } from "../../../src/core/ids/server-name";
import {
  isCompliantUserId,
  makeUserId,
  parseUserId,
  parseUserIdStrict,
  type UserId,
  userLocalpart,
  userServerName,
} from "../../../src/core/ids/user-id";

describe("user IDs", () => {
  test("accessors split at the first colon, so ports stay in the server name", () => {
    const id = parseUserId("@alice:example.org:8448")!;
    expect(userLocalpart(id)).toBe("alice");
    expect(userServerName(id)).toBe("example.org:8448" as ServerName);
  });

  test("the strict grammar allows a-z 0-9 - . = _ / +", () => {
    expect(parseUserIdStrict("@a-b.c=d_e/f+g9:example.org")).not.toBeNull();
    for (const bad of ["@Alice:example.org", "@al ice:example.org", "@:example.org", "@é:example.org", "@a#b:hs"])
      expect(parseUserIdStrict(bad)).toBeNull();
  });

  test("the historical grammar accepts what old servers minted, including an empty localpart", () => {
    for (const ok of [
      "@Alice:example.org",
      "@:example.org",
      "@al ice:example.org",
      "@\u00e9\u{1F600}:hs",
      "@a\u0001:hs",
    ])
      expect(parseUserId(ok)).toBe(ok as UserId);
    expect(isCompliantUserId(parseUserId("@Alice:example.org")!)).toBe(false);
    expect(isCompliantUserId(parseUserId("@alice:example.org")!)).toBe(true);
  });

  test("NUL, lone surrogates, a missing sigil or server are refused in both grammars", () => {
    for (const bad of ["@a\u0000b:hs", "@a\ud800:hs", "alice:hs", "@alice", "@alice:", "@alice:bad_host", "#a:hs"]) {
      expect(parseUserId(bad)).toBeNull();
      expect(parseUserIdStrict(bad)).toBeNull();
    }
  });

  test("255 bytes is the limit, counted in UTF-8", () => {
    const server = "example.org";
    const fits = `@${"a".repeat(255 - 2 - server.length)}:${server}`;
    expect(fits.length).toBe(255);
    expect(parseUserIdStrict(fits)).not.toBeNull();
    expect(parseUserIdStrict(`@a${fits.slice(1)}`)).toBeNull();
    // 2-byte characters: 122 × 2 = 244 bytes of localpart + 13 = 257 bytes although it is 135 characters.
    expect(parseUserId(`@${"\u00e9".repeat(122)}:${server}`)).toBeNull();
  });

  test("makeUserId mints only strict IDs", () => {
    const hs = "hs.test" as ServerName;
    expect(makeUserId("bob", hs)).toBe("@bob:hs.test" as UserId);
    expect(makeUserId("Bob", hs)).toBeNull();
    expect(makeUserId("", hs)).toBeNull();
  });
});
