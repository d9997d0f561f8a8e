/**
 * An encrypted direct chat as Element makes it, against the homeserver program (the compiled binary in
 * CI): matrix-js-sdk with its Rust crypto (matrix-sdk-crypto-wasm) on every client. Alice opens an
 * encrypted DM with Bob (is_direct, m.direct), Bob decrypts her messages live, Alice's client learns
 * about Bob's new device through the device lists in /sync, and Bob's second login reads the earlier
 * messages after restoring his key backup.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { EventType, type MatrixClient, Preset } from "matrix-js-sdk";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";
import {
  decryptedContent,
  FAST_HASHING_ENV,
  loginUser,
  pauseSync,
  recordSyncErrors,
  registerUser,
  resumeSync,
  type SdkSession,
  serverProblems,
  startSdkClient,
  stopAll,
  syncHeld,
  syncLog,
  timelineEvent,
  until,
  within,
} from "../helpers/sdk-clients";

let hs: BinaryServer;
const clients: MatrixClient[] = [];
const syncErrors: string[][] = [];
let alice: MatrixClient;
let bob: MatrixClient;
let laptop: MatrixClient;
const sessions: Record<string, SdkSession> = {};
const uid = (name: string) => `@${name}:${hs.serverName}`;

beforeAll(async () => {
  hs = await startBinaryServer({ registration: "open", serverName: "e2ee.e2e.test", env: FAST_HASHING_ENV });
  sessions.alice = await registerUser(hs.baseUrl, "alice", "alice password", { deviceId: "ALICEWEB" });
  sessions.bob = await registerUser(hs.baseUrl, "bob", "bob password", { deviceId: "BOBPHONE" });
  [alice, bob] = await Promise.all([start(sessions.alice), start(sessions.bob)]);
}, 30_000);
afterAll(async () => {
  stopAll(clients);
  await hs?.cleanup();
});

async function start(s: SdkSession): Promise<MatrixClient> {
  const c = await startSdkClient(hs.baseUrl, s, { crypto: true });
  syncErrors.push(recordSyncErrors(c));
  clients.push(c);
  return c;
}

/** The number of keys in the user's current backup version, read the way a client reads it. */
async function backedUpKeys(client: MatrixClient): Promise<number> {
  const res = await fetch(`${hs.baseUrl}/_matrix/client/v3/room_keys/version`, {
    headers: { authorization: `Bearer ${client.getAccessToken()}` },
  });
  return res.ok ? ((await res.json()) as { count: number }).count : 0;
}

describe("an encrypted direct chat with matrix-js-sdk's Rust crypto", () => {
  let roomId: string;
  const said: { id: string; body: string }[] = [];

  test("Alice opens an encrypted DM; Bob joins and decrypts her messages live", async () => {
    // Bob turns key backup on first, as Element offers at sign-up.
    await bob.getCrypto()!.resetKeyBackup();

    roomId = (
      await alice.createRoom({
        preset: Preset.TrustedPrivateChat,
        is_direct: true,
        invite: [uid("bob")],
        initial_state: [
          { type: EventType.RoomEncryption, state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
        ],
      })
    ).room_id;
    await alice.setAccountData(EventType.Direct, { [uid("bob")]: [roomId] });
    const invite = await until(
      "Bob's DM invite",
      () => bob.getRoom(roomId)?.getMyMembership() === "invite" && bob.getRoom(roomId),
      20_000,
      bob,
    );
    expect(invite.getDMInviter()).toBe(uid("alice"));
    await bob.joinRoom(roomId);
    await bob.setAccountData(EventType.Direct, { [uid("alice")]: [roomId] });
    await until(
      "Alice sees Bob joined",
      () => alice.getRoom(roomId)?.getMember(uid("bob"))?.membership === "join",
      20_000,
      alice,
    );
    expect(await alice.getCrypto()!.isEncryptionEnabledInRoom(roomId)).toBe(true);

    for (const body of ["The cake is in the fridge", "Do not tell Carol"]) {
      const { event_id } = await alice.sendTextMessage(roomId, body);
      said.push({ id: event_id, body });
      // What the server stored is ciphertext.
      const raw = await alice.fetchRoomEvent(roomId, event_id);
      expect(raw.type).toBe(EventType.RoomMessageEncrypted);
      expect(JSON.stringify(raw.content)).not.toContain(body);
    }
    for (const { id, body } of said) {
      const ev = await timelineEvent(bob, roomId, id);
      expect((await decryptedContent(bob, ev)).body).toBe(body);
    }
    // And Bob answers; Alice decrypts.
    const answer = await bob.sendTextMessage(roomId, "My lips are sealed");
    const ev = await timelineEvent(alice, roomId, answer.event_id);
    expect((await decryptedContent(alice, ev)).body).toBe("My lips are sealed");
  }, 60_000);

  test("Bob's second login: Alice's client sees the new device, and the laptop restores the backup and reads history", async () => {
    await until("Bob's room keys in his backup", async () => (await backedUpKeys(bob)) > 0, 45_000); // uploads after a random delay of up to 10 s
    const backupKey = await bob.getCrypto()!.getSessionBackupPrivateKey();
    expect(backupKey).not.toBeNull();

    const laptopSession = await loginUser(hs.baseUrl, "bob", "bob password", "BOBLAPTOP");
    laptop = await start(laptopSession);
    // Alice's client hears of the new device through device_lists.changed in /sync.
    await until(
      "Alice's client knows Bob's laptop",
      async () => {
        const devices = await alice.getCrypto()!.getUserDeviceInfo([uid("bob")], true);
        return devices.get(uid("bob"))?.has("BOBLAPTOP");
      },
      20_000,
      alice,
    );

    const version = (await laptop.getCrypto()!.getKeyBackupInfo())!.version!;
    await laptop.getCrypto()!.storeSessionBackupPrivateKey(backupKey!, version);
    const restored = await laptop.getCrypto()!.restoreKeyBackup();
    expect(restored.imported).toBeGreaterThanOrEqual(1);
    for (const { id, body } of said) {
      const ev = await until(
        `${id} on Bob's laptop`,
        async () => {
          const room = laptop.getRoom(roomId);
          if (!room) return undefined;
          const found = room.findEventById(id);
          if (found) return found;
          await laptop.scrollback(room, 50);
          return room.findEventById(id);
        },
        20_000,
        laptop,
      );
      expect((await decryptedContent(laptop, ev)).body).toBe(body);
    }

    // A message Alice sends now is encrypted for the laptop too.
    const fresh = await alice.sendTextMessage(roomId, "Welcome, laptop");
    const ev = await timelineEvent(laptop, roomId, fresh.event_id);
    expect((await decryptedContent(laptop, ev)).body).toBe("Welcome, laptop");
  }, 90_000);

  test("Carol, a stranger until now, is invited to the encrypted room later and reads what is said after she joins", async () => {
    const carol = await start(await registerUser(hs.baseUrl, "carol", "carol password", { deviceId: "CAROLDEV" }));
    await alice.invite(roomId, uid("carol"));
    await until("Carol's invite", () => carol.getRoom(roomId)?.getMyMembership() === "invite", 20_000, carol);
    await carol.joinRoom(roomId);
    // Alice's client learns Carol's devices through device_lists.changed (they now share a room).
    await until(
      "Alice's client knows Carol's device",
      async () => (await alice.getCrypto()!.getUserDeviceInfo([uid("carol")])).get(uid("carol"))?.has("CAROLDEV"),
      20_000,
      alice,
    );
    const { event_id } = await alice.sendTextMessage(roomId, "Welcome, Carol");
    const ev = await timelineEvent(carol, roomId, event_id);
    expect((await decryptedContent(carol, ev)).body).toBe("Welcome, Carol");
    // Bob's devices read it too.
    for (const c of [bob, laptop]) {
      expect((await decryptedContent(c, await timelineEvent(c, roomId, event_id))).body).toBe("Welcome, Carol");
    }
  }, 60_000);

  test("no client met a sync error, and the server logged no error", () => {
    expect(syncErrors.flat()).toEqual([]);
    expect(serverProblems(hs.log())).toEqual([]);
  });

  test("the server is killed while Bob's devices are offline: the message and room key Alice sent before reach them after the restart", async () => {
    const devices = [bob, laptop];
    for (const c of devices) pauseSync(c);
    // Bob's own account data wakes his devices' long-polls; they come back and wait at the gate.
    await bob.setAccountData("org.example.wake" as never, { at: "before the crash" } as never);
    await Promise.all(devices.map((c) => within(`${c.getDeviceId()} held offline`, syncHeld(c))));

    // A new room key: Alice's client shares it with Bob's devices by to-device messages (acknowledged
    // before the message is sent), then sends the encrypted message.
    await alice.getCrypto()!.forceDiscardSession(roomId);
    const { event_id } = await alice.sendTextMessage(roomId, "Sent just before the lights went out");
    await hs.kill();
    await hs.restart(FAST_HASHING_ENV);
    const seenBefore = devices.map((c) => syncLog.get(c)!.length);
    for (const c of devices) resumeSync(c);
    for (const c of devices) {
      const ev = await timelineEvent(c, roomId, event_id, 30_000);
      expect((await decryptedContent(c, ev)).body).toBe("Sent just before the lights went out");
    }
    // The room key came in the first sync after the restart, as a to-device message from Alice.
    devices.forEach((c, i) => {
      const first = syncLog.get(c)![seenBefore[i]!]!;
      expect(
        first.body.to_device?.events?.some((e) => e.type === "m.room.encrypted" && e.sender === uid("alice")),
      ).toBe(true);
    });
    // Every client reconnected by itself: the conversation goes on.
    const after = await bob.sendTextMessage(roomId, "Power is back");
    const ev = await timelineEvent(alice, roomId, after.event_id, 30_000);
    expect((await decryptedContent(alice, ev)).body).toBe("Power is back");
    expect(serverProblems(hs.log())).toEqual([]); // since the restart
  }, 90_000);
});
