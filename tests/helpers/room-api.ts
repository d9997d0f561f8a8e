/** Small room helpers over the client API for tests (create a room, send state, join, read state). */
import { expect } from "bun:test";
import { call } from "./client";
import type { TestServer } from "./test-server";
import type { TestUser } from "./users";

export const enc = encodeURIComponent;

/** The state path; an empty state key leaves its segment out (the spec allows both forms). */
export function statePath(roomId: string, type: string, stateKey: string): string {
  const base = `/_matrix/client/v3/rooms/${enc(roomId)}/state/${enc(type)}`;
  return stateKey === "" ? base : `${base}/${enc(stateKey)}`;
}

export async function createRoom(hs: TestServer, user: TestUser, body: Record<string, unknown> = {}): Promise<string> {
  const r = await call<{ room_id: string }>(hs, "POST", "/_matrix/client/v3/createRoom", {
    token: user.accessToken,
    body,
  });
  expect(r.status).toBe(200);
  return r.body.room_id;
}

export async function putState(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  type: string,
  stateKey: string,
  content: Record<string, unknown>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(hs, "PUT", statePath(roomId, type, stateKey), {
    token: user.accessToken,
    body: content,
  });
}

export async function getState(
  hs: TestServer,
  user: TestUser,
  roomId: string,
  type: string,
  stateKey = "",
): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(hs, "GET", statePath(roomId, type, stateKey), {
    token: user.accessToken,
  });
}

export async function join(hs: TestServer, user: TestUser, roomIdOrAlias: string): Promise<number> {
  const r = await call(hs, "POST", `/_matrix/client/v3/join/${enc(roomIdOrAlias)}`, {
    token: user.accessToken,
    body: {},
  });
  return r.status;
}

export async function invite(hs: TestServer, user: TestUser, roomId: string, target: string): Promise<void> {
  const r = await call(hs, "POST", `/_matrix/client/v3/rooms/${enc(roomId)}/invite`, {
    token: user.accessToken,
    body: { user_id: target },
  });
  expect(r.status).toBe(200);
}

export async function sendMessage(hs: TestServer, user: TestUser, roomId: string, body: string): Promise<string> {
  const r = await call<{ event_id: string }>(
    hs,
    "PUT",
    `/_matrix/client/v3/rooms/${enc(roomId)}/send/m.room.message/${enc(`t${Math.random()}`)}`,
    { token: user.accessToken, body: { msgtype: "m.text", body } },
  );
  expect(r.status).toBe(200);
  return r.body.event_id;
}

/** Row counts of the room tables, to check that a refused request changed nothing. */
export function roomTableCounts(hs: TestServer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of ["rooms", "events", "room_aliases", "room_memberships", "current_state", "reports"]) {
    out[t] = hs.server.db.sqlite.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${t}`).get()!.n;
  }
  out.public = hs.server.db.sqlite
    .query<{ n: number }, []>("SELECT count(*) AS n FROM rooms WHERE is_public = 1")
    .get()!.n;
  return out;
}
