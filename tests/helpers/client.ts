/**
 * Small typed helpers over the client API for tests: register and log in through the real
 * endpoints. Use `FAST_PASSWORD_HASHING` in a test server's config so argon2id costs milliseconds.
 */
import type { TestServer } from "./test-server";

/** Config fragment: the cheapest argon2id parameters the config accepts (tests only). */
export const FAST_PASSWORD_HASHING = { auth: { argon2_memory_kib: 1024, argon2_iterations: 1 } } as const;

export interface Session {
  userId: string;
  deviceId: string;
  accessToken: string;
  refreshToken?: string;
  expiresInMs?: number;
}

export interface MatrixErrorBody {
  errcode: string;
  error: string;
  [k: string]: unknown;
}

/** Sends a request and returns status and parsed JSON body. */
export async function call<T = Record<string, unknown>>(
  hs: TestServer,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: T }> {
  const res = await hs.request(method, path, opts);
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

function fail(what: string, r: { status: number; body: unknown }): never {
  throw new Error(`${what} failed: ${r.status} ${JSON.stringify(r.body)}`);
}

/**
 * Registers through POST /register (open mode: m.login.dummy; pass `registrationToken` in token
 * mode), completing user-interactive auth in one request.
 */
export async function register(
  hs: TestServer,
  username: string,
  password = "correct-horse-battery",
  opts: { registrationToken?: string; deviceId?: string; deviceName?: string; refreshToken?: boolean } = {},
): Promise<Session> {
  const auth = opts.registrationToken
    ? { type: "m.login.registration_token", token: opts.registrationToken }
    : { type: "m.login.dummy" };
  const r = await call<Record<string, unknown>>(hs, "POST", "/_matrix/client/v3/register", {
    body: {
      username,
      password,
      auth,
      ...(opts.deviceId ? { device_id: opts.deviceId } : {}),
      ...(opts.deviceName ? { initial_device_display_name: opts.deviceName } : {}),
      ...(opts.refreshToken ? { refresh_token: true } : {}),
    },
  });
  if (r.status !== 200) fail("register", r);
  return toSession(r.body);
}

/** Logs in with m.login.password and an m.id.user identifier. */
export async function login(
  hs: TestServer,
  user: string,
  password = "correct-horse-battery",
  opts: { deviceId?: string; deviceName?: string; refreshToken?: boolean } = {},
): Promise<Session> {
  const r = await call<Record<string, unknown>>(hs, "POST", "/_matrix/client/v3/login", {
    body: {
      type: "m.login.password",
      identifier: { type: "m.id.user", user },
      password,
      ...(opts.deviceId ? { device_id: opts.deviceId } : {}),
      ...(opts.deviceName ? { initial_device_display_name: opts.deviceName } : {}),
      ...(opts.refreshToken ? { refresh_token: true } : {}),
    },
  });
  if (r.status !== 200) fail("login", r);
  return toSession(r.body);
}

/** An m.login.password UIA `auth` object for `user`. */
export function passwordAuth(user: string, password = "correct-horse-battery", session?: string) {
  return {
    type: "m.login.password",
    identifier: { type: "m.id.user", user },
    password,
    ...(session ? { session } : {}),
  };
}

function toSession(b: Record<string, unknown>): Session {
  return {
    userId: b.user_id as string,
    deviceId: b.device_id as string,
    accessToken: b.access_token as string,
    ...(typeof b.refresh_token === "string" ? { refreshToken: b.refresh_token } : {}),
    ...(typeof b.expires_in_ms === "number" ? { expiresInMs: b.expires_in_ms } : {}),
  };
}
