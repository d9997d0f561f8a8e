/**
 * Signing JSON (appendices, "Signing Details" and "Checking for a Signature"): the signature covers
 * the canonical JSON of the object without `signatures` and `unsigned`; it is added under
 * `signatures[entity][key ID]`. An object may carry several signatures (several entities or keys).
 */
import type { KeyId } from "../ids/key-id";
import { decodeBase64, encodeBase64 } from "../json/base64";
import { canonicalJsonBytes } from "../json/canonical";
import { ED25519, type SigningKey, signBytes, type VerifyKey, verifyBytes } from "./ed25519";

export type Signatures = Record<string, Record<string, string>>;

/** Finds the public key for (entity, key ID); null or undefined when it is unknown (or expired). */
export type VerifyKeyLookup = (entity: string, keyId: KeyId) => VerifyKey | null | undefined;

export type SignatureCheck =
  | { readonly ok: true; readonly keyIds: readonly KeyId[] }
  | { readonly ok: false; readonly reason: string };

/** The bytes a signature covers. Throws CanonicalJsonError for values canonical JSON cannot carry. */
export function signedBytes(obj: object): Uint8Array {
  const { signatures: _s, unsigned: _u, ...rest } = obj as Record<string, unknown>;
  return canonicalJsonBytes(rest);
}

/** The unpadded base64 signature of `obj` by `key` (without adding it anywhere). */
export function signatureOf(obj: object, key: SigningKey): string {
  return encodeBase64(signBytes(key, signedBytes(obj)));
}

/**
 * Returns a copy of `obj` with `key`'s signature added under `signatures[entity][key.keyId]`,
 * keeping the signatures already there. The input is not changed.
 */
export function signJson<T extends object>(obj: T, entity: string, key: SigningKey): T & { signatures: Signatures } {
  const sig = signatureOf(obj, key);
  const old = ((obj as { signatures?: Signatures }).signatures ?? {}) as Signatures;
  const signatures: Signatures = {};
  for (const [name, sigs] of Object.entries(old)) signatures[name] = { ...sigs };
  signatures[entity] = { ...signatures[entity], [key.keyId]: sig };
  return { ...obj, signatures };
}

/** True when `obj` carries a valid signature by `verifyKey` under `signatures[entity][keyId]`. Never throws. */
export function verifyJson(obj: object, entity: string, keyId: string, verifyKey: VerifyKey): boolean {
  const sig = (obj as { signatures?: unknown }).signatures;
  if (typeof sig !== "object" || sig === null) return false;
  const b64 = (sig as Record<string, Record<string, unknown> | undefined>)[entity]?.[keyId];
  if (typeof b64 !== "string") return false;
  const bytes = decodeBase64(b64);
  if (bytes === null) return false;
  let data: Uint8Array;
  try {
    data = signedBytes(obj);
  } catch {
    return false;
  }
  return verifyBytes(verifyKey, data, bytes);
}

/**
 * "Checking for a Signature": the entity must have signed with at least one ed25519 key the lookup
 * knows, and every known key's signature must verify. Keys of other algorithms and unknown keys are
 * skipped. Never throws.
 */
export function checkSignaturesFrom(obj: object, entity: string, lookup: VerifyKeyLookup): SignatureCheck {
  const all = (obj as { signatures?: unknown }).signatures;
  if (typeof all !== "object" || all === null) return { ok: false, reason: "no signatures" };
  const mine = (all as Record<string, unknown>)[entity];
  if (typeof mine !== "object" || mine === null) return { ok: false, reason: `not signed by ${entity}` };
  let data: Uint8Array | null = null;
  const verified: KeyId[] = [];
  for (const [keyId, b64] of Object.entries(mine)) {
    if (!keyId.startsWith(`${ED25519}:`)) continue;
    const key = lookup(entity, keyId as KeyId);
    if (!key) continue;
    const bytes = typeof b64 === "string" ? decodeBase64(b64) : null;
    if (bytes === null) return { ok: false, reason: `malformed signature ${keyId} from ${entity}` };
    if (data === null) {
      try {
        data = signedBytes(obj);
      } catch {
        return { ok: false, reason: "not representable as canonical JSON" };
      }
    }
    if (!verifyBytes(key, data, bytes)) return { ok: false, reason: `bad signature ${keyId} from ${entity}` };
    verified.push(keyId as KeyId);
  }
  if (verified.length === 0) return { ok: false, reason: `no signature from a known key of ${entity}` };
  return { ok: true, keyIds: verified };
}
