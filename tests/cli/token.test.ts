import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { parseExpiry } from "../../src/cli/token";
import { loadConfigFile } from "../../src/config/load";
import { createServer, type Server } from "../../src/server";
import { silentLogger } from "../../src/util/log";
import { initServer, runCli, tempDir } from "./harness";

const dir = tempDir();
let live: Server;
beforeAll(async () => {
  await initServer(dir.path, ["--registration", "token"]);
  const loaded = await loadConfigFile(join(dir.path, "homeserver.toml"), {});
  live = createServer(loaded.config, { dataDir: loaded.dataDir, logger: silentLogger });
});
afterAll(async () => {
  await live.stop();
  dir.cleanup();
});
const cli = (...argv: string[]) => runCli(argv, { cwd: dir.path });

describe("token create", () => {
  test("prints a random 16-character token the running server accepts", async () => {
    const r = await cli("token", "create");
    expect(r.code).toBe(0);
    const token = r.out.trim();
    expect(token).toMatch(/^[A-Za-z0-9._~-]{16}$/);
    expect(r.err).toContain("unlimited uses, never expires");
    expect(live.services.accounts.isTokenValid(token)).toBe(true);
  });

  test("--uses, --expires and --token are recorded", async () => {
    const before = Date.now();
    const r = await cli("token", "create", "--uses", "3", "--expires", "7d", "--token", "friends-2030");
    expect(r.code).toBe(0);
    expect(r.out).toBe("friends-2030\n");
    const t = live.services.accounts.getToken("friends-2030")!;
    expect(t.usesAllowed).toBe(3);
    expect(t.expiryTime! - before).toBeGreaterThanOrEqual(7 * 86_400_000);
    expect(t.expiryTime! - before).toBeLessThan(7 * 86_400_000 + 60_000);
  });

  test("--length sets the random token's length", async () => {
    expect((await cli("token", "create", "--length", "40")).out.trim()).toHaveLength(40);
  });

  test("a token that exists, or with characters outside the grammar, is refused", async () => {
    const dup = await cli("token", "create", "--token", "friends-2030");
    expect(dup.code).toBe(1);
    expect(dup.err).toContain("Token already exists");
    const bad = await cli("token", "create", "--token", "has space");
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("1-64 characters");
  });

  test("--expires in the past is a usage error", async () => {
    const r = await cli("token", "create", "--expires", "2001-01-01");
    expect(r.code).toBe(2);
    expect(r.err).toContain("is in the past");
  });
});

describe("token list and revoke", () => {
  test("list shows every token with its uses and expiry", async () => {
    const r = await cli("token", "list");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^TOKEN\s+VALID\s+COMPLETED\s+PENDING\s+ALLOWED\s+EXPIRES\n/);
    expect(r.out).toMatch(/friends-2030\s+yes\s+0\s+0\s+3\s+\d{4}-\d\d-\d\dT/);
  });

  test("revoke deletes the token; the server no longer accepts it", async () => {
    const r = await cli("token", "revoke", "friends-2030");
    expect(r.code).toBe(0);
    expect(live.services.accounts.isTokenValid("friends-2030")).toBe(false);
    expect((await cli("token", "list")).out).not.toContain("friends-2030");
    const again = await cli("token", "revoke", "friends-2030");
    expect(again.code).toBe(1);
    expect(again.err).toContain("no such registration token: friends-2030");
  });
});

describe("parseExpiry", () => {
  const now = Date.UTC(2030, 0, 1);
  test("durations", () => {
    expect(parseExpiry("30m", now)).toBe(now + 30 * 60_000);
    expect(parseExpiry("12h", now)).toBe(now + 12 * 3_600_000);
    expect(parseExpiry("2w", now)).toBe(now + 14 * 86_400_000);
  });
  test("dates", () => {
    expect(parseExpiry("2030-02-01", now)).toBe(Date.UTC(2030, 1, 1));
    expect(parseExpiry("2030-02-01T12:00:00Z", now)).toBe(Date.UTC(2030, 1, 1, 12));
  });
  test("anything else is refused", () => {
    for (const bad of ["tomorrow", "7", "7y", "-1d", "2030-13-45"]) expect(() => parseExpiry(bad, now)).toThrow();
  });
});
