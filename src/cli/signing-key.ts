/**
 * The server's Ed25519 signing key file (Synapse's format, see core/crypto/signing-key-file.ts),
 * made by `homeserver init` and written 0600.
 */
import { randomBytes } from "node:crypto";
import { formatSigningKeyFile, generateSigningKey, parseSigningKeyFile } from "../core/crypto/signing-key-file";

export function generateSigningKeyText(): string {
  return formatSigningKeyFile([generateSigningKey((n) => new Uint8Array(randomBytes(n)))]);
}

/** null when `text` is a valid key file, else the problem (with its line). */
export function signingKeyProblem(text: string): string | null {
  const r = parseSigningKeyFile(text);
  return r.ok ? null : `${r.reason}${r.line ? ` (line ${r.line})` : ""}`;
}
