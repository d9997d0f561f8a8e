/**
 * What Element does, with matrix-js-sdk and its Rust crypto (matrix-sdk-crypto-wasm), against the
 * real server over HTTP and /sync: Alice writes in an encrypted room, Bob reads; Bob's new device
 * reads Alice's earlier message after restoring the key backup; cross-signing bootstrap, and two
 * users verifying each other with emoji (SAS) in their encrypted room.
 * Skipped when /sync is not registered.
 */
import { afterAll, describe, expect, test } from "bun:test";
import {
  ClientEvent,
  createClient,
  EventType,
  type ICreateClientOpts,
  type MatrixClient,
  type MatrixEvent,
  MatrixEventEvent,
  SyncState,
} from "matrix-js-sdk";
import {
  CryptoEvent,
  type GeneratedSas,
  VerificationPhase,
  type VerificationRequest,
  VerifierEvent,
} from "matrix-js-sdk/lib/crypto-api";
import { logger as sdkGlobalLogger } from "matrix-js-sdk/lib/logger";
import { FAST_PASSWORD_HASHING, login, register, type Session } from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";

const quiet = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild: () => quiet,
};
(sdkGlobalLogger as unknown as { setLevel?(level: string): void }).setLevel?.("silent");

const hs: TestServer = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
const syncRegistered = hs.server.app.routes.methodsFor("/_matrix/client/v3/sync").includes("GET");
const clients: MatrixClient[] = [];

afterAll(async () => {
  for (const c of clients) c.stopClient();
  await hs.stop();
});

/** Waits for a promise, failing with a clear message after `ms`. */
async function within<T>(what: string, p: Promise<T>, ms = 20_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a value (the clients work in the background). */
async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

async function startClient(session: Session): Promise<MatrixClient> {
  const client = createClient({
    baseUrl: hs.baseUrl,
    accessToken: session.accessToken,
    userId: session.userId,
    deviceId: session.deviceId,
    logger: quiet as ICreateClientOpts["logger"],
  });
  clients.push(client);
  await client.initRustCrypto({ useIndexedDB: false });
  const prepared = new Promise<void>((resolve) => {
    const onSync = (state: SyncState) => {
      if (state === SyncState.Prepared) {
        client.off(ClientEvent.Sync, onSync);
        resolve();
      }
    };
    client.on(ClientEvent.Sync, onSync);
  });
  await client.startClient({ initialSyncLimit: 20 });
  await prepared;
  return client;
}

async function decryptedBody(client: MatrixClient, roomId: string, eventId: string): Promise<string | undefined> {
  const ev: MatrixEvent | undefined = await eventually(`${eventId} in ${client.getUserId()}'s timeline`, () =>
    client
      .getRoom(roomId)
      ?.getLiveTimeline()
      .getEvents()
      .find((e) => e.getId() === eventId),
  );
  await client.decryptEventIfNeeded(ev);
  if (ev.isDecryptionFailure()) {
    await new Promise<void>((resolve) => ev.once(MatrixEventEvent.Decrypted, () => resolve()));
  }
  return ev.getContent().body as string | undefined;
}

describe.skipIf(!syncRegistered)("matrix-js-sdk with Rust crypto", () => {
  test("Alice writes in an encrypted room, Bob reads; Bob's new device reads it after restoring the key backup", async () => {
    const aliceSession = await register(hs, "alice", undefined, { deviceId: "ALICEDEV" });
    const bobSession = await register(hs, "bob", undefined, { deviceId: "BOBPHONE" });
    const alice = await startClient(aliceSession);
    const bob = await startClient(bobSession);

    // Bob sets up key backup first (as Element does when the user enables it).
    await bob.getCrypto()!.resetKeyBackup();
    const backupKey = await bob.getCrypto()!.getSessionBackupPrivateKey();
    expect(backupKey).not.toBeNull();

    const { room_id: roomId } = await alice.createRoom({
      invite: [bob.getUserId()!],
      initial_state: [
        { type: EventType.RoomEncryption, state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
      ],
    });
    await eventually("Bob's invite", () => bob.getRoom(roomId)?.getMyMembership() === "invite");
    await bob.joinRoom(roomId);
    await eventually(
      "Alice sees Bob joined",
      () => alice.getRoom(roomId)?.getMember(bob.getUserId()!)?.membership === "join",
    );

    const { event_id: eventId } = await alice.sendTextMessage(roomId, "The cake is in the fridge");
    const sent = alice.getRoom(roomId)!.findEventById(eventId);
    expect(sent?.isEncrypted()).toBe(true);
    expect(await decryptedBody(bob, roomId, eventId)).toBe("The cake is in the fridge");

    // Bob's phone backs the room key up (in the background); then Bob logs in on a laptop.
    await eventually(
      "the room key in Bob's backup",
      () => (hs.server.services.e2ee.backup.getVersion(bob.getUserId()!).count > 0 ? true : undefined),
      40_000, // the client waits a random time (up to 10 s) before uploading
    );
    const laptopSession = await login(hs, "bob", undefined, { deviceId: "BOBLAPTOP" });
    const laptop = await startClient(laptopSession);
    const version = (await laptop.getCrypto()!.getKeyBackupInfo())!.version!;
    await laptop.getCrypto()!.storeSessionBackupPrivateKey(backupKey!, version);
    const restored = await laptop.getCrypto()!.restoreKeyBackup();
    expect(restored.imported).toBeGreaterThanOrEqual(1);
    expect(await decryptedBody(laptop, roomId, eventId)).toBe("The cake is in the fridge");
  }, 90_000);

  test("cross-signing bootstrap: keys on the server, the device signed by its owner", async () => {
    const carolSession = await register(hs, "carol", undefined, { deviceId: "CAROLDEV" });
    const carol = await startClient(carolSession);
    const crypto = carol.getCrypto()!;
    // First upload: no user-interactive auth needed (MSC3967), so makeRequest gets no auth.
    await crypto.bootstrapCrossSigning({
      authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest(null)),
    });
    expect(await crypto.isCrossSigningReady()).toBe(true);
    const status = await eventually("Carol's device cross-signed", async () => {
      const s = await crypto.getDeviceVerificationStatus(carol.getUserId()!, "CAROLDEV");
      return s?.crossSigningVerified ? s : undefined;
    });
    expect(status.crossSigningVerified).toBe(true);
    const keys = hs.server.services.e2ee.keys.queryKeys("@someone:hs1.test", { [carol.getUserId()!]: [] });
    expect(Object.keys(keys.master_keys)).toEqual([carol.getUserId()!]);
    expect(keys.user_signing_keys).toEqual({});
  }, 60_000);

  test("two users verify each other with emoji (SAS) in their encrypted room; each then trusts the other", async () => {
    const daveSession = await register(hs, "dave", undefined, { deviceId: "DAVEDEV" });
    const erinSession = await register(hs, "erin", undefined, { deviceId: "ERINDEV" });
    const dave = await startClient(daveSession);
    const erin = await startClient(erinSession);
    for (const c of [dave, erin]) {
      await c
        .getCrypto()!
        .bootstrapCrossSigning({ authUploadDeviceSigningKeys: async (makeRequest) => void (await makeRequest(null)) });
    }
    const { room_id: roomId } = await dave.createRoom({
      invite: [erin.getUserId()!],
      is_direct: true,
      initial_state: [
        { type: EventType.RoomEncryption, state_key: "", content: { algorithm: "m.megolm.v1.aes-sha2" } },
      ],
    });
    await eventually("Erin's invite", () => erin.getRoom(roomId)?.getMyMembership() === "invite");
    await erin.joinRoom(roomId);
    await eventually(
      "Dave sees Erin joined",
      () => dave.getRoom(roomId)?.getMember(erin.getUserId()!)?.membership === "join",
    );
    expect((await dave.getCrypto()!.getUserVerificationStatus(erin.getUserId()!)).isCrossSigningVerified()).toBe(false);

    const received = new Promise<VerificationRequest>((resolve) =>
      erin.once(CryptoEvent.VerificationRequestReceived, resolve),
    );
    const daveRequest = await dave.getCrypto()!.requestVerificationDM(erin.getUserId()!, roomId);
    const erinRequest = await within("Erin receives the verification request", received);
    await within("Erin accepts", erinRequest.accept());
    await eventually("the request is ready", () => daveRequest.phase === VerificationPhase.Ready);
    const daveVerifier = await daveRequest.startVerification("m.sas.v1");
    const erinVerifier = await eventually("Erin's verifier", () => erinRequest.verifier);
    const shown: Record<string, GeneratedSas> = {};
    for (const [who, verifier] of [
      ["dave", daveVerifier],
      ["erin", erinVerifier],
    ] as const) {
      verifier.on(VerifierEvent.ShowSas, (sas) => {
        shown[who] = sas.sas;
        void sas.confirm(); // both users say the emoji match
      });
    }
    await within("both verifiers done", Promise.all([daveVerifier.verify(), erinVerifier.verify()]));
    expect(shown.dave?.emoji?.map((e) => e[1])).toEqual(shown.erin?.emoji?.map((e) => e[1]));
    await eventually(
      "Dave trusts Erin",
      async () =>
        (await dave.getCrypto()!.getUserVerificationStatus(erin.getUserId()!)).isCrossSigningVerified() || undefined,
    );
    await eventually(
      "Erin trusts Dave",
      async () =>
        (await erin.getCrypto()!.getUserVerificationStatus(dave.getUserId()!)).isCrossSigningVerified() || undefined,
    );
    // Each one's user-signing key signed the other's master key on the server.
    const seen = hs.server.services.e2ee.keys.queryKeys(dave.getUserId()!, { [erin.getUserId()!]: [] });
    expect(Object.keys((seen.master_keys[erin.getUserId()!]!.signatures ?? {}) as object)).toContain(dave.getUserId()!);
  }, 60_000);
});
