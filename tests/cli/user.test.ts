import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { loadConfigFile } from "../../src/config/load";
import { createServer, type Server } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import { initServer, runCli, tempDir } from "./harness";

// One homeserver for the file, running (as `homeserver run` would) while the CLI changes its database
// from another connection.
const dir = tempDir();
let live: Server;
beforeAll(async () => {
  await initServer(dir.path);
  await Bun.write(join(dir.path, "pw"), "bob's password\n");
  await Bun.write(join(dir.path, "pw2"), "a new password\n");
  const loaded = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
  live = createServer(loaded.config, { dataDir: loaded.dataDir, logger: silentLogger });
  live.listen("127.0.0.1", 0);
});
afterAll(async () => {
  await live.stop();
  dir.cleanup();
});
const cli = (...argv: string[]) => runCli(argv, { cwd: dir.path });
const accounts = () => live.services.accounts;

describe("user add", () => {
  test("creates the account while the server runs; the server sees it at once", async () => {
    const r = await cli("user", "add", "bob", "--password-file", "pw", "--display-name", "Bob B.");
    expect(r.code).toBe(0);
    expect(r.out).toBe("Created @bob:hs.test.\n");
    const bob = accounts().getUser("@bob:hs.test");
    expect(bob).toMatchObject({ isAdmin: false, deactivated: false, displayname: "Bob B." });
    expect(await accounts().checkPassword("@bob:hs.test", "bob's password")).toBe(true);
  });

  test("--admin and a full user ID", async () => {
    const r = await runCli(["user", "add", "@carol:hs.test", "--admin", "--password-file", "-"], {
      cwd: dir.path,
      stdin: "carol's password\n",
    });
    expect(r.code).toBe(0);
    expect(r.out).toBe("Created @carol:hs.test (admin).\n");
    expect(accounts().getUser("@carol:hs.test")?.isAdmin).toBe(true);
  });

  test("asks for the password twice at a terminal", async () => {
    const r = await runCli(["user", "add", "dave"], { cwd: dir.path, answers: ["dave's password", "dave's password"] });
    expect(r.code).toBe(0);
    expect(r.questions).toEqual(["Password: ", "Password (again): "]);
    expect(await accounts().checkPassword("@dave:hs.test", "dave's password")).toBe(true);
  });

  const refused: [string, string[], string][] = [
    ["a taken name", ["bob", "--password-file", "pw"], "The user ID is already taken"],
    ["capital letters", ["Eve", "--password-file", "pw"], "The username may contain only"],
    ["a user ID on another server", ["@eve:elsewhere.test", "--password-file", "pw"], "is not a user ID on hs.test"],
    ["a short password", ["eve", "--password-file", "-"], "at least 8 characters"],
  ];
  for (const [name, args, message] of refused) {
    test(`refuses ${name} (exit 1) and creates nothing`, async () => {
      const before = accounts().listUsers({ deactivated: true }).total;
      const r = await runCli(["user", "add", ...args], { cwd: dir.path, stdin: "short\n" });
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
      expect(accounts().listUsers({ deactivated: true }).total).toBe(before);
    });
  }

  test("the name is checked before the password is asked for", async () => {
    const r = await runCli(["user", "add", "bob"], { cwd: dir.path, answers: ["x", "x"] });
    expect(r.code).toBe(1);
    expect(r.questions).toEqual([]);
  });
});

describe("user list", () => {
  test("lists accounts with their flags", async () => {
    const r = await cli("user", "list");
    expect(r.code).toBe(0);
    const lines = r.out.trim().split("\n");
    expect(lines[0]).toMatch(/^USER\s+ADMIN\s+GUEST\s+DEACTIVATED\s+CREATED$/);
    expect(lines.find((l) => l.startsWith("@alice:hs.test"))).toMatch(
      /^@alice:hs\.test\s+yes\s+no\s+no\s+\d{4}-\d\d-\d\d$/,
    );
    expect(lines.find((l) => l.startsWith("@bob:hs.test"))).toMatch(/^@bob:hs\.test\s+no\s+no\s+no/);
  });

  test("--admins lists only admins", async () => {
    const r = await cli("user", "list", "--admins");
    expect(r.out).toContain("@alice:hs.test");
    expect(r.out).not.toContain("@bob:hs.test");
  });
});

describe("user passwd, make-admin, deactivate", () => {
  test("passwd sets the password and logs out the account's devices", async () => {
    const session = live.services.sessions.issue("@bob:hs.test", { displayName: "phone" });
    const r = await cli("user", "passwd", "bob", "--password-file", "pw2");
    expect(r.code).toBe(0);
    expect(r.out).toContain("its devices were logged out");
    expect(await accounts().checkPassword("@bob:hs.test", "a new password")).toBe(true);
    expect(await accounts().checkPassword("@bob:hs.test", "bob's password")).toBe(false);
    expect(() => live.services.auth.authenticate(session.accessToken, { ip: "127.0.0.1", userAgent: "t" })).toThrow();
  });

  test("passwd --keep-sessions keeps the devices", async () => {
    const session = live.services.sessions.issue("@bob:hs.test", { displayName: "laptop" });
    const r = await cli("user", "passwd", "@bob:hs.test", "--password-file", "pw", "--keep-sessions");
    expect(r.code).toBe(0);
    expect(live.services.auth.authenticate(session.accessToken, { ip: "127.0.0.1", userAgent: "t" }).userId).toBe(
      "@bob:hs.test",
    );
  });

  test("make-admin and --revoke", async () => {
    expect((await cli("user", "make-admin", "bob")).out).toBe("@bob:hs.test is now an admin.\n");
    expect(accounts().getUser("@bob:hs.test")?.isAdmin).toBe(true);
    expect((await cli("user", "make-admin", "bob", "--revoke")).out).toBe("@bob:hs.test is no longer an admin.\n");
    expect(accounts().getUser("@bob:hs.test")?.isAdmin).toBe(false);
  });

  test("deactivate: the account can no longer log in, and shows only with --deactivated", async () => {
    const session = live.services.sessions.issue("@dave:hs.test", {});
    const r = await cli("user", "deactivate", "dave");
    expect(r.code).toBe(0);
    expect(r.out).toBe("Deactivated @dave:hs.test.\n");
    expect(accounts().getUser("@dave:hs.test")?.deactivated).toBe(true);
    expect(await accounts().checkPassword("@dave:hs.test", "dave's password")).toBe(false);
    expect(() => live.services.auth.authenticate(session.accessToken, { ip: "127.0.0.1", userAgent: "t" })).toThrow();
    expect((await cli("user", "list")).out).not.toContain("@dave:hs.test");
    expect((await cli("user", "list", "--deactivated")).out).toMatch(/@dave:hs\.test\s+no\s+no\s+yes/);
  });

  const failures: [string, string[], string][] = [
    ["passwd of an unknown user", ["passwd", "nobody", "--password-file", "pw"], "no such user: @nobody:hs.test"],
    ["passwd of a deactivated user", ["passwd", "dave", "--password-file", "pw"], "@dave:hs.test is deactivated"],
    ["deactivate twice", ["deactivate", "dave"], "already deactivated"],
    ["make-admin of an unknown user", ["make-admin", "nobody"], "no such user"],
    ["a user of another server", ["deactivate", "@bob:elsewhere.test"], "is not a user on hs.test"],
  ];
  for (const [name, args, message] of failures) {
    test(`${name}: exit 1 with a clear message`, async () => {
      const r = await cli("user", ...args);
      expect(r.code).toBe(1);
      expect(r.err).toContain(message);
    });
  }
});
