import { describe, expect, test } from "bun:test";
import { hashToken } from "../../src/services/auth/auth-service";
import { openDb } from "../../src/storage/db";
import { migrate } from "../../src/storage/migrate";
import { createAccessTokenRepo } from "../../src/storage/repos/access-tokens";
import { createAccountDataRepo } from "../../src/storage/repos/account-data";
import { createDeviceRepo } from "../../src/storage/repos/devices";
import { createFilterRepo } from "../../src/storage/repos/filters";
import { createRefreshTokenRepo } from "../../src/storage/repos/refresh-tokens";
import { createRegistrationTokenRepo } from "../../src/storage/repos/registration-tokens";
import { createUiaSessionRepo } from "../../src/storage/repos/uia-sessions";
import { createUserRepo } from "../../src/storage/repos/users";

function fresh() {
  const db = openDb(":memory:");
  migrate(db, undefined, 0);
  const users = createUserRepo(db);
  const add = (localpart: string, extra: Partial<{ isAdmin: boolean; isGuest: boolean; displayname: string }> = {}) =>
    users.insert({
      userId: `@${localpart}:hs.test`,
      localpart,
      passwordHash: null,
      isAdmin: extra.isAdmin ?? false,
      isGuest: extra.isGuest ?? false,
      displayname: extra.displayname ?? null,
      createdAt: 1,
    });
  return { db, users, add };
}

describe("users repo", () => {
  test("insert reports an existing user instead of throwing; list filters and counts", () => {
    const { users, add } = fresh();
    expect(add("amy", { displayname: "Amy Pond" })).toBe("ok");
    expect(add("amy")).toBe("exists");
    add("bo", { isGuest: true });
    add("cy", { isAdmin: true });
    add("dee");
    users.updateDeactivated("@dee:hs.test", true);
    const f = { guests: true, deactivated: false };
    expect(users.list(f, 0, 10).map((u) => u.localpart)).toEqual(["amy", "bo", "cy"]);
    expect(users.count({ guests: false, deactivated: false })).toBe(2);
    expect(users.count({ guests: true, deactivated: true })).toBe(4);
    expect(users.list({ ...f, name: "pond" }, 0, 10).map((u) => u.localpart)).toEqual(["amy"]);
    expect(users.list({ ...f, admins: true }, 0, 10).map((u) => u.localpart)).toEqual(["cy"]);
    expect(users.list(f, 1, 1).map((u) => u.localpart)).toEqual(["bo"]);
  });
});

describe("devices and tokens", () => {
  test("deleting a device deletes its access and refresh tokens; deleting a refresh token its access tokens", () => {
    const { db, add } = fresh();
    add("amy");
    const devices = createDeviceRepo(db);
    const access = createAccessTokenRepo(db);
    const refresh = createRefreshTokenRepo(db);
    const u = "@amy:hs.test";
    expect(devices.insert({ userId: u, deviceId: "D1", displayName: "one", createdAt: 1 })).toBe("ok");
    expect(devices.insert({ userId: u, deviceId: "D1", displayName: "other", createdAt: 2 })).toBe("exists");
    devices.insert({ userId: u, deviceId: "D2", displayName: null, createdAt: 1 });
    const rid = refresh.insert({ tokenHash: hashToken("r1"), userId: u, deviceId: "D1", createdAt: 1 });
    access.insert({
      tokenHash: hashToken("a1"),
      userId: u,
      deviceId: "D1",
      createdAt: 1,
      expiresAt: 10,
      refreshTokenId: rid,
    });
    access.insert({
      tokenHash: hashToken("a2"),
      userId: u,
      deviceId: "D2",
      createdAt: 1,
      expiresAt: null,
      refreshTokenId: null,
    });
    expect(devices.select(u, "D1")?.displayName).toBe("one");

    refresh.delete(rid);
    expect(access.selectOwner(hashToken("a1"))).toBeNull();
    expect(access.selectOwner(hashToken("a2"))).not.toBeNull();

    expect(devices.deleteAllForUserExcept(u, "D1")).toEqual(["D2"]);
    expect(access.selectOwner(hashToken("a2"))).toBeNull();
    const rid2 = refresh.insert({ tokenHash: hashToken("r2"), userId: u, deviceId: "D1", createdAt: 1 });
    expect(devices.delete(u, "D1")).toBe(true);
    expect(refresh.selectByHash(hashToken("r2"))).toBeNull();
    expect(rid2).toBeGreaterThan(0);
    expect(devices.listByUser(u)).toEqual([]);
  });
});

describe("registration tokens and UIA sessions", () => {
  test("pending counts live UIA sessions that claimed the token; completed counts registrations", () => {
    const { db } = fresh();
    const tokens = createRegistrationTokenRepo(db);
    const sessions = createUiaSessionRepo(db);
    tokens.insert({ token: "t", usesAllowed: 3, expiryTime: null, createdAt: 0 });
    sessions.insert({ sessionId: "s1", operation: "op", userId: null, createdAt: 100 });
    sessions.insert({ sessionId: "s2", operation: "op", userId: null, createdAt: 200 });
    sessions.setRegistrationToken("s1", "t");
    sessions.setRegistrationToken("s2", "t");
    expect(tokens.select("t", 0)).toMatchObject({ pending: 2, completed: 0 });
    // sessions created before `since` have expired and no longer count
    expect(tokens.select("t", 150)?.pending).toBe(1);
    sessions.delete("s2");
    tokens.incrementCompleted("t");
    expect(tokens.select("t", 0)).toMatchObject({ pending: 1, completed: 1 });
    // deleting a token leaves sessions that referenced it intact, without the token
    expect(tokens.delete("t")).toBe(true);
    expect(sessions.select("s1", 0)?.registrationToken).toBeNull();
    expect(tokens.update("t", { usesAllowed: 1 })).toBe(false);
  });

  test("UIA sessions store completed stages and can be purged by age", () => {
    const { db } = fresh();
    const sessions = createUiaSessionRepo(db);
    sessions.insert({ sessionId: "a", operation: "POST /x", userId: "@u:hs.test", createdAt: 10 });
    sessions.updateCompleted("a", ["m.login.dummy"]);
    expect(sessions.select("a", 0)).toMatchObject({
      operation: "POST /x",
      userId: "@u:hs.test",
      completed: ["m.login.dummy"],
    });
    expect(sessions.select("a", 11)).toBeNull();
    sessions.deleteCreatedBefore(11);
    expect(sessions.select("a", 0)).toBeNull();
  });
});

describe("account data and filters", () => {
  test("account data positions only grow, across users and rooms", () => {
    const { db, add } = fresh();
    add("amy");
    add("bo");
    const repo = createAccountDataRepo(db);
    const p1 = repo.upsert("@amy:hs.test", "", "t", "{}");
    const p2 = repo.upsert("@bo:hs.test", "!r:hs.test", "t", "{}");
    const p3 = repo.upsert("@amy:hs.test", "", "t", '{"x":1}');
    expect([p1, p2, p3]).toEqual([1, 2, 3]);
    expect(repo.maxPosition()).toBe(3);
    expect(repo.changesSince("@amy:hs.test", 0)).toEqual([
      { roomId: null, type: "t", contentJson: '{"x":1}', streamPos: 3 },
    ]);
    expect(repo.select("@bo:hs.test", "!r:hs.test", "t")).toBe("{}");
    expect(repo.select("@bo:hs.test", "", "t")).toBeNull();
  });

  test("filter IDs count up per user", () => {
    const { db, add } = fresh();
    add("amy");
    add("bo");
    const repo = createFilterRepo(db);
    expect(repo.insert("@amy:hs.test", "{}")).toBe(0);
    expect(repo.insert("@amy:hs.test", '{"a":1}')).toBe(1);
    expect(repo.insert("@bo:hs.test", "{}")).toBe(0);
    expect(repo.select("@amy:hs.test", 1)).toBe('{"a":1}');
    expect(repo.select("@bo:hs.test", 1)).toBeNull();
  });
});
