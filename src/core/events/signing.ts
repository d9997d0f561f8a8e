/**
 * Hashing, signing and verifying PDUs (server-server API, "Signing Events"):
 * outgoing: content hash into `hashes.sha256`, redact, sign the redacted copy, copy the signatures back;
 * incoming: redact, check the originating servers' signatures, then the content hash; a hash mismatch
 * means we were given (or must use) the redacted event.
 */
import { type SigningKey, signBytes, type VerifyKey } from "../crypto/ed25519";
import { sha256 } from "../crypto/sha256";
import { checkSignaturesFrom, type Signatures, signedBytes, signJson } from "../crypto/sign-json";
import type { EventId } from "../ids/event-id";
import { eventIdServerName } from "../ids/event-id";
import type { KeyId } from "../ids/key-id";
import { userServerName } from "../ids/user-id";
import { decodeBase64, encodeBase64 } from "../json/base64";
import { isJsonObject } from "../json/types";
import type { RoomVersionRules } from "../rooms/versions";
import { eventIdOf } from "./event-id";
import { contentHash, contentHashBase64 } from "./hashes";
import { redactEvent } from "./redaction";
import type { Pdu } from "./types";

/**
 * Finds a server's public key. `atTs` is the event's `origin_server_ts`: return nothing for keys that
 * are unknown or had expired by then (room versions with `enforceKeyValidity`).
 */
export type PduKeyLookup = (serverName: string, keyId: KeyId, atTs: number) => VerifyKey | null | undefined;

/** Sets `hashes.sha256` to the content hash. Returns a new object. Throws CanonicalJsonError. */
export function withContentHash<T extends object>(event: T): T & { hashes: { sha256: string } } {
  const old = (event as { hashes?: Record<string, string> }).hashes;
  return { ...event, hashes: { ...old, sha256: contentHashBase64(event) } };
}

/**
 * Adds `serverName`'s signature to an event that already has its content hash (the resident server
 * countersigning a join, or our own events). The signature covers the redacted event. Returns a new object.
 */
export function signPdu<T extends object>(
  event: T,
  rules: RoomVersionRules,
  serverName: string,
  key: SigningKey,
): T & { signatures: Signatures } {
  const signed = signJson(redactEvent(event, rules.redaction), serverName, key);
  return { ...event, signatures: signed.signatures };
}

/** Content hash then signature: what a server does to an event it creates. Returns a new object. */
export function hashAndSignPdu<T extends object>(
  event: T,
  rules: RoomVersionRules,
  serverName: string,
  key: SigningKey,
): T & { hashes: { sha256: string }; signatures: Signatures } {
  return signPdu(withContentHash(event), rules, serverName, key);
}

/**
 * `hashAndSignPdu` for an event without signatures, returning its reference hash too: what the
 * signature covers (the redacted event without `signatures` and `unsigned`) is exactly what the
 * reference hash covers, so the canonical JSON is encoded once for both. Throws CanonicalJsonError.
 */
export function hashAndSignNewPdu<T extends object>(
  event: T,
  rules: RoomVersionRules,
  serverName: string,
  key: SigningKey,
): { pdu: T & { hashes: { sha256: string }; signatures: Signatures }; referenceHash: Uint8Array } {
  if ((event as { signatures?: unknown }).signatures !== undefined) throw new Error("event is already signed");
  const hashed = withContentHash(event);
  const bytes = signedBytes(redactEvent(hashed, rules.redaction));
  const signature = encodeBase64(signBytes(key, bytes));
  return { pdu: { ...hashed, signatures: { [serverName]: { [key.keyId]: signature } } }, referenceHash: sha256(bytes) };
}

/** True when the PDU's `hashes.sha256` matches its content. */
export function hasValidContentHash(pdu: object): boolean {
  const claimed = (pdu as { hashes?: { sha256?: unknown } }).hashes?.sha256;
  if (typeof claimed !== "string") return false;
  const bytes = decodeBase64(claimed);
  if (bytes === null) return false;
  let actual: Uint8Array;
  try {
    actual = contentHash(pdu);
  } catch {
    return false;
  }
  return bytes.length === actual.length && bytes.every((b, i) => b === actual[i]);
}

/** Checks the signature of one server over the redacted PDU (e.g. the `join_authorised_via_users_server` server). */
export function checkPduSignatureFrom(
  pdu: Pdu,
  rules: RoomVersionRules,
  serverName: string,
  lookup: PduKeyLookup,
): { readonly ok: true } | { readonly ok: false; readonly reason: string } {
  const redacted = redactEvent(pdu, rules.redaction);
  const r = checkSignaturesFrom(redacted, serverName, (s, k) => lookup(s, k, pdu.origin_server_ts));
  return r.ok ? { ok: true } : r;
}

/** A third-party invite may be sent by a server other than the sender's (spec, "Validating hashes and signatures"). */
function isThirdPartyInvite(pdu: Pdu): boolean {
  return (
    pdu.type === "m.room.member" && pdu.content.membership === "invite" && isJsonObject(pdu.content.third_party_invite)
  );
}

/**
 * The servers whose signatures a PDU needs: the sender's, and in v1/v2 the event ID's.
 * A third-party invite is exempt from the sender's-server signature (as in the spec and Synapse): the
 * auth rules check its `third_party_invite.signed` block instead. The `join_authorised_via_users_server`
 * signature of restricted joins is an auth rule too (use `checkPduSignatureFrom`).
 */
export function requiredSigningServers(pdu: Pdu, rules: RoomVersionRules): string[] {
  const servers = new Set<string>();
  if (!isThirdPartyInvite(pdu)) servers.add(userServerName(pdu.sender));
  if (rules.eventFormat.eventIdFormat === "domain") {
    const id = (pdu as { event_id?: EventId }).event_id;
    const server = id === undefined ? null : eventIdServerName(id);
    if (server !== null) servers.add(server);
  }
  return [...servers];
}

export type PduVerification =
  | {
      readonly ok: true;
      /** The event to use from now on: the PDU itself, or its redacted copy when the content hash failed. */
      readonly pdu: Pdu;
      readonly eventId: EventId;
      /** True when the content hash did not match and `pdu` is the redacted copy. */
      readonly redacted: boolean;
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Steps 2 and 3 of the checks on a received PDU, for a PDU that passed `validatePdu`: signatures of
 * the originating server(s) over the redacted event (a failure means: drop it), then the content
 * hash (a mismatch means: carry on with the redacted event). Unknown and expired keys are skipped,
 * but each required server needs at least one signature by a known key.
 */
export function verifyPdu(pdu: Pdu, rules: RoomVersionRules, lookup: PduKeyLookup): PduVerification {
  const redacted = redactEvent(pdu, rules.redaction);
  for (const server of requiredSigningServers(pdu, rules)) {
    const r = checkSignaturesFrom(redacted, server, (s, k) => lookup(s, k, pdu.origin_server_ts));
    if (!r.ok) return r;
  }
  const eventId = eventIdOf(pdu, rules);
  if (eventId === null) return { ok: false, reason: "event_id is missing" };
  if (hasValidContentHash(pdu)) return { ok: true, pdu, eventId, redacted: false };
  return { ok: true, pdu: redacted as unknown as Pdu, eventId, redacted: true };
}
