import { afterEach, describe, expect, test } from "bun:test";
import { signJson } from "../../../src/core/crypto/sign-json";
import { call, FAST_PASSWORD_HASHING, type MatrixErrorBody, register, type Session } from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { type Json, makeDevice, oneTimeKeys } from "./fixtures";

const UPLOAD = "/_matrix/client/v3/keys/upload";
const QUERY = "/_matrix/client/v3/keys/query";
const CLAIM = "/_matrix/client/v3/keys/claim";

let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}

type QueryBody = {
  device_keys: Record<string, Record<string, Json>>;
  failures: Record<string, unknown>;
};
type UploadBody = { one_time_key_counts: Record<string, number>; errcode?: string };

const query = (s: TestServer, who: Session, users: Record<string, string[]>) =>
  call<QueryBody>(s, "POST", QUERY, { token: who.accessToken, body: { device_keys: users } });
const upload = (s: TestServer, who: Session, body: unknown) =>
  call<UploadBody>(s, "POST", UPLOAD, { token: who.accessToken, body });

describe("POST /keys/upload and /keys/query", () => {
  test("device keys are stored as uploaded and shown to others with the device's display name", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "ALICEPHONE", deviceName: "Alice's phone" });
    const bob = await register(s, "bob");
    const d = makeDevice(alice.userId, alice.deviceId);
    const up = await upload(s, alice, { device_keys: d.deviceKeys, one_time_keys: oneTimeKeys(d, 5) });
    expect(up).toEqual({ status: 200, body: { one_time_key_counts: { signed_curve25519: 5 } } });

    const q = await query(s, bob, { [alice.userId]: [] });
    expect(q.status).toBe(200);
    expect(q.body.failures).toEqual({});
    expect(q.body.device_keys[alice.userId]).toEqual({
      ALICEPHONE: { ...d.deviceKeys, unsigned: { device_display_name: "Alice's phone" } },
    });
    // Asking for one device: only that device (and an unknown one is simply absent).
    const one = await query(s, bob, { [alice.userId]: ["ALICEPHONE", "NOSUCH"] });
    expect(Object.keys(one.body.device_keys[alice.userId]!)).toEqual(["ALICEPHONE"]);
    // A user without keys is present with no devices.
    expect((await query(s, alice, { [bob.userId]: [] })).body.device_keys).toEqual({ [bob.userId]: {} });
  });

  test("signatures by other users are not stored with device keys", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const bob = await register(s, "bob");
    const d = makeDevice(alice.userId, "DEV1");
    const forged = signJson(d.deviceKeys, bob.userId, makeDevice(bob.userId, "X").key);
    expect((await upload(s, alice, { device_keys: forged })).status).toBe(200);
    const shown = (await query(s, bob, { [alice.userId]: [] })).body.device_keys[alice.userId]!.DEV1!;
    expect(shown.signatures).toEqual(d.deviceKeys.signatures);
  });

  test("counts are returned even when nothing is uploaded; signed_curve25519 is always listed", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    expect(await upload(s, alice, {})).toEqual({
      status: 200,
      body: { one_time_key_counts: { signed_curve25519: 0 } },
    });
  });

  test("the same device keys again are accepted; different ones for the same device are refused", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const bob = await register(s, "bob");
    const d = makeDevice(alice.userId, "DEV1");
    expect((await upload(s, alice, { device_keys: d.deviceKeys })).status).toBe(200);
    expect((await upload(s, alice, { device_keys: d.deviceKeys })).status).toBe(200);

    const other = makeDevice(alice.userId, "DEV1");
    const r = await upload(s, alice, { device_keys: other.deviceKeys, one_time_keys: oneTimeKeys(other, 2) });
    expect(r.status).toBe(400);
    expect(r.body.errcode).toBe("M_INVALID_PARAM");
    const q = await query(s, bob, { [alice.userId]: [] });
    expect(q.body.device_keys[alice.userId]!.DEV1!.keys).toEqual(d.deviceKeys.keys);
    // ... and the one-time keys of the refused request were not stored either.
    expect((await upload(s, alice, {})).body.one_time_key_counts).toEqual({ signed_curve25519: 0 });
  });

  test("keys naming another user or device, a bad self-signature or a missing ed25519 key are refused", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const bob = await register(s, "bob", undefined, { deviceId: "BOBDEV" });
    const cases: [string, Json, string][] = [
      ["another user", makeDevice(bob.userId, "DEV1").deviceKeys, "M_INVALID_PARAM"],
      ["another device", makeDevice(alice.userId, "BOBDEV").deviceKeys, "M_INVALID_PARAM"],
      [
        "a forged signature",
        {
          ...makeDevice(alice.userId, "DEV1").deviceKeys,
          signatures: makeDevice(alice.userId, "DEV1").deviceKeys.signatures,
        },
        "M_INVALID_SIGNATURE",
      ],
    ];
    const tampered = makeDevice(alice.userId, "DEV1");
    cases.push([
      "keys changed after signing",
      { ...tampered.deviceKeys, algorithms: ["m.megolm.v1.aes-sha2"] },
      "M_INVALID_SIGNATURE",
    ]);
    const noEd = makeDevice(alice.userId, "DEV1");
    cases.push([
      "no ed25519 key",
      signJson(
        { user_id: alice.userId, device_id: "DEV1", algorithms: [], keys: { "curve25519:DEV1": "abc" } },
        alice.userId,
        noEd.key,
      ),
      "M_INVALID_PARAM",
    ]);
    const badName = makeDevice(alice.userId, "DEV1");
    cases.push([
      "a key not named after the device",
      signJson(
        {
          user_id: alice.userId,
          device_id: "DEV1",
          algorithms: [],
          keys: { "ed25519:DEV1": badName.key.verifyKey.publicKeyBase64, "curve25519:OTHER": "abc" },
        },
        alice.userId,
        badName.key,
      ),
      "M_INVALID_PARAM",
    ]);
    for (const [what, keys, errcode] of cases) {
      const r = await upload(s, alice, { device_keys: keys });
      expect({ what, status: r.status, errcode: r.body.errcode }).toEqual({ what, status: 400, errcode });
    }
    const q = await query(s, bob, { [alice.userId]: [] });
    expect(q.body.device_keys[alice.userId]).toEqual({});
  });

  test("wrong types and malformed bodies get the spec's errors", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const d = makeDevice(alice.userId, "DEV1");
    for (const body of [
      { device_keys: { ...d.deviceKeys, algorithms: "m.megolm.v1.aes-sha2" } },
      { device_keys: { ...d.deviceKeys, keys: { "ed25519:DEV1": 5 } } },
      { one_time_keys: { "signed_curve25519:A": 5 } },
      { one_time_keys: [] },
    ]) {
      expect((await upload(s, alice, body)).body.errcode).toBe("M_BAD_JSON");
    }
    const notJson = await call<MatrixErrorBody>(s, "POST", UPLOAD, { token: alice.accessToken, rawBody: "{nope" });
    expect(notJson.body.errcode).toBe("M_NOT_JSON");
    expect((await call<MatrixErrorBody>(s, "POST", UPLOAD, { body: {} })).status).toBe(401);
    expect((await call<MatrixErrorBody>(s, "POST", QUERY, { token: alice.accessToken, body: {} })).body.errcode).toBe(
      "M_BAD_JSON",
    );
  });

  test("users on other servers are reported in failures (no federation yet)", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const q = await query(s, alice, { "@bob:elsewhere.test": [], "@carol:elsewhere.test": [], [alice.userId]: [] });
    expect(q.status).toBe(200);
    expect(Object.keys(q.body.failures)).toEqual(["elsewhere.test"]);
    expect(q.body.device_keys).toEqual({ [alice.userId]: {} });
    const c = await call<{ failures: Record<string, unknown>; one_time_keys: unknown }>(s, "POST", CLAIM, {
      token: alice.accessToken,
      body: { one_time_keys: { "@bob:elsewhere.test": { DEV: "signed_curve25519" } } },
    });
    expect(c.status).toBe(200);
    expect(Object.keys(c.body.failures)).toEqual(["elsewhere.test"]);
    expect(c.body.one_time_keys).toEqual({});
  });
});

describe("one-time and fallback keys", () => {
  test("a key ID uploaded again with the same content is kept once; with other content it is refused", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const d = makeDevice(alice.userId, "DEV1");
    const keys = oneTimeKeys(d, 3);
    await upload(s, alice, { device_keys: d.deviceKeys, one_time_keys: keys });
    expect((await upload(s, alice, { one_time_keys: keys })).body.one_time_key_counts.signed_curve25519).toBe(3);
    const clash = {
      ...oneTimeKeys(d, 1, "NEW"),
      "signed_curve25519:AAAA0": oneTimeKeys(d, 1)["signed_curve25519:AAAA0"],
    };
    const r = await upload(s, alice, { one_time_keys: clash });
    expect(r.status).toBe(400);
    expect(r.body.errcode).toBe("M_INVALID_PARAM");
    // Nothing of the refused request was stored (the NEW key neither).
    expect((await upload(s, alice, {})).body.one_time_key_counts.signed_curve25519).toBe(3);
  });

  test("malformed key IDs and keys not signed by the device are refused and change nothing", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const d = makeDevice(alice.userId, "DEV1");
    await upload(s, alice, { device_keys: d.deviceKeys, one_time_keys: oneTimeKeys(d, 1) });
    const key = oneTimeKeys(d, 1, "X")["signed_curve25519:X0"]!;
    const stranger = makeDevice(alice.userId, "DEV1");
    for (const [body, errcode] of [
      [{ one_time_keys: { nocolon: key } }, "M_INVALID_PARAM"],
      [{ one_time_keys: { "signed_curve25519:": key } }, "M_INVALID_PARAM"],
      [{ one_time_keys: { ":AAAA": key } }, "M_INVALID_PARAM"],
      [
        { one_time_keys: { "signed_curve25519:B": oneTimeKeys(stranger, 1)["signed_curve25519:AAAA0"] } },
        "M_INVALID_SIGNATURE",
      ],
      [{ one_time_keys: { "signed_curve25519:C": { ...key, key: "changed" } } }, "M_INVALID_SIGNATURE"],
      [
        { fallback_keys: { "signed_curve25519:F": oneTimeKeys(stranger, 1, "F", true)["signed_curve25519:F0"] } },
        "M_INVALID_SIGNATURE",
      ],
      [{ fallback_keys: { ...oneTimeKeys(d, 1, "F", true), ...oneTimeKeys(d, 1, "G", true) } }, "M_INVALID_PARAM"],
    ] as const) {
      const r = await upload(s, alice, body);
      expect({ body: Object.keys(body), status: r.status, errcode: r.body.errcode }).toEqual({
        body: Object.keys(body),
        status: 400,
        errcode,
      });
    }
    expect((await upload(s, alice, {})).body.one_time_key_counts).toEqual({ signed_curve25519: 1 });
    expect(s.server.services.e2ee.unusedFallbackKeyTypes(alice.userId, "DEV1")).toEqual([]);
  });

  test("claims hand out each one-time key once, oldest upload first, then the fallback key, which is then reported used", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const bob = await register(s, "bob");
    const carol = await register(s, "carol");
    const d = makeDevice(alice.userId, "DEV1");
    const first = oneTimeKeys(d, 1, "FIRST");
    const second = oneTimeKeys(d, 1, "SECOND");
    const fallback = oneTimeKeys(d, 1, "FB", true);
    await upload(s, alice, { device_keys: d.deviceKeys, one_time_keys: first });
    await upload(s, alice, { one_time_keys: second, fallback_keys: fallback });
    const e2ee = s.server.services.e2ee;
    expect(e2ee.unusedFallbackKeyTypes(alice.userId, "DEV1")).toEqual(["signed_curve25519"]);

    const claim = (who: Session) =>
      call<{ one_time_keys: Record<string, Record<string, Json>> }>(s, "POST", CLAIM, {
        token: who.accessToken,
        body: { one_time_keys: { [alice.userId]: { DEV1: "signed_curve25519", NOSUCH: "signed_curve25519" } } },
      });
    expect((await claim(bob)).body.one_time_keys).toEqual({ [alice.userId]: { DEV1: first } });
    expect((await claim(carol)).body.one_time_keys).toEqual({ [alice.userId]: { DEV1: second } });
    expect(e2ee.oneTimeKeyCounts(alice.userId, "DEV1")).toEqual({ signed_curve25519: 0 });
    // Out of one-time keys: the fallback key, as often as asked, and it is reported used.
    expect((await claim(bob)).body.one_time_keys).toEqual({ [alice.userId]: { DEV1: fallback } });
    expect((await claim(carol)).body.one_time_keys).toEqual({ [alice.userId]: { DEV1: fallback } });
    expect(e2ee.unusedFallbackKeyTypes(alice.userId, "DEV1")).toEqual([]);
    // The same fallback key uploaded again stays used; a new one replaces it, unused.
    await upload(s, alice, { fallback_keys: fallback });
    expect(e2ee.unusedFallbackKeyTypes(alice.userId, "DEV1")).toEqual([]);
    const next = oneTimeKeys(d, 1, "FB2", true);
    await upload(s, alice, { fallback_keys: next });
    expect(e2ee.unusedFallbackKeyTypes(alice.userId, "DEV1")).toEqual(["signed_curve25519"]);
    expect((await claim(bob)).body.one_time_keys).toEqual({ [alice.userId]: { DEV1: next } });
    // An algorithm the device has no key of gives nothing.
    const other = await call<{ one_time_keys: unknown }>(s, "POST", CLAIM, {
      token: bob.accessToken,
      body: { one_time_keys: { [alice.userId]: { DEV1: "curve25519" } } },
    });
    expect(other.body.one_time_keys).toEqual({});
  });

  test("deleting a device deletes its keys", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "DEV1" });
    const bob = await register(s, "bob");
    const d = makeDevice(alice.userId, "DEV1");
    await upload(s, alice, { device_keys: d.deviceKeys, one_time_keys: oneTimeKeys(d, 2) });
    s.server.services.devices.deleteDevices(alice.userId, ["DEV1"]);
    expect((await query(s, bob, { [alice.userId]: [] })).body.device_keys).toEqual({ [alice.userId]: {} });
    expect(s.server.services.e2ee.oneTimeKeyCounts(alice.userId, "DEV1")).toEqual({ signed_curve25519: 0 });
  });
});
