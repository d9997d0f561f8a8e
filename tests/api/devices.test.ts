import { afterEach, describe, expect, test } from "bun:test";
import { call, FAST_PASSWORD_HASHING, login, type MatrixErrorBody, passwordAuth, register } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

const DEVICES = "/_matrix/client/v3/devices";
const WHOAMI = "/_matrix/client/v3/account/whoami";
let hs: TestServer;
afterEach(() => hs.stop());
async function server() {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
  return hs;
}
interface UiaBody {
  flows: { stages: string[] }[];
  session: string;
  errcode?: string;
}
type DeviceList = { devices: { device_id: string; display_name?: string }[] };

describe("devices", () => {
  test("list, get and rename; another user's device is not found", async () => {
    const s = await server();
    const a = await register(s, "alice", undefined, { deviceId: "PHONE", deviceName: "Phone" });
    await login(s, "alice", undefined, { deviceId: "LAPTOP" });
    const b = await register(s, "bob", undefined, { deviceId: "BOBDEV" });
    const list = await call<DeviceList>(s, "GET", DEVICES, { token: a.accessToken });
    expect(list.body.devices.map((d) => d.device_id)).toEqual(["LAPTOP", "PHONE"]);
    expect(list.body.devices.find((d) => d.device_id === "LAPTOP")?.display_name).toBeUndefined();

    const put = await call(s, "PUT", `${DEVICES}/LAPTOP`, {
      token: a.accessToken,
      body: { display_name: "Work laptop" },
    });
    expect(put).toEqual({ status: 200, body: {} });
    const got = await call(s, "GET", `${DEVICES}/LAPTOP`, { token: a.accessToken });
    expect(got.body).toMatchObject({ device_id: "LAPTOP", display_name: "Work laptop" });
    // an empty body leaves the name as it was
    await call(s, "PUT", `${DEVICES}/LAPTOP`, { token: a.accessToken, body: {} });
    expect((await call(s, "GET", `${DEVICES}/LAPTOP`, { token: a.accessToken })).body).toMatchObject({
      display_name: "Work laptop",
    });

    for (const [method, body] of [
      ["GET", undefined],
      ["PUT", { display_name: "x" }],
    ] as const) {
      const r = await call<MatrixErrorBody>(s, method, `${DEVICES}/BOBDEV`, { token: a.accessToken, body });
      expect(r.status).toBe(404);
      expect(r.body.errcode).toBe("M_NOT_FOUND");
    }
    expect((await call(s, "GET", `${DEVICES}/BOBDEV`, { token: b.accessToken })).status).toBe(200);
  });

  test("rename with wrong types or bad JSON changes nothing", async () => {
    const s = await server();
    const a = await register(s, "carol", undefined, { deviceId: "DEV", deviceName: "Old" });
    expect(
      (await call<MatrixErrorBody>(s, "PUT", `${DEVICES}/DEV`, { token: a.accessToken, body: { display_name: 1 } }))
        .body.errcode,
    ).toBe("M_BAD_JSON");
    expect(
      (await call<MatrixErrorBody>(s, "PUT", `${DEVICES}/DEV`, { token: a.accessToken, rawBody: "{{" })).body.errcode,
    ).toBe("M_NOT_JSON");
    expect((await call(s, "GET", `${DEVICES}/DEV`, { token: a.accessToken })).body).toMatchObject({
      display_name: "Old",
    });
  });

  test("delete: UIA steps, then the device and its token are gone", async () => {
    const s = await server();
    const a = await register(s, "dave", undefined, { deviceId: "MAIN" });
    const other = await login(s, "dave", undefined, { deviceId: "OLD" });
    const first = await call<UiaBody>(s, "DELETE", `${DEVICES}/OLD`, { token: a.accessToken });
    expect(first.status).toBe(401);
    expect(first.body.flows).toEqual([{ stages: ["m.login.password"] }]);
    const wrong = await call<UiaBody>(s, "DELETE", `${DEVICES}/OLD`, {
      token: a.accessToken,
      body: { auth: passwordAuth("dave", "wrong-password", first.body.session) },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errcode).toBe("M_FORBIDDEN");
    expect((await call(s, "GET", WHOAMI, { token: other.accessToken })).status).toBe(200);
    // a session for deleting OLD cannot delete MAIN
    const elsewhere = await call<MatrixErrorBody>(s, "DELETE", `${DEVICES}/MAIN`, {
      token: a.accessToken,
      body: { auth: passwordAuth("dave", undefined, first.body.session) },
    });
    expect(elsewhere.status).toBe(403);
    const ok = await call(s, "DELETE", `${DEVICES}/OLD`, {
      token: a.accessToken,
      body: { auth: passwordAuth("dave", undefined, first.body.session) },
    });
    expect(ok).toEqual({ status: 200, body: {} });
    expect((await call(s, "GET", WHOAMI, { token: other.accessToken })).status).toBe(401);
    const list = await call<DeviceList>(s, "GET", DEVICES, { token: a.accessToken });
    expect(list.body.devices.map((d) => d.device_id)).toEqual(["MAIN"]);
    const unknown = await call<MatrixErrorBody>(s, "DELETE", `${DEVICES}/NOPE`, { token: a.accessToken });
    expect(unknown.status).toBe(404);
  });

  test("delete_devices: UIA, then all listed devices go; unknown IDs are ignored", async () => {
    const s = await server();
    const a = await register(s, "erin", undefined, { deviceId: "KEEP" });
    const x = await login(s, "erin", undefined, { deviceId: "X" });
    const y = await login(s, "erin", undefined, { deviceId: "Y" });
    const first = await call<UiaBody>(s, "POST", "/_matrix/client/v3/delete_devices", {
      token: a.accessToken,
      body: { devices: ["X", "Y", "GHOST"] },
    });
    expect(first.status).toBe(401);
    expect((await call(s, "GET", WHOAMI, { token: x.accessToken })).status).toBe(200);
    const ok = await call(s, "POST", "/_matrix/client/v3/delete_devices", {
      token: a.accessToken,
      body: { devices: ["X", "Y", "GHOST"], auth: passwordAuth("erin", undefined, first.body.session) },
    });
    expect(ok.status).toBe(200);
    for (const t of [x, y]) expect((await call(s, "GET", WHOAMI, { token: t.accessToken })).status).toBe(401);
    const list = await call<DeviceList>(s, "GET", DEVICES, { token: a.accessToken });
    expect(list.body.devices.map((d) => d.device_id)).toEqual(["KEEP"]);
    const bad = await call<MatrixErrorBody>(s, "POST", "/_matrix/client/v3/delete_devices", {
      token: a.accessToken,
      body: { devices: "KEEP" },
    });
    expect(bad.body.errcode).toBe("M_BAD_JSON");
  });

  test("missing and unknown tokens", async () => {
    const s = await server();
    for (const [method, path] of [
      ["GET", DEVICES],
      ["GET", `${DEVICES}/X`],
      ["PUT", `${DEVICES}/X`],
      ["DELETE", `${DEVICES}/X`],
      ["POST", "/_matrix/client/v3/delete_devices"],
    ]) {
      const body = method === "GET" ? undefined : {};
      expect((await call<MatrixErrorBody>(s, method!, path!, { body })).body.errcode).toBe("M_MISSING_TOKEN");
      expect((await call<MatrixErrorBody>(s, method!, path!, { token: "nope", body })).body.errcode).toBe(
        "M_UNKNOWN_TOKEN",
      );
    }
  });
});
