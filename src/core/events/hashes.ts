/**
 * Content hash and reference hash (server-server API, "Calculating the content hash for an event" and
 * "Calculating the reference hash for an event").
 */
import { sha256 } from "../crypto/sha256";
import { encodeBase64 } from "../json/base64";
import { canonicalJsonBytes } from "../json/canonical";
import type { RoomVersionRules } from "../rooms/versions";
import { redactEvent } from "./redaction";

/** SHA-256 of the canonical JSON of the event without `unsigned`, `signatures` and `hashes`. Throws CanonicalJsonError. */
export function contentHash(event: object): Uint8Array {
  const { unsigned: _u, signatures: _s, hashes: _h, ...rest } = event as Record<string, unknown>;
  return sha256(canonicalJsonBytes(rest));
}

/** The content hash as stored in `hashes.sha256` (unpadded standard base64). */
export function contentHashBase64(event: object): string {
  return encodeBase64(contentHash(event));
}

/**
 * SHA-256 of the canonical JSON of the redacted event without `signatures`, `unsigned` (and the
 * legacy top-level `age_ts`, which redaction already drops). Throws CanonicalJsonError.
 */
export function referenceHash(event: object, rules: Pick<RoomVersionRules, "redaction">): Uint8Array {
  const { signatures: _s, unsigned: _u, age_ts: _a, ...rest } = redactEvent(event, rules.redaction);
  return sha256(canonicalJsonBytes(rest));
}
