import { describe, expect, test } from "bun:test";
import { signatureOf } from "../../../src/core/crypto/sign-json";
import { referenceHashEventId } from "../../../src/core/events/event-id";
import { contentHashBase64, referenceHash } from "../../../src/core/events/hashes";
import { redactEvent } from "../../../src/core/events/redaction";
import { hashAndSignPdu, hasValidContentHash } from "../../../src/core/events/signing";
import { encodeBase64 } from "../../../src/core/json/base64";
import { encodeCanonicalJson } from "../../../src/core/json/canonical";
import { ROOM_VERSIONS, type RoomVersionId } from "../../../src/core/rooms/versions";
import vectors from "../../vectors/event-signing.json";
import { SPEC_SERVER, specKey } from "../crypto/keys";

const PRE_V11: RoomVersionId[] = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"];

describe("spec appendix: event signing vectors", () => {
  for (const v of vectors.cases) {
    describe(v.name, () => {
      test("content hash", () => {
        expect(contentHashBase64(v.input)).toBe(v.expected_content_hash_sha256);
        const { unsigned: _u, signatures: _s, hashes: _h, ...rest } = v.input as Record<string, unknown>;
        expect(encodeCanonicalJson(rest)).toBe(v.derived_not_in_spec.content_hash_input_canonical_json);
      });

      for (const id of PRE_V11) {
        test(`hash and sign with the room v${id} redaction algorithm gives the spec's event`, () => {
          expect(hashAndSignPdu(v.input, ROOM_VERSIONS[id], SPEC_SERVER, specKey)).toEqual(v.expected as never);
        });
      }

      test("the signed bytes are the redacted event without signatures", () => {
        const hashed = { ...v.input, hashes: { sha256: v.expected_content_hash_sha256 } };
        const redacted = redactEvent(hashed, "v1");
        expect(redacted).toEqual({ ...v.derived_not_in_spec.redacted_event_v1_to_v10 } as never);
        const { signatures: _s, ...unsigned } = redacted;
        expect(encodeCanonicalJson(unsigned)).toBe(v.derived_not_in_spec.signed_bytes_canonical_json);
      });

      test("v11 redaction drops `origin`, which changes the signature", () => {
        const hashed = hashAndSignPdu(v.input, ROOM_VERSIONS["11"], SPEC_SERVER, specKey);
        expect(hashed.signatures[SPEC_SERVER]?.["ed25519:1"]).toBe(
          v.derived_not_in_spec.signature_if_v11_redaction_were_used_DO_NOT_EXPECT,
        );
        expect(signatureOf(redactEvent(hashed, "v11"), specKey)).toBe(
          v.derived_not_in_spec.signature_if_v11_redaction_were_used_DO_NOT_EXPECT,
        );
      });

      test("reference hash", () => {
        expect(encodeBase64(referenceHash(v.expected, ROOM_VERSIONS["4"]))).toBe(
          v.derived_not_in_spec.reference_hash_sha256_unpadded_base64,
        );
      });

      test("the expected event passes the content hash check; changing the content fails it", () => {
        expect(hasValidContentHash(v.expected)).toBe(true);
        expect(hasValidContentHash({ ...v.expected, content: { body: "changed" } })).toBe(false);
      });
    });
  }

  test("event IDs of the minimal event in room v3 and v4+", () => {
    const ev = vectors.cases[0]!;
    expect(referenceHashEventId(ev.expected, ROOM_VERSIONS["3"])).toBe(
      ev.derived_not_in_spec.event_id_if_room_v3 as never,
    );
    expect(referenceHashEventId(ev.expected, ROOM_VERSIONS["10"])).toBe(
      ev.derived_not_in_spec.event_id_if_room_v4_to_v10 as never,
    );
  });
});
