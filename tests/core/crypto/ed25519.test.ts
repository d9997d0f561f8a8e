import { describe, expect, test } from "bun:test";
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import {
  signBytes,
  signingKeyFromSeed,
  verifyBytes,
  verifyKeyFromBase64,
  verifyKeyFromBytes,
} from "../../../src/core/crypto/ed25519";
import vector from "../../vectors/signing-key.json";
import { SPEC_SEED, specKey } from "./keys";

ed.hashes.sha512 = sha512; // enables noble's synchronous API

describe("Ed25519 keys from a seed", () => {
  test("the spec's seed gives the public key every spec signature verifies with", () => {
    expect(specKey.keyId).toBe("ed25519:1" as never);
    expect(specKey.verifyKey.publicKeyBase64).toBe(vector.derived_not_in_spec.public_key_unpadded_base64);
  });

  test("node:crypto agrees with @noble/ed25519 on public keys and signatures", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (seed, msg) => {
        const key = signingKeyFromSeed(seed, "x");
        expect(key.verifyKey.publicKey).toEqual(ed.getPublicKey(seed));
        const sig = signBytes(key, msg);
        expect(sig).toEqual(ed.sign(msg, seed));
        expect(verifyBytes(key.verifyKey, msg, sig)).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  test("a signature does not verify for other data, another key or when damaged", () => {
    const msg = new TextEncoder().encode("hello");
    const sig = signBytes(specKey, msg);
    expect(verifyBytes(specKey.verifyKey, new TextEncoder().encode("hellp"), sig)).toBe(false);
    const other = signingKeyFromSeed(new Uint8Array(32), "0");
    expect(verifyBytes(other.verifyKey, msg, sig)).toBe(false);
    const bad = new Uint8Array(sig);
    bad[10]! ^= 1;
    expect(verifyBytes(specKey.verifyKey, msg, bad)).toBe(false);
    expect(verifyBytes(specKey.verifyKey, msg, sig.subarray(0, 63))).toBe(false);
  });

  test("verify keys from bytes or base64; malformed input gives null", () => {
    expect(verifyKeyFromBase64(specKey.verifyKey.publicKeyBase64)?.publicKey).toEqual(specKey.verifyKey.publicKey);
    expect(verifyKeyFromBase64("not base64!")).toBeNull();
    expect(verifyKeyFromBytes(new Uint8Array(31))).toBeNull();
  });

  test("a wrong seed length or key version is a programming error", () => {
    expect(() => signingKeyFromSeed(new Uint8Array(31), "1")).toThrow(TypeError);
    expect(() => signingKeyFromSeed(SPEC_SEED, "")).toThrow(TypeError);
  });
});
