import { describe, expect, test } from "bun:test";
import { checkSignaturesFrom, signJson } from "../../../src/core/crypto/sign-json";
import {
  formatXMatrixAuthorization,
  parseXMatrixAuthorization,
  signXMatrixRequest,
  verifyXMatrixRequest,
  xMatrixSignedObject,
} from "../../../src/core/crypto/x-matrix";
import type { ServerName } from "../../../src/core/ids/server-name";
import vector from "../../vectors/x-matrix-request-auth.json";
import { otherKey, specKey } from "./keys";

const ORIGIN = "origin.hs.example.com";
const DEST = "destination.hs.example.com" as ServerName;

describe("X-Matrix authorization", () => {
  test("parses the spec's example header", () => {
    const header = vector.authorization_header_verbatim.replace(/^Authorization: /, "");
    expect(parseXMatrixAuthorization(header)).toEqual({
      ok: true,
      auth: { origin: ORIGIN, destination: DEST, key: "ed25519:key1", sig: "ABCDEF..." },
    } as never);
  });

  test("formats the header the way the spec shows", () => {
    expect(
      formatXMatrixAuthorization({ origin: ORIGIN, destination: DEST, key: "ed25519:key1", sig: "ABCDEF..." }),
    ).toBe(vector.authorization_header_verbatim.replace(/^Authorization: /, ""));
  });

  test("the signed object is the spec's template, with content only when there is a body", () => {
    const content = { hello: "world" };
    expect(xMatrixSignedObject({ method: "POST", uri: "/target", origin: ORIGIN, destination: DEST, content })).toEqual(
      {
        method: "POST",
        uri: "/target",
        origin: ORIGIN,
        destination: DEST,
        content,
      },
    );
    expect("content" in xMatrixSignedObject({ method: "GET", uri: "/t", origin: ORIGIN, destination: DEST })).toBe(
      false,
    );
  });

  test("parsing follows RFC 9110: any case, any order, spaces around commas, escapes, bare tokens, unknowns", () => {
    const r = parseXMatrixAuthorization(
      'x-matrix   SIG="a\\"b" , Key=ed25519:k1,\tfoo="bar",origin=origin.hs.example.com:8448',
    );
    expect(r).toEqual({
      ok: true,
      auth: { origin: "origin.hs.example.com:8448", destination: undefined, key: "ed25519:k1", sig: 'a"b' },
    } as never);
  });

  test.each([
    ["Bearer abc", "not an X-Matrix"],
    ['X-Matrix origin="a.b",key="ed25519:1"', "required"],
    ['X-Matrix origin="a.b",origin="c.d",key="ed25519:1",sig="x"', "twice"],
    ['X-Matrix origin="a.b" key="ed25519:1",sig="x"', "expected ','"],
    ['X-Matrix origin="a.b",key="ed25519:1",sig="x', "unterminated"],
    ['X-Matrix origin="a.b,key="ed25519:1",sig="x"', "expected ','"],
    ['X-Matrix origin="bad_name",key="ed25519:1",sig="x"', "origin"],
    ['X-Matrix origin="a.b",key="nocolon",sig="x"', "key"],
  ])("refuses %p", (header, reason) => {
    const r = parseXMatrixAuthorization(header);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(reason);
  });

  test("sign then verify a request with a body, as the receiving server does", () => {
    const req = { method: "PUT", uri: "/_matrix/federation/v1/send/1?x=y", origin: ORIGIN, destination: DEST };
    const content = { pdus: [], edus: [{ edu_type: "m.typing", content: {} }] };
    const header = signXMatrixRequest({ ...req, content }, specKey);
    const parsed = parseXMatrixAuthorization(header);
    if (!parsed.ok) throw new Error(parsed.reason);
    const received = { method: "PUT", uri: req.uri, content };
    expect(verifyXMatrixRequest(parsed.auth, received, DEST, specKey.verifyKey)).toEqual({ ok: true });
    // The same signature is what sign_json gives for the template object.
    const signed = signJson(xMatrixSignedObject({ ...req, content }), ORIGIN, specKey);
    expect(signed.signatures[ORIGIN]?.[specKey.keyId]).toBe(parsed.auth.sig);
    expect(checkSignaturesFrom(signed, ORIGIN, () => specKey.verifyKey).ok).toBe(true);
  });

  test("a different body, path, method, destination or key fails verification", () => {
    const req = { method: "POST", uri: "/_matrix/x", origin: ORIGIN, destination: DEST, content: { a: 1 } };
    const p = parseXMatrixAuthorization(signXMatrixRequest(req, specKey));
    if (!p.ok) throw new Error(p.reason);
    const base = { method: "POST", uri: "/_matrix/x", content: { a: 1 } };
    expect(verifyXMatrixRequest(p.auth, { ...base, content: { a: 2 } }, DEST, specKey.verifyKey).ok).toBe(false);
    expect(verifyXMatrixRequest(p.auth, { ...base, content: undefined }, DEST, specKey.verifyKey).ok).toBe(false);
    expect(verifyXMatrixRequest(p.auth, { ...base, uri: "/_matrix/y" }, DEST, specKey.verifyKey).ok).toBe(false);
    expect(verifyXMatrixRequest(p.auth, { ...base, method: "PUT" }, DEST, specKey.verifyKey).ok).toBe(false);
    expect(verifyXMatrixRequest(p.auth, base, DEST, otherKey.verifyKey).ok).toBe(false);
    const elsewhere = verifyXMatrixRequest(p.auth, base, "other.example" as ServerName, specKey.verifyKey);
    expect(elsewhere).toEqual({ ok: false, reason: `request is for ${DEST}, not other.example` });
  });

  test("a header without destination (pre-v1.3 sender) verifies against our own name", () => {
    const req = { method: "GET", uri: "/_matrix/key/v2/server", origin: ORIGIN, destination: DEST };
    const p = parseXMatrixAuthorization(signXMatrixRequest(req, specKey));
    if (!p.ok) throw new Error(p.reason);
    const old = { ...p.auth, destination: undefined };
    expect(verifyXMatrixRequest(old, { method: "GET", uri: req.uri }, DEST, specKey.verifyKey).ok).toBe(true);
    expect(
      verifyXMatrixRequest(old, { method: "GET", uri: req.uri }, "x.example" as ServerName, specKey.verifyKey).ok,
    ).toBe(false);
  });
});
