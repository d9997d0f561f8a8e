/**
 * The signing key file, compatible with Synapse's (`signedjson` `read_signing_keys` /
 * `write_signing_keys`): one key per line, `ed25519 <version> <base64 seed>`, the seed in unpadded
 * base64. Operators can bring the key of a server they move to Hearth. The first key is the active one.
 */
import { isServerKeyVersion } from "../ids/key-id";
import { decodeBase64, encodeBase64 } from "../json/base64";
import { ED25519, SEED_BYTES, type SigningKey, signingKeyFromSeed } from "./ed25519";

export type SigningKeyFileResult =
  | { readonly ok: true; readonly keys: readonly [SigningKey, ...SigningKey[]] }
  | { readonly ok: false; readonly reason: string; readonly line: number };

/** Parses the file text. Blank lines are skipped; anything else malformed is an error naming its line. */
export function parseSigningKeyFile(text: string): SigningKeyFileResult {
  const keys: SigningKey[] = [];
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "") continue;
    const fail = (reason: string) => ({ ok: false as const, reason, line: i + 1 });
    const parts = line.split(/\s+/);
    if (parts.length !== 3) return fail("expected `ed25519 <version> <base64 seed>`");
    const [algorithm, version, b64] = parts as [string, string, string];
    if (algorithm !== ED25519) return fail(`unsupported key algorithm ${JSON.stringify(algorithm)}`);
    if (!isServerKeyVersion(version)) return fail("the key version may only contain a-z, A-Z, 0-9 and _");
    const seed = decodeBase64(b64);
    if (seed === null || seed.length !== SEED_BYTES) return fail(`the seed must be ${SEED_BYTES} bytes in base64`);
    if (keys.some((k) => k.version === version)) return fail(`key version ${version} appears twice`);
    keys.push(signingKeyFromSeed(seed, version));
  }
  const [first, ...rest] = keys;
  if (first === undefined) return { ok: false, reason: "the file holds no key", line: 0 };
  return { ok: true, keys: [first, ...rest] };
}

/** Writes keys in the same format (one line each, trailing newline). */
export function formatSigningKeyFile(keys: readonly SigningKey[]): string {
  return keys.map((k) => `${ED25519} ${k.version} ${encodeBase64(k.seed)}\n`).join("");
}

const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/**
 * A new key as Synapse makes them: version `a_` + 4 random letters, a random 32-byte seed.
 * `randomBytes` is injected (core has no randomness of its own); it must be cryptographically secure.
 */
export function generateSigningKey(randomBytes: (n: number) => Uint8Array): SigningKey {
  let version = "a_";
  while (version.length < 6) {
    for (const b of randomBytes(8)) {
      // 52 letters: drop bytes >= 208 (4 × 52) so that every letter is equally likely.
      if (b < 208 && version.length < 6) version += LETTERS[b % 52];
    }
  }
  const seed = randomBytes(SEED_BYTES);
  if (seed.length !== SEED_BYTES) throw new TypeError("randomBytes returned the wrong number of bytes");
  return signingKeyFromSeed(seed, version);
}
