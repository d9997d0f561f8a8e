import { afterEach, describe, expect, test } from "bun:test";
import { signJson } from "../../../src/core/crypto/sign-json";
import { call, FAST_PASSWORD_HASHING, passwordAuth, register, type Session } from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import {
  type CrossSigning,
  crossSigningKey,
  crossSigningUpload,
  type Json,
  makeCrossSigning,
  makeDevice,
  newKey,
  type TestDevice,
} from "./fixtures";

const SIGNING_UPLOAD = "/_matrix/client/v3/keys/device_signing/upload";
const SIGNATURES_UPLOAD = "/_matrix/client/v3/keys/signatures/upload";
const QUERY = "/_matrix/client/v3/keys/query";

let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}

type QueryBody = {
  device_keys: Record<string, Record<string, Json>>;
  master_keys: Record<string, Json>;
  self_signing_keys: Record<string, Json>;
  user_signing_keys: Record<string, Json>;
};
type Failures = { failures: Record<string, Record<string, { errcode: string; error: string }>> };

const query = (s: TestServer, who: Session, users: string[]) =>
  call<QueryBody>(s, "POST", QUERY, {
    token: who.accessToken,
    body: { device_keys: Object.fromEntries(users.map((u) => [u, []])) },
  });
const uploadSigning = (s: TestServer, who: Session, body: Json) =>
  call<{ errcode?: string; flows?: unknown; session?: string }>(s, "POST", SIGNING_UPLOAD, {
    token: who.accessToken,
    body,
  });
const uploadSignatures = (s: TestServer, who: Session, body: Json) =>
  call<Failures>(s, "POST", SIGNATURES_UPLOAD, { token: who.accessToken, body });

/** A registered user with device keys uploaded and cross-signing set up. */
async function setUp(s: TestServer, name: string): Promise<{ session: Session; device: TestDevice; cs: CrossSigning }> {
  const session = await register(s, name, undefined, { deviceId: `${name.toUpperCase()}DEV` });
  const device = makeDevice(session.userId, session.deviceId);
  const up = await call(s, "POST", "/_matrix/client/v3/keys/upload", {
    token: session.accessToken,
    body: { device_keys: device.deviceKeys },
  });
  expect(up.status).toBe(200);
  const cs = makeCrossSigning(session.userId);
  expect((await uploadSigning(s, session, crossSigningUpload(cs))).status).toBe(200);
  return { session, device, cs };
}

describe("POST /keys/device_signing/upload", () => {
  test("the first upload needs no password; others see master and self-signing keys, only the owner the user-signing key", async () => {
    const s = await server();
    const alice = await setUp(s, "alice");
    const bob = await register(s, "bob");
    const own = await query(s, alice.session, [alice.session.userId]);
    expect(own.body.master_keys).toEqual({ [alice.session.userId]: alice.cs.masterKey });
    expect(own.body.self_signing_keys).toEqual({ [alice.session.userId]: alice.cs.selfSigningKey });
    expect(own.body.user_signing_keys).toEqual({ [alice.session.userId]: alice.cs.userSigningKey });
    const other = await query(s, bob, [alice.session.userId]);
    expect(other.body.master_keys).toEqual({ [alice.session.userId]: alice.cs.masterKey });
    expect(other.body.self_signing_keys).toEqual({ [alice.session.userId]: alice.cs.selfSigningKey });
    expect(other.body.user_signing_keys).toEqual({});
  });

  test("uploading the same keys again needs no password; new keys need user-interactive auth", async () => {
    const s = await server();
    const alice = await setUp(s, "alice");
    expect(await uploadSigning(s, alice.session, crossSigningUpload(alice.cs))).toEqual({ status: 200, body: {} });
    expect((await uploadSigning(s, alice.session, { master_key: alice.cs.masterKey })).status).toBe(200);

    const next = makeCrossSigning(alice.session.userId);
    const challenge = await uploadSigning(s, alice.session, crossSigningUpload(next));
    expect(challenge.status).toBe(401);
    expect(challenge.body.flows).toEqual([{ stages: ["m.login.password"] }]);
    // Still the old keys.
    expect((await query(s, alice.session, [alice.session.userId])).body.master_keys[alice.session.userId]).toEqual(
      alice.cs.masterKey,
    );
    const wrong = await uploadSigning(
      s,
      alice.session,
      crossSigningUpload(next, passwordAuth(alice.session.userId, "wrong-password", challenge.body.session)),
    );
    expect(wrong.status).toBe(401);
    expect(wrong.body.errcode).toBe("M_FORBIDDEN");
    const ok = await uploadSigning(
      s,
      alice.session,
      crossSigningUpload(next, passwordAuth(alice.session.userId, undefined, challenge.body.session)),
    );
    expect(ok.status).toBe(200);
    const q = await query(s, alice.session, [alice.session.userId]);
    expect(q.body.master_keys[alice.session.userId]).toEqual(next.masterKey);
    expect(q.body.user_signing_keys[alice.session.userId]).toEqual(next.userSigningKey);
    // A new self-signing key alone (signed by the stored master key) also needs auth.
    const ssk = signJson(
      crossSigningKey(alice.session.userId, "self_signing", newKey()),
      alice.session.userId,
      next.master,
    );
    expect((await uploadSigning(s, alice.session, { self_signing_key: ssk })).status).toBe(401);
  });

  test("invalid keys are refused with the spec's errors and change nothing", async () => {
    const s = await server();
    const alice = await register(s, "alice", undefined, { deviceId: "ALICEDEV" });
    const bob = await register(s, "bob");
    const user = alice.userId;
    const cs = makeCrossSigning(user);
    const stranger = newKey();
    const collide = newKey();
    // A device whose ID is a cross-signing public key.
    s.server.services.sessions.issue(user, { deviceId: collide.version });
    const cases: [string, Json, number, string][] = [
      ["no master key anywhere", { self_signing_key: cs.selfSigningKey }, 400, "M_MISSING_PARAM"],
      [
        "self-signing key not signed by the master key",
        {
          master_key: cs.masterKey,
          self_signing_key: signJson(crossSigningKey(user, "self_signing", cs.selfSigning), user, stranger),
        },
        400,
        "M_INVALID_SIGNATURE",
      ],
      [
        "user-signing key without signature",
        { master_key: cs.masterKey, user_signing_key: crossSigningKey(user, "user_signing", cs.userSigning) },
        400,
        "M_INVALID_SIGNATURE",
      ],
      ["another user's key", { master_key: crossSigningKey(bob.userId, "master", cs.master) }, 400, "M_INVALID_PARAM"],
      ["wrong usage", { master_key: crossSigningKey(user, "self_signing", cs.master) }, 400, "M_INVALID_PARAM"],
      [
        "key name and value differ",
        {
          master_key: {
            user_id: user,
            usage: ["master"],
            keys: { [`ed25519:${cs.master.version}`]: stranger.version },
          },
        },
        400,
        "M_INVALID_PARAM",
      ],
      [
        "two keys",
        {
          master_key: {
            user_id: user,
            usage: ["master"],
            keys: {
              [`ed25519:${cs.master.version}`]: cs.master.version,
              [`ed25519:${stranger.version}`]: stranger.version,
            },
          },
        },
        400,
        "M_INVALID_PARAM",
      ],
      [
        "not an ed25519 key",
        { master_key: { user_id: user, usage: ["master"], keys: { "ed25519:abc": "abc" } } },
        400,
        "M_INVALID_PARAM",
      ],
      ["wrong types", { master_key: { user_id: user, usage: "master", keys: {} } }, 400, "M_BAD_JSON"],
      ["public key equal to a device ID", { master_key: crossSigningKey(user, "master", collide) }, 403, "M_FORBIDDEN"],
    ];
    for (const [what, body, status, errcode] of cases) {
      const r = await uploadSigning(s, alice, body);
      expect({ what, status: r.status, errcode: r.body.errcode }).toEqual({ what, status, errcode });
    }
    const q = await query(s, bob, [user]);
    expect(q.body.master_keys).toEqual({});
    expect(q.body.self_signing_keys).toEqual({});
  });
});

describe("POST /keys/signatures/upload", () => {
  test("the self-signing key signs a device, a device signs the master key; both are shown to others", async () => {
    const s = await server();
    const { session, device, cs } = await setUp(s, "alice");
    const bob = await register(s, "bob");
    const user = session.userId;
    const signedDevice = signJson(device.deviceKeys, user, cs.selfSigning);
    const signedMaster = signJson(cs.masterKey, user, device.key);
    const r = await uploadSignatures(s, session, {
      [user]: { [device.deviceId]: signedDevice, [cs.master.version]: signedMaster },
    });
    expect(r).toEqual({ status: 200, body: { failures: {} } });

    const q = await query(s, bob, [user]);
    const shownDevice = q.body.device_keys[user]![device.deviceId]!;
    expect(shownDevice.signatures).toEqual((signedDevice as Json).signatures);
    expect(q.body.master_keys[user]!.signatures).toEqual((signedMaster as Json).signatures);
  });

  test("a user-signing signature on another user's master key is seen only by the signer", async () => {
    const s = await server();
    const alice = await setUp(s, "alice");
    const bob = await setUp(s, "bob");
    const carol = await register(s, "carol");
    const bobId = bob.session.userId;
    const signed = signJson(bob.cs.masterKey, alice.session.userId, alice.cs.userSigning);
    const r = await uploadSignatures(s, alice.session, { [bobId]: { [bob.cs.master.version]: signed } });
    expect(r.body.failures).toEqual({});
    const sigKey = `ed25519:${alice.cs.userSigning.version}`;
    const seenBy = async (who: Session) =>
      ((await query(s, who, [bobId])).body.master_keys[bobId]!.signatures as Record<string, Json> | undefined)?.[
        alice.session.userId
      ]?.[sigKey];
    expect(await seenBy(alice.session)).toBe(
      (signed as { signatures: Record<string, Json> }).signatures[alice.session.userId]![sigKey],
    );
    expect(await seenBy(bob.session)).toBeUndefined();
    expect(await seenBy(carol)).toBeUndefined();
  });

  test("bad signatures, mismatching objects and unknown keys are reported per key and stored nowhere", async () => {
    const s = await server();
    const alice = await setUp(s, "alice");
    const bob = await setUp(s, "bob");
    const user = alice.session.userId;
    const forged = signJson(alice.device.deviceKeys, user, newKey(alice.cs.selfSigning.version));
    const changed = signJson({ ...alice.device.deviceKeys, algorithms: [] }, user, alice.cs.selfSigning);
    const notBySsk = alice.device.deviceKeys;
    const bobForged = signJson(bob.cs.masterKey, user, newKey(alice.cs.userSigning.version));
    const bobDevice = signJson(bob.device.deviceKeys, user, alice.cs.userSigning);
    const r = await uploadSignatures(s, alice.session, {
      [user]: { [alice.device.deviceId]: forged, NOSUCHDEVICE: forged },
      [bob.session.userId]: { [bob.cs.master.version]: bobForged, [bob.device.deviceId]: bobDevice },
      "@dave:elsewhere.test": { KEY: bobForged },
    });
    expect(r.status).toBe(200);
    const codes = Object.fromEntries(
      Object.entries(r.body.failures).map(([u, ks]) => [
        u,
        Object.fromEntries(Object.entries(ks).map(([k, v]) => [k, v.errcode])),
      ]),
    );
    expect(codes).toEqual({
      [user]: { [alice.device.deviceId]: "M_INVALID_SIGNATURE", NOSUCHDEVICE: "M_NOT_FOUND" },
      [bob.session.userId]: { [bob.cs.master.version]: "M_INVALID_SIGNATURE", [bob.device.deviceId]: "M_NOT_FOUND" },
      "@dave:elsewhere.test": { KEY: "M_NOT_FOUND" },
    });
    for (const body of [changed, notBySsk]) {
      const x = await uploadSignatures(s, alice.session, { [user]: { [alice.device.deviceId]: body } });
      expect(x.body.failures[user]![alice.device.deviceId]!.errcode).toBe("M_INVALID_PARAM");
    }
    const q = await query(s, alice.session, [user, bob.session.userId]);
    expect(q.body.device_keys[user]![alice.device.deviceId]!.signatures).toEqual(
      (alice.device.deviceKeys as Json).signatures,
    );
    expect(q.body.master_keys[bob.session.userId]).toEqual(bob.cs.masterKey);
  });
});
