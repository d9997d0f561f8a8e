/** Helpers for the push tests: rooms and messages over the client API, and a fake push gateway. */
import type { TestServer } from "../helpers/test-server";
import type { TestUser } from "../helpers/users";

export const enc = encodeURIComponent;
let txn = 0;

export async function ok<T = Record<string, unknown>>(
  hs: TestServer,
  user: TestUser,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await hs.request(method, path, { token: user.accessToken, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export async function setDisplayName(hs: TestServer, user: TestUser, name: string): Promise<void> {
  await ok(hs, user, "PUT", `/_matrix/client/v3/profile/${enc(user.userId)}/displayname`, { displayname: name });
}

/** Creates a room and joins every other user to it (invited first when the room is private). */
export async function roomWith(
  hs: TestServer,
  creator: TestUser,
  others: TestUser[],
  body: Record<string, unknown> = { preset: "public_chat" },
): Promise<string> {
  const { room_id } = await ok<{ room_id: string }>(hs, creator, "POST", "/_matrix/client/v3/createRoom", body);
  for (const u of others) {
    if (body.preset !== "public_chat") {
      await ok(hs, creator, "POST", `/_matrix/client/v3/rooms/${enc(room_id)}/invite`, { user_id: u.userId });
    }
    await ok(hs, u, "POST", `/_matrix/client/v3/join/${enc(room_id)}`, {});
  }
  return room_id;
}

export async function send(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  content: Record<string, unknown>,
  type = "m.room.message",
): Promise<string> {
  const out = await ok<{ event_id: string }>(
    hs,
    user,
    "PUT",
    `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/t${++txn}`,
    content,
  );
  return out.event_id;
}

export async function receipt(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  eventId: string,
  threadId?: string,
): Promise<void> {
  await ok(
    hs,
    user,
    "POST",
    `/_matrix/client/v3/rooms/${enc(roomId)}/receipt/m.read/${enc(eventId)}`,
    threadId !== undefined ? { thread_id: threadId } : {},
  );
}

/** Polls `cond` until it is true (fails after `ms`); for background work, never to measure time. */
export async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(5);
  }
}

export interface GatewayRequest {
  path: string;
  body: { notification: Record<string, unknown> & { devices: Record<string, unknown>[] } };
}

/**
 * A push gateway on 127.0.0.1: records every request and answers with the next scripted answer
 * (status and body), or 200 `{ rejected: [] }` when the script is empty.
 */
export interface FakeGateway {
  url: string;
  requests: GatewayRequest[];
  script: { status: number; body?: unknown }[];
  stop(): void;
}

export function startFakeGateway(): FakeGateway {
  const requests: GatewayRequest[] = [];
  const script: { status: number; body?: unknown }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      requests.push({ path: new URL(req.url).pathname, body: (await req.json()) as GatewayRequest["body"] });
      const next = script.shift() ?? { status: 200, body: { rejected: [] } };
      return Response.json(next.body ?? {}, { status: next.status });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/_matrix/push/v1/notify`,
    requests,
    script,
    stop: () => server.stop(true),
  };
}

/** Config for test servers that may deliver to a gateway on loopback, with fast retries. */
export const PUSH_TEST_CONFIG = {
  push: { allow_http: true, ip_allowlist: ["127.0.0.1/32"], max_backoff_ms: 20 },
} as const;

export function pusherBody(url: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    kind: "http",
    app_id: "org.example.app.ios",
    pushkey: "PUSHKEY-1",
    app_display_name: "Example",
    device_display_name: "Phone",
    lang: "en",
    data: { url, custom: "kept" },
    ...over,
  };
}
