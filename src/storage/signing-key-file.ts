/** Reads the server's signing key file (<data_dir>/signing.key), creating it (0600) when absent. */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { SigningKey } from "../core/crypto/ed25519";
import { formatSigningKeyFile, generateSigningKey, parseSigningKeyFile } from "../core/crypto/signing-key-file";

export class SigningKeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SigningKeyFileError";
  }
}

export function loadOrCreateSigningKey(path: string): { key: SigningKey; created: boolean } {
  if (existsSync(path)) {
    const parsed = parseSigningKeyFile(readFileSync(path, "utf8"));
    if (!parsed.ok) throw new SigningKeyFileError(`${path}, line ${parsed.line}: ${parsed.reason}`);
    return { key: parsed.keys[0], created: false };
  }
  const key = generateSigningKey((n) => crypto.getRandomValues(new Uint8Array(n)));
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, formatSigningKeyFile([key]), { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
  return { key, created: true };
}
