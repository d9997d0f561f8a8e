import { describe, expect, test } from "bun:test";
import { MatrixError } from "../../../src/core/errors";
import { accountHarness } from "./harness";

async function rejects(p: Promise<unknown> | (() => unknown), errcode: string): Promise<void> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(MatrixError);
    expect((e as MatrixError).errcode).toBe(errcode as MatrixError["errcode"]);
    return;
  }
  throw new Error(`expected ${errcode}`);
}

describe("accounts service: users", () => {
  test("createUser makes an account that can check its password", async () => {
    const h = accountHarness();
    const u = await h.accounts.createUser({ localpart: "alice", password: "correct horse", admin: true });
    expect(u).toMatchObject({ userId: "@alice:hs1.test", isAdmin: true, isGuest: false, deactivated: false });
    expect(u.hasPassword).toBe(true);
    expect(await h.accounts.checkPassword("@alice:hs1.test", "correct horse")).toBe(true);
    expect(await h.accounts.checkPassword("@alice:hs1.test", "wrong horse")).toBe(false);
    // the stored hash is argon2id, never the password
    const row = h.db.sqlite.query<{ password_hash: string }, []>("SELECT password_hash FROM users").get();
    expect(row?.password_hash.startsWith("$argon2id$")).toBe(true);
  });

  test("bad localparts are M_INVALID_USERNAME and create nothing", async () => {
    const h = accountHarness();
    for (const lp of ["", "Alice", "al:ice", "al ice", "_bridge", "12345", "é", "x".repeat(250)]) {
      await rejects(h.accounts.createUser({ localpart: lp, password: "password1" }), "M_INVALID_USERNAME");
    }
    expect(h.accounts.listUsers().total).toBe(0);
  });

  test("a taken localpart is M_USER_IN_USE; a short password is M_WEAK_PASSWORD", async () => {
    const h = accountHarness();
    await h.accounts.createUser({ localpart: "bob", password: "password1" });
    await rejects(h.accounts.createUser({ localpart: "bob", password: "password2" }), "M_USER_IN_USE");
    await rejects(h.accounts.createUser({ localpart: "carol", password: "short" }), "M_WEAK_PASSWORD");
    expect(h.accounts.getUser("@carol:hs1.test")).toBeNull();
  });

  test("two concurrent creations of one name: exactly one wins", async () => {
    const h = accountHarness();
    const results = await Promise.allSettled([
      h.accounts.createUser({ localpart: "dup", password: "password1" }),
      h.accounts.createUser({ localpart: "dup", password: "password2" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect((failed.reason as MatrixError).errcode).toBe("M_USER_IN_USE");
  });

  test("guests get generated numeric localparts", async () => {
    const h = accountHarness();
    const a = await h.accounts.createUser({ localpart: null, password: null, guest: true });
    const b = await h.accounts.createUser({ localpart: null, password: null, guest: true });
    expect(a.userId).toMatch(/^@\d+:hs1\.test$/);
    expect(b.userId).not.toBe(a.userId);
    expect(a.isGuest).toBe(true);
    expect(a.hasPassword).toBe(false);
  });

  test("listUsers pages through users ordered by ID with total and nextFrom", async () => {
    const h = accountHarness();
    for (const lp of ["dave", "anna", "carl", "bert", "emma"])
      await h.accounts.createUser({ localpart: lp, password: null });
    const p1 = h.accounts.listUsers({ limit: 2 });
    expect(p1.users.map((u) => u.localpart)).toEqual(["anna", "bert"]);
    expect(p1.total).toBe(5);
    expect(p1.nextFrom).toBe(2);
    const p3 = h.accounts.listUsers({ from: 4, limit: 2 });
    expect(p3.users.map((u) => u.localpart)).toEqual(["emma"]);
    expect(p3.nextFrom).toBeNull();
    expect(h.accounts.listUsers({ name: "ER" }).users.map((u) => u.localpart)).toEqual(["bert"]);
  });

  test("setPassword changes the password and can log out the other devices", async () => {
    const h = accountHarness();
    const u = await h.accounts.createUser({ localpart: "erin", password: "password1" });
    const s1 = h.sessions.issue(u.userId, { displayName: "phone" });
    const s2 = h.sessions.issue(u.userId, { displayName: "laptop" });
    await h.accounts.setPassword(u.userId, "password2", { logoutDevices: true, keepDeviceId: s1.deviceId });
    expect(await h.accounts.checkPassword(u.userId, "password1")).toBe(false);
    expect(await h.accounts.checkPassword(u.userId, "password2")).toBe(true);
    const devices = h.db.sqlite.query<{ device_id: string }, []>("SELECT device_id FROM devices").all();
    expect(devices.map((d) => d.device_id)).toEqual([s1.deviceId]);
    const tokens = h.db.sqlite.query<{ n: number }, [string]>(
      "SELECT count(*) AS n FROM access_tokens WHERE device_id = ?",
    );
    expect(tokens.get(s2.deviceId)?.n).toBe(0);
    expect(tokens.get(s1.deviceId)?.n).toBe(1);
  });

  test("setPassword on an unknown user is M_NOT_FOUND; a weak one changes nothing", async () => {
    const h = accountHarness();
    await rejects(h.accounts.setPassword("@nobody:hs1.test", "password1", { logoutDevices: false }), "M_NOT_FOUND");
    const u = await h.accounts.createUser({ localpart: "fred", password: "password1" });
    await rejects(h.accounts.setPassword(u.userId, "x", { logoutDevices: true }), "M_WEAK_PASSWORD");
    expect(await h.accounts.checkPassword(u.userId, "password1")).toBe(true);
  });

  test("deactivate removes the password, devices and tokens, and is listed only on request", async () => {
    const h = accountHarness();
    const u = await h.accounts.createUser({ localpart: "gina", password: "password1" });
    h.sessions.issue(u.userId, {});
    const seen: string[] = [];
    h.accountEvents.on("userDeactivated", (e) => seen.push(e.userId));
    h.accounts.deactivate(u.userId);
    expect(h.accounts.getUser(u.userId)).toMatchObject({ deactivated: true, hasPassword: false });
    expect(await h.accounts.checkPassword(u.userId, "password1")).toBe(false);
    expect(h.db.sqlite.query("SELECT * FROM access_tokens").all()).toHaveLength(0);
    expect(h.db.sqlite.query("SELECT * FROM devices").all()).toHaveLength(0);
    expect(seen).toEqual([u.userId]);
    expect(h.accounts.listUsers().total).toBe(0);
    expect(h.accounts.listUsers({ deactivated: true }).total).toBe(1);
  });

  test("setAdmin promotes and demotes; unknown users are M_NOT_FOUND", async () => {
    const h = accountHarness();
    const u = await h.accounts.createUser({ localpart: "hank", password: null });
    h.accounts.setAdmin(u.userId, true);
    expect(h.accounts.getUser(u.userId)?.isAdmin).toBe(true);
    h.accounts.setAdmin(u.userId, false);
    expect(h.accounts.getUser(u.userId)?.isAdmin).toBe(false);
    await rejects(() => h.accounts.setAdmin("@ghost:hs1.test", true), "M_NOT_FOUND");
  });

  test("resolveUser accepts a localpart or a full ID on this server, case-insensitively", () => {
    const h = accountHarness();
    expect(h.accounts.resolveUser("alice")).toBe("@alice:hs1.test");
    expect(h.accounts.resolveUser("@Alice:hs1.test")).toBe("@alice:hs1.test");
    expect(h.accounts.resolveUser("@alice:other.test")).toBeNull();
    expect(h.accounts.resolveUser("")).toBeNull();
  });
});

describe("accounts service: registration tokens", () => {
  test("createToken with defaults makes a 16-character unlimited token", () => {
    const h = accountHarness();
    const t = h.accounts.createToken();
    expect(t.token).toMatch(/^[A-Za-z0-9._~-]{16}$/);
    expect(t).toMatchObject({ usesAllowed: null, pending: 0, completed: 0, expiryTime: null });
    expect(h.accounts.isTokenValid(t.token)).toBe(true);
  });

  test("a given token, uses and expiry are kept; duplicates and bad values are refused", async () => {
    const h = accountHarness();
    const expiry = h.clock.now() + 60_000;
    const t = h.accounts.createToken({ token: "abc-123", usesAllowed: 2, expiryTime: expiry });
    expect(t).toMatchObject({ token: "abc-123", usesAllowed: 2, expiryTime: expiry });
    await rejects(() => h.accounts.createToken({ token: "abc-123" }), "M_INVALID_PARAM");
    await rejects(() => h.accounts.createToken({ token: "no spaces" }), "M_INVALID_PARAM");
    await rejects(() => h.accounts.createToken({ usesAllowed: -1 }), "M_INVALID_PARAM");
    await rejects(() => h.accounts.createToken({ expiryTime: h.clock.now() - 1 }), "M_INVALID_PARAM");
    expect(h.accounts.listTokens()).toHaveLength(1);
  });

  test("a token expires with the clock, and listTokens filters by validity", () => {
    const h = accountHarness();
    h.accounts.createToken({ token: "soon", expiryTime: h.clock.now() + 1000 });
    h.accounts.createToken({ token: "forever" });
    h.clock.advance(1000);
    expect(h.accounts.isTokenValid("soon")).toBe(false);
    expect(h.accounts.listTokens({ valid: true }).map((t) => t.token)).toEqual(["forever"]);
    expect(h.accounts.listTokens({ valid: false }).map((t) => t.token)).toEqual(["soon"]);
  });

  test("a token with uses_allowed 0 is never valid; updateToken changes it", async () => {
    const h = accountHarness();
    h.accounts.createToken({ token: "zero", usesAllowed: 0 });
    expect(h.accounts.isTokenValid("zero")).toBe(false);
    expect(h.accounts.updateToken("zero", { usesAllowed: 1 }).usesAllowed).toBe(1);
    expect(h.accounts.isTokenValid("zero")).toBe(true);
    await rejects(() => h.accounts.updateToken("nope", { usesAllowed: 1 }), "M_NOT_FOUND");
  });

  test("revokeToken deletes it", () => {
    const h = accountHarness();
    h.accounts.createToken({ token: "gone" });
    expect(h.accounts.revokeToken("gone")).toBe(true);
    expect(h.accounts.revokeToken("gone")).toBe(false);
    expect(h.accounts.isTokenValid("gone")).toBe(false);
    expect(h.accounts.getToken("gone")).toBeNull();
  });
});

describe("session issuer", () => {
  test("issue creates a device and a token; reusing the device ID revokes its old tokens", async () => {
    const h = accountHarness();
    const u = await h.accounts.createUser({ localpart: "ivy", password: null });
    const s1 = h.sessions.issue(u.userId, { deviceId: "MYDEVICE", displayName: "Phone" });
    expect(s1.deviceId).toBe("MYDEVICE");
    expect(s1.refreshToken).toBeUndefined();
    const s2 = h.sessions.issue(u.userId, { deviceId: "MYDEVICE", displayName: "Ignored" });
    expect(s2.accessToken).not.toBe(s1.accessToken);
    expect(h.db.sqlite.query("SELECT * FROM access_tokens").all()).toHaveLength(1);
    const dev = h.db.sqlite.query<{ display_name: string }, []>("SELECT display_name FROM devices").get();
    expect(dev?.display_name).toBe("Phone");
  });

  test("refresh rotates: the old access token stops at once, the old refresh token once the new pair is used", async () => {
    const h = accountHarness();
    const u = await h.accounts.createUser({ localpart: "jack", password: null });
    const count = (table: string) =>
      h.db.sqlite.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table}`).get()?.n ?? 0;
    const s1 = h.sessions.issue(u.userId, { refreshToken: true });
    expect(s1.refreshToken).toBeString();
    expect(s1.expiresInMs).toBe(3_600_000);
    const s2 = h.sessions.refresh(s1.refreshToken!);
    expect(s2.deviceId).toBe(s1.deviceId);
    expect(s2.refreshToken).not.toBe(s1.refreshToken);
    expect(count("access_tokens")).toBe(1); // s1's access token is gone

    // The answer to that refresh was "lost": the client retries with s1's refresh token.
    const s3 = h.sessions.refresh(s1.refreshToken!);
    expect(count("access_tokens")).toBe(1); // s2's pair was withdrawn
    expect(count("refresh_tokens")).toBe(2); // s1's and s3's
    await rejects(() => h.sessions.refresh(s2.refreshToken!), "M_UNKNOWN_TOKEN");

    // Using the new pair (here: refreshing with it) retires s1's refresh token.
    const s4 = h.sessions.refresh(s3.refreshToken!);
    await rejects(() => h.sessions.refresh(s1.refreshToken!), "M_UNKNOWN_TOKEN");
    expect(s4.accessToken).toBeString();
    expect(count("refresh_tokens")).toBe(2); // s3's (until s4 is used) and s4's
  });

  test("refresh tokens are not issued when config.auth.refresh_tokens is false", async () => {
    const h = accountHarness({ auth: { refresh_tokens: false, argon2_memory_kib: 1024, argon2_iterations: 1 } });
    const u = await h.accounts.createUser({ localpart: "kim", password: null });
    const s = h.sessions.issue(u.userId, { refreshToken: true });
    expect(s.refreshToken).toBeUndefined();
    expect(s.expiresInMs).toBeUndefined();
  });
});
