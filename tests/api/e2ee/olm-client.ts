/**
 * A test client built on the Rust crypto stack Element uses (`@matrix-org/matrix-sdk-crypto-wasm`,
 * the OlmMachine behind matrix-js-sdk's rust crypto). Its outgoing requests go to the server over
 * HTTP, exactly as matrix-js-sdk sends them. Until /sync exists, the sync part (to-device events,
 * device-list changes, one-time key counts) is read from the e2ee service's `syncSection`, which is
 * what /sync will return.
 */
import * as sdk from "@matrix-org/matrix-sdk-crypto-wasm";
import type { E2eePositions } from "../../../src/services/e2ee/e2ee-service";
import type { Session } from "../../helpers/client";
import type { TestServer } from "../../helpers/test-server";

let initialised: Promise<void> | null = null;
export function initCrypto(): Promise<void> {
  initialised ??= sdk.initAsync();
  return initialised;
}

export { sdk };

export class OlmClient {
  private since: E2eePositions | null = null;
  /** Every request the client sent, as "METHOD path" (for assertions). */
  readonly sent: string[] = [];

  private constructor(
    readonly hs: TestServer,
    readonly session: Session,
    readonly machine: sdk.OlmMachine,
  ) {}

  static async create(hs: TestServer, session: Session): Promise<OlmClient> {
    await initCrypto();
    const machine = await sdk.OlmMachine.initialize(new sdk.UserId(session.userId), new sdk.DeviceId(session.deviceId));
    return new OlmClient(hs, session, machine);
  }

  get userId(): string {
    return this.session.userId;
  }

  /** Sends a request and returns the response text; throws on a non-2xx answer. */
  async http(method: string, path: string, body?: string): Promise<string> {
    this.sent.push(`${method} ${path.split("?")[0]}`);
    const res = await fetch(`${this.hs.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.session.accessToken}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
    return text;
  }

  /** Sends one outgoing request of the machine and reports the response back to it. */
  async send(req: sdk.OutgoingRequest | sdk.ToDeviceRequest | sdk.KeysClaimRequest | sdk.SignatureUploadRequest) {
    let response: string;
    if (req instanceof sdk.KeysUploadRequest)
      response = await this.http("POST", "/_matrix/client/v3/keys/upload", req.body);
    else if (req instanceof sdk.KeysQueryRequest)
      response = await this.http("POST", "/_matrix/client/v3/keys/query", req.body);
    else if (req instanceof sdk.KeysClaimRequest)
      response = await this.http("POST", "/_matrix/client/v3/keys/claim", req.body);
    else if (req instanceof sdk.SignatureUploadRequest) {
      response = await this.http("POST", "/_matrix/client/v3/keys/signatures/upload", req.body);
    } else if (req instanceof sdk.ToDeviceRequest) {
      const path = `/_matrix/client/v3/sendToDevice/${encodeURIComponent(req.event_type)}/${encodeURIComponent(req.txn_id)}`;
      response = await this.http("PUT", path, req.body);
    } else if (req instanceof sdk.KeysBackupRequest) {
      response = await this.http(
        "PUT",
        `/_matrix/client/v3/room_keys/keys?version=${encodeURIComponent(req.version)}`,
        req.body,
      );
    } else {
      throw new Error(`unexpected request ${req.constructor.name}`);
    }
    if (req.id !== undefined) await this.machine.markRequestAsSent(req.id, req.type, response);
  }

  /** Sends every outgoing request until the machine has none left. */
  async flush(): Promise<void> {
    for (let round = 0; round < 10; round++) {
      const reqs = await this.machine.outgoingRequests();
      if (reqs.length === 0) return;
      for (const r of reqs) await this.send(r);
    }
    throw new Error("the machine keeps making requests");
  }

  /** One sync: to-device events, device-list changes and key counts, as /sync returns them. */
  async sync(): Promise<sdk.ProcessedToDeviceEvent[]> {
    const section = this.hs.server.services.e2ee.syncSection({
      userId: this.session.userId,
      deviceId: this.session.deviceId,
      since: this.since,
    });
    this.since = section.next;
    const lists = new sdk.DeviceLists(
      (section.deviceLists?.changed ?? []).map((u) => new sdk.UserId(u)),
      (section.deviceLists?.left ?? []).map((u) => new sdk.UserId(u)),
    );
    const processed = await this.machine.receiveSyncChanges(
      JSON.stringify(section.toDevice),
      lists,
      new Map(Object.entries(section.oneTimeKeysCount)),
      new Set(section.unusedFallbackKeyTypes),
    );
    await this.flush();
    return processed;
  }

  /** Prepares Olm sessions with the users' devices and shares the room key with them. */
  async shareRoomKey(roomId: string, users: string[]): Promise<void> {
    // The machine takes ownership of the IDs it is given: fresh ones for every call.
    const ids = () => users.map((u) => new sdk.UserId(u));
    await this.machine.updateTrackedUsers(ids());
    await this.flush();
    const claim = await this.machine.getMissingSessions(ids());
    if (claim) await this.send(claim);
    const settings = new sdk.EncryptionSettings();
    for (const r of await this.machine.shareRoomKey(new sdk.RoomId(roomId), ids(), settings)) await this.send(r);
  }

  /** Encrypts a message and sends it into the room; returns the event ID. */
  async sendEncrypted(roomId: string, body: string, txnId: string): Promise<string> {
    const content = await this.machine.encryptRoomEvent(
      new sdk.RoomId(roomId),
      "m.room.message",
      JSON.stringify({ msgtype: "m.text", body }),
    );
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.encrypted/${txnId}`;
    return (JSON.parse(await this.http("PUT", path, content)) as { event_id: string }).event_id;
  }

  /** Fetches an event and decrypts it; returns the plaintext body. */
  async readEncrypted(roomId: string, eventId: string): Promise<string> {
    const event = await this.http(
      "GET",
      `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/event/${encodeURIComponent(eventId)}`,
    );
    const decrypted = await this.machine.decryptRoomEvent(
      event,
      new sdk.RoomId(roomId),
      new sdk.DecryptionSettings(sdk.TrustRequirement.Untrusted),
    );
    return (JSON.parse(decrypted.event) as { content: { body: string } }).content.body;
  }

  /** Creates cross-signing keys and uploads them (first upload: no user-interactive auth). */
  async bootstrapCrossSigning(): Promise<void> {
    const reqs = await this.machine.bootstrapCrossSigning(true);
    if (reqs.uploadKeysRequest) await this.send(reqs.uploadKeysRequest);
    await this.http("POST", "/_matrix/client/v3/keys/device_signing/upload", reqs.uploadSigningKeysRequest.body);
    await this.send(reqs.uploadSignaturesRequest);
  }

  close(): void {
    this.machine.close();
  }
}
