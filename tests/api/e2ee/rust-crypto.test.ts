/**
 * End-to-end encryption with the Rust crypto stack Element uses, against the real server over
 * HTTP: keys, claims, to-device room keys, encrypted messages, cross-signing, key backup.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, login, register, type Session } from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { OlmClient, sdk } from "./olm-client";

let hs: TestServer;
const clients: OlmClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await hs.stop();
});

async function server(): Promise<TestServer> {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}

async function client(s: TestServer, session: Session): Promise<OlmClient> {
  const c = await OlmClient.create(s, session);
  clients.push(c);
  await c.flush(); // device keys and one-time keys, then a query of its own keys
  await c.sync();
  return c;
}

/** An encrypted room with both users joined. */
async function encryptedRoom(s: TestServer, owner: Session, member: Session): Promise<string> {
  const r = await call<{ room_id: string }>(s, "POST", "/_matrix/client/v3/createRoom", {
    token: owner.accessToken,
    body: {
      preset: "private_chat",
      invite: [member.userId],
      initial_state: [{ type: "m.room.encryption", state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } }],
    },
  });
  expect(r.status).toBe(200);
  const j = await call(s, "POST", `/_matrix/client/v3/rooms/${encodeURIComponent(r.body.room_id)}/join`, {
    token: member.accessToken,
    body: {},
  });
  expect(j.status).toBe(200);
  return r.body.room_id;
}

describe("Rust crypto (matrix-sdk-crypto-wasm) against the server", () => {
  test("Alice sends an encrypted message, Bob decrypts it; Bob's second device restores it from key backup", async () => {
    const s = await server();
    const aliceSession = await register(s, "alice", undefined, { deviceId: "ALICEDEV" });
    const bobSession = await register(s, "bob", undefined, { deviceId: "BOBPHONE" });
    const alice = await client(s, aliceSession);
    const bob = await client(s, bobSession);
    // The clients keep a stock of one-time keys and a fallback key on the server.
    expect(s.server.services.e2ee.oneTimeKeyCounts(bob.userId, "BOBPHONE").signed_curve25519).toBeGreaterThan(0);
    expect(s.server.services.e2ee.unusedFallbackKeyTypes(bob.userId, "BOBPHONE")).toEqual(["signed_curve25519"]);
    const roomId = await encryptedRoom(s, aliceSession, bobSession);

    await alice.shareRoomKey(roomId, [bob.userId]);
    const eventId = await alice.sendEncrypted(roomId, "Hello Bob, this is secret", "m1");
    await bob.sync(); // receives the room key (an Olm-encrypted to-device message)
    expect(await bob.readEncrypted(roomId, eventId)).toBe("Hello Bob, this is secret");
    // The claimed one-time key is gone from Bob's stock until his client tops it up.
    expect(alice.sent).toContain("POST /_matrix/client/v3/keys/claim");

    // Bob backs up his room keys.
    const backupKey = sdk.BackupDecryptionKey.createRandomKey();
    const publicKey = backupKey.megolmV1PublicKey.publicKeyBase64;
    const created = JSON.parse(
      await bob.http(
        "POST",
        "/_matrix/client/v3/room_keys/version",
        JSON.stringify({ algorithm: "m.megolm_backup.v1.curve25519-aes-sha2", auth_data: { public_key: publicKey } }),
      ),
    ) as { version: string };
    await bob.machine.enableBackupV1(publicKey, created.version);
    const backup = await bob.machine.backupRoomKeys();
    expect(backup).toBeDefined();
    await bob.send(backup!);
    const info = JSON.parse(await bob.http("GET", "/_matrix/client/v3/room_keys/version")) as { count: number };
    expect(info.count).toBe(1);

    // Bob logs in on a new device, which never received the room key, and restores the backup.
    const laptopSession = await login(s, "bob", undefined, { deviceId: "BOBLAPTOP" });
    const laptop = await client(s, laptopSession);
    await expect(laptop.readEncrypted(roomId, eventId)).rejects.toThrow();
    const keys = JSON.parse(
      await laptop.http("GET", `/_matrix/client/v3/room_keys/keys?version=${created.version}`),
    ) as { rooms: Record<string, { sessions: Record<string, { session_data: Record<string, string> }> }> };
    const restored = new Map<sdk.RoomId, Map<string, unknown>>();
    for (const [room, { sessions }] of Object.entries(keys.rooms)) {
      const map = new Map<string, unknown>();
      for (const [sessionId, data] of Object.entries(sessions)) {
        const sd = data.session_data;
        map.set(sessionId, JSON.parse(backupKey.decryptV1(sd.ephemeral!, sd.mac!, sd.ciphertext!)));
      }
      restored.set(new sdk.RoomId(room), map);
    }
    const result = await laptop.machine.importBackedUpRoomKeys(restored, () => {}, created.version);
    expect(result.importedCount).toBe(1);
    expect(await laptop.readEncrypted(roomId, eventId)).toBe("Hello Bob, this is secret");
  }, 30_000);

  test("one-time keys run out: the claim returns the fallback key, the owner hears it was used", async () => {
    const s = await server();
    const bobSession = await register(s, "bob", undefined, { deviceId: "BOBPHONE" });
    const bob = await client(s, bobSession);
    const count = s.server.services.e2ee.oneTimeKeyCounts(bob.userId, "BOBPHONE").signed_curve25519!;
    // Other users' devices claim all of Bob's one-time keys, and one more.
    const claimer = await register(s, "claimer");
    const claimed: string[] = [];
    for (let i = 0; i <= count; i++) {
      const r = await call<{
        one_time_keys: Record<string, Record<string, Record<string, { key: string; fallback?: boolean }>>>;
      }>(s, "POST", "/_matrix/client/v3/keys/claim", {
        token: claimer.accessToken,
        body: { one_time_keys: { [bob.userId]: { BOBPHONE: "signed_curve25519" } } },
      });
      // (One-time and fallback key IDs are counted apart by the client: compare the keys themselves.)
      const key = Object.values(r.body.one_time_keys[bob.userId]!.BOBPHONE!)[0]!;
      claimed.push(key.key);
      expect(key.fallback === true).toBe(i === count);
    }
    expect(new Set(claimed).size).toBe(count + 1);
    expect(s.server.services.e2ee.unusedFallbackKeyTypes(bob.userId, "BOBPHONE")).toEqual([]);
    // Bob's client learns from sync that its stock is empty and uploads new one-time keys. (It
    // replaces a used fallback key on its own schedule, not at once.)
    await bob.sync();
    expect(s.server.services.e2ee.oneTimeKeyCounts(bob.userId, "BOBPHONE").signed_curve25519).toBeGreaterThan(0);
  }, 30_000);

  test("cross-signing bootstrap on both sides; Alice verifies Bob and then trusts his device", async () => {
    const s = await server();
    const aliceSession = await register(s, "alice", undefined, { deviceId: "ALICEDEV" });
    const bobSession = await register(s, "bob", undefined, { deviceId: "BOBPHONE" });
    const alice = await client(s, aliceSession);
    const bob = await client(s, bobSession);
    await encryptedRoom(s, aliceSession, bobSession);

    await alice.bootstrapCrossSigning();
    await bob.bootstrapCrossSigning();
    expect((await alice.machine.crossSigningStatus()).hasMaster).toBe(true);
    // Bob's own device is signed by his self-signing key, as the server returns it: the upload put
    // Bob in his own sync's device_lists.changed, so his client queried his keys again.
    await bob.sync();
    const own = await bob.machine.getDevice(new sdk.UserId(bob.userId), new sdk.DeviceId("BOBPHONE"));
    expect(own?.isCrossSignedByOwner()).toBe(true);

    await alice.machine.updateTrackedUsers([new sdk.UserId(bob.userId)]);
    await alice.sync();
    await alice.flush();
    const bobIdentity = (await alice.machine.getIdentity(new sdk.UserId(bob.userId))) as sdk.OtherUserIdentity;
    expect(bobIdentity).toBeDefined();
    expect(bobIdentity.isVerified()).toBe(false);
    // Alice verifies Bob: her user-signing key signs his master key (uploaded to the server).
    await alice.send(await bobIdentity.verify());
    expect(alice.sent).toContain("POST /_matrix/client/v3/keys/signatures/upload");

    // A fresh client for Alice (her second device) sees the signature from the server alone.
    const alice2Session = await login(s, "alice", undefined, { deviceId: "ALICE2" });
    const alice2 = await client(s, alice2Session);
    // It needs Alice's private cross-signing keys to trust her own identity (as after a recovery).
    const exported = (await alice.machine.exportCrossSigningKeys())!;
    await alice2.machine.importCrossSigningKeys(exported.masterKey, exported.self_signing_key, exported.userSigningKey);
    await alice2.machine.updateTrackedUsers([new sdk.UserId(alice.userId), new sdk.UserId(bob.userId)]);
    await alice2.flush();
    const seen = (await alice2.machine.getIdentity(new sdk.UserId(bob.userId))) as sdk.OtherUserIdentity;
    expect(seen.isVerified()).toBe(true);
    const bobDevice = await alice2.machine.getDevice(new sdk.UserId(bob.userId), new sdk.DeviceId("BOBPHONE"));
    expect(bobDevice?.isCrossSigningTrusted()).toBe(true);
    // Bob does not see Alice's signature on his master key.
    const bobView = JSON.parse(
      await bob.http("POST", "/_matrix/client/v3/keys/query", JSON.stringify({ device_keys: { [bob.userId]: [] } })),
    ) as { master_keys: Record<string, { signatures?: Record<string, unknown> }> };
    expect(Object.keys(bobView.master_keys[bob.userId]!.signatures ?? {})).not.toContain(alice.userId);
  }, 30_000);
});
