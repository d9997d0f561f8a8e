import { describe, expect, test } from "bun:test";
import { parseDeviceId } from "../../../src/core/ids/device-id";
import { serverNameOf } from "../../../src/core/ids/index";
import { keyIdParts, parseKeyId, parseServerKeyId } from "../../../src/core/ids/key-id";
import { parseMxcUri } from "../../../src/core/ids/mxc";
import { aliasLocalpart, aliasServerName, parseRoomAlias } from "../../../src/core/ids/room-alias";
import { isRoomVersionIdentifier } from "../../../src/core/ids/room-version-id";
import { zRoomAlias, zUserId, zUserIdStrict } from "../../../src/core/ids/zod";
import vectors from "../../vectors/identifiers.json";

describe("room aliases", () => {
  test("localpart and server", () => {
    const a = parseRoomAlias("#Room Name é:example.org:8448")!;
    expect(aliasLocalpart(a)).toBe("Room Name é");
    expect(aliasServerName(a)).toBe("example.org:8448" as never);
    expect(serverNameOf(a)).toBe("example.org:8448" as never);
  });
  test.each([["#:hs"], ["#a"], ["a:hs"], ["#a\u0000:hs"], [`#${"a".repeat(250)}:hs.org`]])("%p is refused", (s) =>
    expect(parseRoomAlias(s)).toBeNull(),
  );
});

describe("key IDs", () => {
  test("algorithm and version", () => {
    expect(keyIdParts(parseKeyId("ed25519:abc")!)).toEqual({ algorithm: "ed25519", version: "abc" });
    expect(keyIdParts(parseKeyId("signed_curve25519:AAAAHQ")!)).toEqual({
      algorithm: "signed_curve25519",
      version: "AAAAHQ",
    });
    expect(parseKeyId("ed25519:DEVICE/ID")).not.toBeNull();
  });
  test("server key versions are [a-zA-Z0-9_]", () => {
    expect(parseServerKeyId("ed25519:a_Zx9")).not.toBeNull();
    expect(parseServerKeyId("ed25519:a-b")).toBeNull();
  });
  test.each([["ed25519"], [":abc"], ["ed25519:"], ["ED25519:abc"]])("%p is refused", (s) =>
    expect(parseKeyId(s)).toBeNull(),
  );
});

describe("mxc URIs", () => {
  test("server and media ID", () => {
    expect(parseMxcUri("mxc://example.org:8448/SEsfnsuifSDFSSEF")).toEqual({
      serverName: "example.org:8448",
      mediaId: "SEsfnsuifSDFSSEF",
    } as never);
  });
  test.each([
    ["mxc://example.org/"],
    ["mxc:///abc"],
    ["http://example.org/abc"],
    ["mxc://example.org/a/b"],
    ["mxc://ex ample/a"],
  ])("%p is refused", (s) => expect(parseMxcUri(s)).toBeNull());
});

describe("device IDs and room versions", () => {
  test("device IDs are opaque but printable and bounded", () => {
    expect(parseDeviceId("ABCDEFGH")).not.toBeNull();
    expect(parseDeviceId("")).toBeNull();
    expect(parseDeviceId("a\nb")).toBeNull();
    expect(parseDeviceId("x".repeat(256))).toBeNull();
  });
  test("room version grammar from the spec", () => {
    for (const v of vectors.room_versions_valid.values) expect(isRoomVersionIdentifier(v)).toBe(true);
    for (const v of ["", "A", "1_2", "x".repeat(33)]) expect(isRoomVersionIdentifier(v)).toBe(false);
  });
});

describe("zod adapters", () => {
  test("output the branded ID or a readable issue", () => {
    expect(zUserId.parse("@Alice:hs")).toBe("@Alice:hs" as never);
    const r = zUserIdStrict.safeParse("@Alice:hs");
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain("Invalid user ID");
    expect(zRoomAlias.safeParse(42).success).toBe(false);
  });
});
