import { describe, expect, test } from "bun:test";
import {
  formatSigningKeyFile,
  generateSigningKey,
  parseSigningKeyFile,
} from "../../../src/core/crypto/signing-key-file";
import vector from "../../vectors/signing-key.json";
import { specKey } from "./keys";

describe("signing key file (Synapse format)", () => {
  test("reads a Synapse key line and gives the same key as the spec seed", () => {
    const r = parseSigningKeyFile(`ed25519 1 ${vector.seed_base64}\n`);
    if (!r.ok) throw new Error(r.reason);
    expect(r.keys[0].keyId).toBe("ed25519:1" as never);
    expect(r.keys[0].verifyKey.publicKeyBase64).toBe(specKey.verifyKey.publicKeyBase64);
  });

  test("format then parse gives the same keys; padded seeds and blank lines are accepted", () => {
    const text = formatSigningKeyFile([specKey]);
    // The spec writes the seed with non-zero padding bits ("…XA1"); the canonical encoding ends in "…XA0".
    expect(text).toBe(`ed25519 1 ${vector.seed_base64.slice(0, -1)}0\n`);
    const r = parseSigningKeyFile(`\n  ed25519 a_AbCd ${vector.seed_base64}=  \r\n${text}`);
    if (!r.ok) throw new Error(r.reason);
    expect(r.keys.map((k) => k.keyId)).toEqual(["ed25519:a_AbCd", "ed25519:1"] as never);
  });

  test("generates `a_` + 4 letters and a seed from the injected random source", () => {
    let n = 0;
    const random = (len: number) => Uint8Array.from({ length: len }, () => n++ % 256);
    const key = generateSigningKey(random);
    expect(key.version).toMatch(/^a_[a-zA-Z]{4}$/);
    const again = parseSigningKeyFile(formatSigningKeyFile([key]));
    expect(again.ok && again.keys[0].verifyKey.publicKeyBase64).toBe(key.verifyKey.publicKeyBase64);
  });

  test.each([
    ["", "holds no key"],
    ["ed25519 1", "expected"],
    [`curve25519 1 ${vector.seed_base64}`, "unsupported key algorithm"],
    [`ed25519 a-b ${vector.seed_base64}`, "key version"],
    ["ed25519 1 AAAA", "32 bytes"],
    ["ed25519 1 !!!!", "32 bytes"],
    [`ed25519 1 ${vector.seed_base64}\ned25519 1 ${vector.seed_base64}`, "appears twice"],
  ])("refuses %p", (text, reason) => {
    const r = parseSigningKeyFile(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });
});
