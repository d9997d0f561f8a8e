import { describe, expect, test } from "bun:test";
import type { VerifyKey } from "../../../src/core/crypto/ed25519";
import { checkSignaturesFrom, signJson, verifyJson } from "../../../src/core/crypto/sign-json";
import vectors from "../../vectors/json-signing.json";
import { otherKey, SPEC_SERVER, specKey } from "./keys";

const lookup =
  (keys: Record<string, Record<string, VerifyKey>>) =>
  (entity: string, keyId: string): VerifyKey | undefined =>
    keys[entity]?.[keyId];

describe("signing JSON", () => {
  for (const v of vectors.cases) {
    test(`spec vector ${v.input_text.replace(/\s+/g, "")}`, () => {
      const signed = signJson(v.input, SPEC_SERVER, specKey);
      expect(signed).toEqual(v.expected as never);
      expect(signed.signatures[SPEC_SERVER]?.["ed25519:1"]).toBe(v.expected_signature);
      expect(verifyJson(v.expected, SPEC_SERVER, "ed25519:1", specKey.verifyKey)).toBe(true);
    });
  }

  test("signatures and unsigned are not covered; several signatures coexist", () => {
    const obj = { a: 1, unsigned: { age: 5 } };
    const once = signJson(obj, "a.example", specKey);
    const twice = signJson({ ...once, unsigned: { age: 99 } }, "b.example", otherKey);
    expect(Object.keys(twice.signatures).sort()).toEqual(["a.example", "b.example"]);
    expect(verifyJson(twice, "a.example", specKey.keyId, specKey.verifyKey)).toBe(true);
    expect(verifyJson(twice, "b.example", otherKey.keyId, otherKey.verifyKey)).toBe(true);
    expect(obj).toEqual({ a: 1, unsigned: { age: 5 } }); // input untouched
    const thrice = signJson(twice, "a.example", otherKey);
    expect(Object.keys(thrice.signatures["a.example"]!).sort()).toEqual([otherKey.keyId, specKey.keyId].sort());
  });

  test("changing a signed field breaks the signature", () => {
    const signed = signJson({ a: 1 }, "a.example", specKey);
    expect(verifyJson({ ...signed, a: 2 }, "a.example", specKey.keyId, specKey.verifyKey)).toBe(false);
    expect(verifyJson({ ...signed, b: 0 }, "a.example", specKey.keyId, specKey.verifyKey)).toBe(false);
    expect(verifyJson(signed, "b.example", specKey.keyId, specKey.verifyKey)).toBe(false);
    expect(verifyJson({ ...signed, a: 1.5 }, "a.example", specKey.keyId, specKey.verifyKey)).toBe(false);
  });

  test("checkSignaturesFrom: unknown keys and other algorithms are skipped, one known bad key fails", () => {
    const signed = signJson(signJson({ a: 1 }, "a.example", specKey), "a.example", otherKey);
    const withAlien = {
      ...signed,
      signatures: { "a.example": { ...signed.signatures["a.example"], "curve:x": "AAAA" } },
    };
    const onlySpec = lookup({ "a.example": { [specKey.keyId]: specKey.verifyKey } });
    expect(checkSignaturesFrom(withAlien, "a.example", onlySpec)).toEqual({ ok: true, keyIds: [specKey.keyId] });
    const swapped = lookup({ "a.example": { [specKey.keyId]: otherKey.verifyKey } });
    expect(checkSignaturesFrom(signed, "a.example", swapped).ok).toBe(false);
    expect(checkSignaturesFrom(signed, "a.example", lookup({}))).toEqual({
      ok: false,
      reason: "no signature from a known key of a.example",
    });
    expect(checkSignaturesFrom(signed, "b.example", onlySpec).ok).toBe(false);
    expect(checkSignaturesFrom({ a: 1 }, "a.example", onlySpec).ok).toBe(false);
  });
});
