/**
 * Test-only shortcut: creates a user with a device and an access token straight in the database, for
 * suites that need a logged-in user but do not test registration. Registration tests use the API.
 */
import { hashToken } from "../../src/services/auth/auth-service";
import { randomToken } from "../../src/util/random";
import type { TestServer } from "./test-server";

export interface TestUser {
  userId: string;
  deviceId: string;
  accessToken: string;
}

export function createUserDirect(hs: TestServer, localpart: string, opts: { admin?: boolean } = {}): TestUser {
  const db = hs.server.db.sqlite;
  const userId = `@${localpart}:${hs.server.services.config.server_name}`;
  const deviceId = `DEV${localpart.toUpperCase()}`.slice(0, 10);
  const accessToken = randomToken();
  const now = Date.now();
  db.query("INSERT INTO users (user_id, localpart, is_admin, created_at) VALUES (?, ?, ?, ?)").run(
    userId,
    localpart,
    opts.admin ? 1 : 0,
    now,
  );
  db.query("INSERT INTO devices (user_id, device_id, created_at) VALUES (?, ?, ?)").run(userId, deviceId, now);
  db.query("INSERT INTO access_tokens (token_hash, user_id, device_id, created_at) VALUES (?, ?, ?, ?)").run(
    hashToken(accessToken),
    userId,
    deviceId,
    now,
  );
  return { userId, deviceId, accessToken };
}
