import { afterEach, describe, expect, test } from "bun:test";
import {
  call,
  FAST_PASSWORD_HASHING,
  type MatrixErrorBody,
  passwordAuth,
  register,
  type Session,
} from "../../helpers/client";
import { startTestServer, type TestServer } from "../../helpers/test-server";
import { crossSigningUpload, makeCrossSigning } from "./fixtures";

const BASE = "/_matrix/client/v3/room_keys";
const ALGORITHM = "m.megolm_backup.v1.curve25519-aes-sha2";
const ROOM = "!room:hs1.test";
const ROOM2 = "!other:hs1.test";

let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}

type Body = Record<string, unknown> & Partial<MatrixErrorBody>;
const req = (s: TestServer, who: Session, method: string, path: string, body?: unknown) =>
  call<Body>(s, method, `${BASE}${path}`, { token: who.accessToken, body });

function keyData(first: number, forwarded: number, verified: boolean, tag = "x") {
  return {
    first_message_index: first,
    forwarded_count: forwarded,
    is_verified: verified,
    session_data: { ephemeral: `e-${tag}`, ciphertext: `c-${tag}`, mac: `m-${tag}` },
  };
}
const authData = (k = "pubkey") => ({ public_key: k, signatures: {} });
const enc = encodeURIComponent;

describe("key backup versions", () => {
  test("create, read current and by version, update auth_data, delete; versions are never reused", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const none = await req(s, alice, "GET", "/version");
    expect({ status: none.status, errcode: none.body.errcode }).toEqual({ status: 404, errcode: "M_NOT_FOUND" });

    expect(await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() })).toEqual({
      status: 200,
      body: { version: "1" },
    });
    const info = { algorithm: ALGORITHM, auth_data: authData(), count: 0, etag: "0", version: "1" };
    expect(await req(s, alice, "GET", "/version")).toEqual({ status: 200, body: info });
    expect(await req(s, alice, "GET", "/version/1")).toEqual({ status: 200, body: info });

    expect(
      await req(s, alice, "PUT", "/version/1", { algorithm: ALGORITHM, auth_data: authData("new"), version: "1" }),
    ).toEqual({
      status: 200,
      body: {},
    });
    expect((await req(s, alice, "GET", "/version/1")).body.auth_data).toEqual(authData("new"));
    for (const [body, errcode] of [
      [{ algorithm: "other.algorithm", auth_data: authData("x") }, "M_INVALID_PARAM"],
      [{ algorithm: ALGORITHM, auth_data: authData("x"), version: "2" }, "M_INVALID_PARAM"],
      [{ algorithm: ALGORITHM }, "M_BAD_JSON"],
    ] as const) {
      const r = await req(s, alice, "PUT", "/version/1", body);
      expect({ status: r.status, errcode: r.body.errcode }).toEqual({ status: 400, errcode });
    }
    expect((await req(s, alice, "GET", "/version/1")).body.auth_data).toEqual(authData("new"));
    expect((await req(s, alice, "PUT", "/version/7", { algorithm: ALGORITHM, auth_data: {} })).status).toBe(404);

    expect((await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData("2") })).body).toEqual({
      version: "2",
    });
    expect((await req(s, alice, "GET", "/version")).body.version).toBe("2");
    expect(await req(s, alice, "DELETE", "/version/2")).toEqual({ status: 200, body: {} });
    expect(await req(s, alice, "DELETE", "/version/2")).toEqual({ status: 200, body: {} }); // deleted before: fine
    expect((await req(s, alice, "GET", "/version/2")).status).toBe(404);
    expect((await req(s, alice, "GET", "/version")).body.version).toBe("1"); // the latest one left
    for (const v of ["3", "abc", "0", "-1"]) {
      const r = await req(s, alice, "DELETE", `/version/${v}`);
      expect({ v, status: r.status, errcode: r.body.errcode }).toEqual({ v, status: 404, errcode: "M_NOT_FOUND" });
    }
    expect((await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: {} })).body.version).toBe("3");
  });

  test("backups belong to their user", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() });
    expect((await req(s, bob, "GET", "/version")).status).toBe(404);
    expect((await req(s, bob, "GET", "/version/1")).status).toBe(404);
    expect((await req(s, bob, "PUT", `/keys/${enc(ROOM)}/s1?version=1`, keyData(0, 0, false))).status).toBe(404);
    expect((await req(s, bob, "DELETE", "/version/1")).status).toBe(404);
    expect((await req(s, alice, "GET", "/version/1")).status).toBe(200);
  });
});

describe("key backup keys", () => {
  test("store and read at all three levels, with count and etag", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() });
    const one = await req(s, alice, "PUT", `/keys/${enc(ROOM)}/s1?version=1`, keyData(0, 0, false, "a"));
    expect(one).toEqual({ status: 200, body: { etag: "1", count: 1 } });
    const room = await req(s, alice, "PUT", `/keys/${enc(ROOM)}?version=1`, {
      sessions: { s2: keyData(0, 0, true, "b"), "s/3+": keyData(1, 0, true, "c") },
    });
    expect(room.body).toEqual({ etag: "2", count: 3 });
    const all = await req(s, alice, "PUT", "/keys?version=1", {
      rooms: { [ROOM2]: { sessions: { s1: keyData(5, 1, false, "d") } } },
    });
    expect(all.body).toEqual({ etag: "3", count: 4 });

    expect((await req(s, alice, "GET", `/keys/${enc(ROOM)}/${enc("s/3+")}?version=1`)).body).toEqual(
      keyData(1, 0, true, "c"),
    );
    expect((await req(s, alice, "GET", `/keys/${enc(ROOM)}?version=1`)).body).toEqual({
      sessions: { s1: keyData(0, 0, false, "a"), s2: keyData(0, 0, true, "b"), "s/3+": keyData(1, 0, true, "c") },
    });
    expect((await req(s, alice, "GET", "/keys?version=1")).body).toEqual({
      rooms: {
        [ROOM]: {
          sessions: { s1: keyData(0, 0, false, "a"), s2: keyData(0, 0, true, "b"), "s/3+": keyData(1, 0, true, "c") },
        },
        [ROOM2]: { sessions: { s1: keyData(5, 1, false, "d") } },
      },
    });
    expect((await req(s, alice, "GET", `/keys/${enc("!empty:hs1.test")}?version=1`)).body).toEqual({ sessions: {} });
    const missing = await req(s, alice, "GET", `/keys/${enc(ROOM)}/nosuch?version=1`);
    expect({ status: missing.status, errcode: missing.body.errcode }).toEqual({ status: 404, errcode: "M_NOT_FOUND" });
    expect((await req(s, alice, "GET", "/version")).body).toMatchObject({ count: 4, etag: "3" });

    // Deleting at each level.
    expect((await req(s, alice, "DELETE", `/keys/${enc(ROOM)}/s1?version=1`)).body).toEqual({ etag: "4", count: 3 });
    expect((await req(s, alice, "DELETE", `/keys/${enc(ROOM)}/s1?version=1`)).body).toEqual({ etag: "4", count: 3 });
    expect((await req(s, alice, "DELETE", `/keys/${enc(ROOM)}?version=1`)).body).toEqual({ etag: "5", count: 1 });
    expect((await req(s, alice, "DELETE", "/keys?version=1")).body).toEqual({ etag: "6", count: 0 });
    expect((await req(s, alice, "GET", "/keys?version=1")).body).toEqual({ rooms: {} });
  });

  test("a stored key is replaced only by a better one: verified, then lower first index, then fewer forwards", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() });
    const path = `/keys/${enc(ROOM)}/s1?version=1`;
    const put = (d: ReturnType<typeof keyData>) => req(s, alice, "PUT", path, d);
    const stored = async () => (await req(s, alice, "GET", path)).body;

    await put(keyData(5, 2, false, "start"));
    const steps: [ReturnType<typeof keyData>, string][] = [
      [keyData(0, 0, false, "lower-index"), "lower-index"], // same verification, lower index: replaces
      [keyData(0, 1, false, "more-forwards"), "lower-index"], // more forwards: kept
      [keyData(3, 5, true, "verified"), "verified"], // verified beats unverified whatever the index
      [keyData(0, 0, false, "unverified"), "verified"], // unverified never replaces verified
      [keyData(3, 5, true, "tie"), "verified"], // a tie keeps the stored copy
      [keyData(3, 4, true, "fewer-forwards"), "fewer-forwards"],
    ];
    let etag = (await req(s, alice, "GET", "/version")).body.etag;
    for (const [data, expected] of steps) {
      const r = await put(data);
      expect(r.status).toBe(200);
      expect((await stored()).session_data).toEqual(keyData(0, 0, false, expected).session_data);
      // The etag moves only when something was written.
      const replaced = expected === data.session_data.ciphertext.slice(2);
      expect(r.body.etag !== etag).toBe(replaced);
      etag = r.body.etag;
    }
  });

  test("only the current version takes keys; unknown versions are not found; version is required", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const path = `/keys/${enc(ROOM)}/s1`;
    const noBackup = await req(s, alice, "PUT", `${path}?version=1`, keyData(0, 0, false));
    expect({ status: noBackup.status, errcode: noBackup.body.errcode }).toEqual({
      status: 404,
      errcode: "M_NOT_FOUND",
    });
    await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() });
    await req(s, alice, "PUT", `${path}?version=1`, keyData(0, 0, false, "old"));
    await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() });

    for (const p of [`${path}?version=1`, `/keys/${enc(ROOM)}?version=1`, "/keys?version=1"]) {
      const body = p.startsWith(path)
        ? keyData(0, 0, true)
        : p.startsWith("/keys?")
          ? { rooms: { [ROOM]: { sessions: { s1: keyData(0, 0, true) } } } }
          : { sessions: { s1: keyData(0, 0, true) } };
      const r = await req(s, alice, "PUT", p, body);
      expect({ p, status: r.status, body: r.body }).toMatchObject({
        p,
        status: 403,
        body: { errcode: "M_WRONG_ROOM_KEYS_VERSION", current_version: "2" },
      });
    }
    // The old version still reads as it was; the current one got nothing.
    expect((await req(s, alice, "GET", `${path}?version=1`)).body.session_data).toEqual(
      keyData(0, 0, false, "old").session_data,
    );
    expect((await req(s, alice, "GET", "/keys?version=2")).body).toEqual({ rooms: {} });

    for (const v of ["9", "x", ""]) {
      const r = await req(s, alice, "GET", `/keys?version=${v}`);
      expect({ v, status: r.status, errcode: r.body.errcode }).toEqual({ v, status: 404, errcode: "M_NOT_FOUND" });
      const w = await req(s, alice, "PUT", `${path}?version=${v}`, keyData(0, 0, false));
      expect({ v, status: w.status }).toEqual({ v, status: 404 });
    }
    const noVersion = await req(s, alice, "GET", "/keys");
    expect({ status: noVersion.status, errcode: noVersion.body.errcode }).toEqual({
      status: 400,
      errcode: "M_MISSING_PARAM",
    });
  });

  test("malformed key data is refused and stores nothing", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() });
    for (const [path, body] of [
      [`/keys/${enc(ROOM)}/s1?version=1`, { ...keyData(0, 0, false), first_message_index: -1 }],
      [`/keys/${enc(ROOM)}/s1?version=1`, { ...keyData(0, 0, false), is_verified: "yes" }],
      [`/keys/${enc(ROOM)}/s1?version=1`, { ...keyData(0, 0, false), session_data: "text" }],
      [`/keys/${enc(ROOM)}?version=1`, { sessions: { s1: keyData(0, 0, false), s2: { first_message_index: 0 } } }],
      ["/keys?version=1", { rooms: { "not-a-room": { sessions: { s1: keyData(0, 0, false) } } } }],
    ] as const) {
      const r = await req(s, alice, "PUT", path, body);
      expect({ path, status: r.status, errcode: r.body.errcode }).toEqual({ path, status: 400, errcode: "M_BAD_JSON" });
    }
    const badRoom = await req(s, alice, "PUT", "/keys/not-a-room/s1?version=1", keyData(0, 0, false));
    expect({ status: badRoom.status, errcode: badRoom.body.errcode }).toEqual({
      status: 400,
      errcode: "M_INVALID_PARAM",
    });
    expect((await req(s, alice, "GET", "/version")).body).toMatchObject({ count: 0, etag: "0" });
  });
});

describe("account deactivation", () => {
  test("deletes the user's key backups and cross-signing keys", async () => {
    const s = await server();
    const alice = await register(s, "alice");
    const bob = await register(s, "bob");
    await req(s, alice, "POST", "/version", { algorithm: ALGORITHM, auth_data: authData() });
    await req(s, alice, "PUT", `/keys/${enc(ROOM)}/s1?version=1`, keyData(0, 0, false));
    const cs = await call(s, "POST", "/_matrix/client/v3/keys/device_signing/upload", {
      token: alice.accessToken,
      body: crossSigningUpload(makeCrossSigning(alice.userId)),
    });
    expect(cs.status).toBe(200);
    const d = await call(s, "POST", "/_matrix/client/v3/account/deactivate", {
      token: alice.accessToken,
      body: { auth: passwordAuth(alice.userId) },
    });
    expect(d.status).toBe(200);
    const e2ee = s.server.services.e2ee;
    expect(() => e2ee.backup.getVersion(alice.userId)).toThrow();
    const q = e2ee.keys.queryKeys(bob.userId, { [alice.userId]: [] });
    expect(q).toEqual({
      device_keys: { [alice.userId]: {} },
      master_keys: {},
      self_signing_keys: {},
      user_signing_keys: {},
      failures: {},
    });
  });
});
