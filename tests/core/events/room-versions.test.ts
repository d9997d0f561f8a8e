/**
 * Our own vectors for every room version (tests/vectors/room-version-events.json, made by an
 * independent Python implementation): content hash, redaction, reference hash, event ID and signature
 * of sample events, and verification of the signed events.
 */
import { describe, expect, test } from "bun:test";
import { eventIdOf } from "../../../src/core/events/event-id";
import { contentHashBase64, referenceHash } from "../../../src/core/events/hashes";
import { keptContentKeys, redactEvent } from "../../../src/core/events/redaction";
import { hashAndSignPdu, type PduKeyLookup, verifyPdu } from "../../../src/core/events/signing";
import type { Pdu } from "../../../src/core/events/types";
import { validatePdu } from "../../../src/core/events/validate";
import { roomEventOf } from "../../../src/core/events/view";
import type { KeyId } from "../../../src/core/ids/key-id";
import { encodeBase64 } from "../../../src/core/json/base64";
import { ROOM_VERSIONS, type RoomVersionId } from "../../../src/core/rooms/versions";
import vectors from "../../vectors/room-version-events.json";
import { SPEC_SERVER, specKey } from "../crypto/keys";

const lookup: PduKeyLookup = (server, keyId) =>
  server === SPEC_SERVER && keyId === specKey.keyId ? specKey.verifyKey : null;

for (const version of vectors.versions) {
  const rules = ROOM_VERSIONS[version.room_version as RoomVersionId];
  describe(`room version ${version.room_version}`, () => {
    test("uses the redaction algorithm the vectors were made with", () => {
      expect(rules.redaction).toBe(version.redaction_algorithm as never);
    });

    for (const c of version.cases) {
      describe(c.name, () => {
        const signed = hashAndSignPdu(c.event, rules, SPEC_SERVER, specKey);

        test("content hash", () => expect(contentHashBase64(c.event)).toBe(c.content_hash));

        test("signature", () => {
          expect(signed.hashes.sha256).toBe(c.content_hash);
          expect(signed.signatures).toEqual({ [SPEC_SERVER]: { "ed25519:1": c.signature } });
        });

        test("redaction", () => expect(redactEvent(signed, rules.redaction)).toEqual(c.redacted as never));

        test("reference hash and event ID", () => {
          expect(encodeBase64(referenceHash(signed, rules))).toBe(c.reference_hash);
          expect(eventIdOf(signed, rules)).toBe(c.event_id as never);
        });

        test("is a valid PDU of this version that verifies", () => {
          const checked = validatePdu(signed, rules);
          if (!checked.ok) throw new Error(checked.reason);
          expect(verifyPdu(checked.pdu, rules, lookup)).toEqual({
            ok: true,
            pdu: checked.pdu,
            eventId: c.event_id as never,
            redacted: false,
          });
        });

        test("changed content: signatures still verify, the event is replaced by its redacted form", () => {
          const tampered = { ...signed, content: { ...signed.content, injected: "x" } } as unknown as Pdu;
          const r = verifyPdu(tampered, rules, lookup);
          if (keptContentKeys(rules.redaction, c.event.type) === "*") {
            // v11+ create events keep all their content: any change breaks the signature.
            expect(r.ok).toBe(false);
            return;
          }
          expect(r.ok && r.redacted).toBe(true);
          expect(r.ok && r.pdu).toEqual(redactEvent(tampered, rules.redaction) as never);
          expect(r.ok && r.eventId).toBe(c.event_id as never);
        });

        test("a changed essential field breaks the signature: the event is dropped", () => {
          const tampered = { ...signed, origin_server_ts: signed.origin_server_ts + 1 } as unknown as Pdu;
          expect(verifyPdu(tampered, rules, lookup).ok).toBe(false);
        });
      });
    }

    test("a v12 create event defines the room ID; other events carry it", () => {
      const create = version.cases.find((c) => c.name === "create")!;
      const signed = hashAndSignPdu(create.event, rules, SPEC_SERVER, specKey) as unknown as Pdu;
      const ev = roomEventOf(signed, rules);
      if (rules.eventFormat.roomIdFromCreateEvent) {
        expect("room_id" in create.event).toBe(false);
        expect(ev.roomId).toBe(`!${create.event_id.slice(1)}` as never);
      } else expect(ev.roomId).toBe(create.event.room_id as never);
    });

    test("an unknown key is skipped, but an event needs a signature by a known key of its sender's server", () => {
      const c = version.cases[1]!;
      const signed = hashAndSignPdu(c.event, rules, SPEC_SERVER, specKey) as unknown as Pdu;
      const extra = {
        ...signed,
        signatures: { [SPEC_SERVER]: { ...signed.signatures[SPEC_SERVER], "ed25519:unknown": "AAAA" } },
      } as unknown as Pdu;
      expect(verifyPdu(extra, rules, lookup).ok).toBe(true);
      expect(verifyPdu(signed, rules, () => null)).toEqual({
        ok: false,
        reason: "no signature from a known key of domain",
      });
      const byOther = { ...signed, signatures: { "other.example": signed.signatures[SPEC_SERVER]! } } as unknown as Pdu;
      expect(verifyPdu(byOther, rules, (_s, k: KeyId) => (k === specKey.keyId ? specKey.verifyKey : null)).ok).toBe(
        false,
      );
    });
  });
}
