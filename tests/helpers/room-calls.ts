/** Raw HTTP helpers for room tests: create, join, send, state, and reads returning status + JSON. */
import { expect } from "bun:test";
import type { TestServer } from "./test-server";
import type { TestUser } from "./users";

export interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** Client-format event as the tests read it. */
export interface Ev {
  event_id: string;
  type: string;
  sender: string;
  state_key?: string;
  origin_server_ts: number;
  content: Record<string, unknown>;
  unsigned?: Record<string, unknown>;
}

let txn = 0;

export const enc = encodeURIComponent;

export async function call<T = Record<string, unknown>>(
  hs: TestServer,
  user: TestUser | null,
  method: string,
  path: string,
  body?: unknown,
): Promise<Reply<T>> {
  const res = await hs.request(method, path, {
    ...(user ? { token: user.accessToken } : {}),
    ...(body !== undefined ? { body } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

export async function ok<T = Record<string, unknown>>(
  hs: TestServer,
  user: TestUser,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const r = await call<T>(hs, user, method, path, body);
  if (r.status !== 200) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function createRoom(hs: TestServer, user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const out = await ok<{ room_id: string }>(hs, user, "POST", "/_matrix/client/v3/createRoom", body);
  expect(out.room_id).toStartWith("!");
  return out.room_id;
}

export async function send(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  content: Record<string, unknown>,
  type = "m.room.message",
): Promise<string> {
  txn++;
  const out = await ok<{ event_id: string }>(
    hs,
    user,
    "PUT",
    `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/txn${txn}`,
    content,
  );
  return out.event_id;
}

export const text = (body: string, extra: Record<string, unknown> = {}) => ({ msgtype: "m.text", body, ...extra });

export async function setState(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  type: string,
  stateKey: string,
  content: Record<string, unknown>,
): Promise<string> {
  const out = await ok<{ event_id: string }>(
    hs,
    user,
    "PUT",
    `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}${stateKey === "" ? "" : `/${enc(stateKey)}`}`,
    content,
  );
  return out.event_id;
}

export async function join(hs: TestServer, user: TestUser, roomId: string): Promise<void> {
  await ok(hs, user, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/join`, {});
}

export async function invite(hs: TestServer, by: TestUser, roomId: string, userId: string): Promise<void> {
  await ok(hs, by, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, { user_id: userId });
}

export async function leave(hs: TestServer, user: TestUser, roomId: string): Promise<void> {
  await ok(hs, user, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/leave`, {});
}

export async function redact(hs: TestServer, user: TestUser, roomId: string, eventId: string): Promise<string> {
  txn++;
  const out = await ok<{ event_id: string }>(
    hs,
    user,
    "PUT",
    `/_matrix/client/v3/rooms/${enc(roomId)}/redact/${enc(eventId)}/rtxn${txn}`,
    {},
  );
  return out.event_id;
}

/** Counts the rows of every table (bad input must change nothing). */
export function tableCounts(hs: TestServer): Record<string, number> {
  // Background work that follows earlier writes (the search index) must not look like a change.
  while (hs.server.services.search.indexPending() > 0);
  const db = hs.server.db.sqlite;
  const tables = db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all();
  const out: Record<string, number> = {};
  for (const { name } of tables)
    out[name] = db.query<{ n: number }, []>(`SELECT count(*) AS n FROM "${name}"`).get()!.n;
  return out;
}

/** The body of each m.room.message in a chunk. */
export const bodies = (chunk: Ev[]) =>
  chunk.filter((e) => e.type === "m.room.message").map((e) => e.content.body as string);
