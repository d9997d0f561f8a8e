/** Helpers for the /sync suites: calls with typed answers, and finders over a sync response. */
import { expect } from "bun:test";
import { call } from "../helpers/client";
import type { TestServer } from "../helpers/test-server";
import type { TestUser } from "../helpers/users";

export const enc = encodeURIComponent;

export interface Ev {
  type: string;
  event_id?: string;
  sender?: string;
  state_key?: string;
  content: Record<string, unknown>;
  unsigned?: Record<string, unknown>;
  [k: string]: unknown;
}
export interface Batch {
  events: Ev[];
}
export interface JoinedRoom {
  summary?: Record<string, unknown>;
  state: Batch;
  timeline: Batch & { limited: boolean; prev_batch?: string };
  ephemeral: Batch;
  account_data: Batch;
  unread_notifications?: { highlight_count: number; notification_count: number };
  unread_thread_notifications?: Record<string, { highlight_count: number; notification_count: number }>;
}
export interface SyncBody {
  next_batch: string;
  rooms: {
    join: Record<string, JoinedRoom>;
    invite: Record<string, { invite_state: Batch }>;
    leave: Record<string, { state: Batch; timeline: Batch & { limited: boolean }; account_data: Batch }>;
    knock: Record<string, { knock_state: Batch }>;
  };
  presence: Batch;
  account_data: Batch;
  to_device?: Batch;
  device_lists?: { changed: string[]; left: string[] };
  device_one_time_keys_count?: Record<string, number>;
}

export function syncPath(params: Record<string, string | number | boolean | object | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    q.set(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  }
  const s = q.toString();
  return `/_matrix/client/v3/sync${s ? `?${s}` : ""}`;
}

/** GET /sync; fails the test unless it answers 200. */
export async function sync(
  hs: TestServer,
  user: TestUser,
  params: Record<string, string | number | boolean | object | undefined> = {},
): Promise<SyncBody> {
  const r = await call<SyncBody>(hs, "GET", syncPath(params), { token: user.accessToken });
  if (r.status !== 200) throw new Error(`sync failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export async function createRoom(hs: TestServer, user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const r = await call<{ room_id: string }>(hs, "POST", "/_matrix/client/v3/createRoom", {
    token: user.accessToken,
    body,
  });
  expect(r.status).toBe(200);
  return r.body.room_id;
}

let txn = 0;
export async function send(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  content: Record<string, unknown>,
  type = "m.room.message",
): Promise<string> {
  const r = await call<{ event_id: string }>(
    hs,
    "PUT",
    `/_matrix/client/v3/rooms/${enc(roomId)}/send/${enc(type)}/t${++txn}`,
    { token: user.accessToken, body: content },
  );
  if (r.status !== 200) throw new Error(`send failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.event_id;
}

export const text = (hs: TestServer, user: TestUser, roomId: string, body: string) =>
  send(hs, user, roomId, { msgtype: "m.text", body });

export async function setState(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  type: string,
  stateKey: string,
  content: Record<string, unknown>,
): Promise<string> {
  const r = await call<{ event_id: string }>(
    hs,
    "PUT",
    `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}${stateKey === "" ? "" : `/${enc(stateKey)}`}`,
    { token: user.accessToken, body: content },
  );
  if (r.status !== 200) throw new Error(`state failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.event_id;
}

/** POST /rooms/{roomId}/{action} (join, leave, invite, kick, ban, unban, knock, forget). */
export async function member(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  action: string,
  body: Record<string, unknown> = {},
): Promise<void> {
  const path =
    action === "knock"
      ? `/_matrix/client/v3/knock/${enc(roomId)}`
      : `/_matrix/client/v3/rooms/${enc(roomId)}/${action}`;
  const r = await call(hs, "POST", path, { token: user.accessToken, body });
  if (r.status !== 200) throw new Error(`${action} failed: ${r.status} ${JSON.stringify(r.body)}`);
}

export const bodies = (b: Batch | undefined) =>
  (b?.events ?? []).filter((e) => e.type === "m.room.message").map((e) => e.content.body as string);
export const types = (b: Batch | undefined) => (b?.events ?? []).map((e) => e.type);
export const stateKeys = (b: Batch | undefined, type: string) =>
  (b?.events ?? []).filter((e) => e.type === type).map((e) => e.state_key);
