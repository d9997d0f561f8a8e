import { afterEach, describe, expect, test } from "bun:test";
import { formatSyncToken, ZERO_TOKEN } from "../../../src/services/sync/token";
import { call, FAST_PASSWORD_HASHING, login, type MatrixErrorBody, register, type Session } from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { crossSigningUpload, makeCrossSigning, makeDevice } from "./fixtures";

let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}

async function createRoom(s: TestServer, who: Session): Promise<string> {
  const r = await call<{ room_id: string }>(s, "POST", "/_matrix/client/v3/createRoom", {
    token: who.accessToken,
    body: { preset: "public_chat" },
  });
  expect(r.status).toBe(200);
  return r.body.room_id;
}
async function membership(s: TestServer, who: Session, roomId: string, action: "join" | "leave") {
  const r = await call(s, "POST", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/${action}`, {
    token: who.accessToken,
    body: {},
  });
  expect(r.status).toBe(200);
}
const token = (s: TestServer) =>
  formatSyncToken({ ...ZERO_TOKEN, deviceLists: s.server.services.e2ee.currentPositions().deviceLists });
const changes = (s: TestServer, who: Session, from: string, to?: string) =>
  call<{ changed: string[]; left: string[] } & Partial<MatrixErrorBody>>(
    s,
    "GET",
    `/_matrix/client/v3/keys/changes?from=${from}${to ? `&to=${to}` : ""}`,
    { token: who.accessToken },
  );
const uploadKeys = (s: TestServer, who: Session) =>
  call(s, "POST", "/_matrix/client/v3/keys/upload", {
    token: who.accessToken,
    body: { device_keys: makeDevice(who.userId, who.deviceId).deviceKeys },
  });

describe("device lists", () => {
  test("users who share a room hear of new keys, new devices, deleted devices and cross-signing keys; others do not", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    const carol = await register(s, "carol");
    const room = await createRoom(s, alice);
    await membership(s, bob, room, "join");

    let from = token(s);
    await uploadKeys(s, bob);
    expect((await changes(s, alice, from)).body).toEqual({ changed: [bob.userId], left: [] });
    expect((await changes(s, carol, from)).body).toEqual({ changed: [], left: [] });
    // Bob himself hears of his own change too (his other devices need it).
    expect((await changes(s, bob, from)).body.changed).toEqual([bob.userId]);
    // Nothing since now.
    expect((await changes(s, alice, token(s))).body).toEqual({ changed: [], left: [] });

    for (const act of [
      async () => login(s, "bob", undefined, { deviceId: "NEWDEVICE" }),
      async () => s.server.services.devices.deleteDevices(bob.userId, ["NEWDEVICE"]),
      async () =>
        call(s, "POST", "/_matrix/client/v3/keys/device_signing/upload", {
          token: bob.accessToken,
          body: crossSigningUpload(makeCrossSigning(bob.userId)),
        }),
    ]) {
      from = token(s);
      await act();
      expect((await changes(s, alice, from)).body.changed).toEqual([bob.userId]);
    }
  });

  test("users who start sharing a room are changed; users who stop sharing every room are left", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    const room1 = await createRoom(s, alice);
    const room2 = await createRoom(s, alice);

    let from = token(s);
    await membership(s, bob, room1, "join");
    expect((await changes(s, alice, from)).body).toEqual({ changed: [bob.userId], left: [] });
    expect((await changes(s, bob, from)).body).toEqual({ changed: [alice.userId], left: [] });

    // Joining a second shared room; then leaving one of two: still sharing, nobody left.
    await membership(s, bob, room2, "join");
    from = token(s);
    await membership(s, bob, room1, "leave");
    expect((await changes(s, alice, from)).body.left).toEqual([]);
    expect((await changes(s, bob, from)).body.left).toEqual([]);

    // Leaving the last shared room: both sides see the other in `left`.
    from = token(s);
    await membership(s, bob, room2, "leave");
    expect((await changes(s, alice, from)).body).toEqual({ changed: [], left: [bob.userId] });
    expect((await changes(s, bob, from)).body).toEqual({ changed: [], left: [alice.userId] });

    // Keys changed after leaving reach nobody who no longer shares a room.
    from = token(s);
    await uploadKeys(s, bob);
    expect((await changes(s, alice, from)).body).toEqual({ changed: [], left: [] });
  });

  test("a profile change (join to join) is not a device-list change", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    const room = await createRoom(s, alice);
    await membership(s, bob, room, "join");
    const from = token(s);
    const r = await call(s, "PUT", `/_matrix/client/v3/profile/${encodeURIComponent(bob.userId)}/displayname`, {
      token: bob.accessToken,
      body: { displayname: "Bobby" },
    });
    expect(r.status).toBe(200);
    expect((await changes(s, alice, from)).body).toEqual({ changed: [], left: [] });
  });

  test("a change wakes the syncs of users sharing a room", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    const room = await createRoom(s, alice);
    await membership(s, bob, room, "join");
    const woke = s.server.services.notifier.wait(alice.userId, 60_000);
    await uploadKeys(s, bob);
    expect(await woke).toBe("notified");
  });

  test("malformed tokens are refused", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    for (const q of ["from=nope", "from=s1_2", `from=${token(s)}&to=bad`]) {
      const r = await call<MatrixErrorBody>(s, "GET", `/_matrix/client/v3/keys/changes?${q}`, {
        token: alice.accessToken,
      });
      expect({ q, status: r.status, errcode: r.body.errcode }).toEqual({ q, status: 400, errcode: "M_INVALID_PARAM" });
    }
    const none = await call<MatrixErrorBody>(s, "GET", "/_matrix/client/v3/keys/changes", { token: alice.accessToken });
    expect(none.status).toBe(400);
  });
});
