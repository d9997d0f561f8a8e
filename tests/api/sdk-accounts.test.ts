/** The in-process server driven by the real client library, matrix-js-sdk. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ICreateClientOpts, type MatrixClient, type MatrixError, createClient as sdkClient } from "matrix-js-sdk";
import { FAST_PASSWORD_HASHING } from "../helpers/client";
import { startTestServer, type TestServer } from "../helpers/test-server";

let hs: TestServer;
beforeAll(async () => {
  hs = await startTestServer({ config: { ...FAST_PASSWORD_HASHING } });
});
afterAll(() => hs.stop());

const PASSWORD = "sdk-password-123";

/** The SDK's request log is noise in test output. */
const quiet = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  getChild: () => quiet,
};
const createClient = (opts: ICreateClientOpts) => sdkClient({ ...opts, logger: quiet as ICreateClientOpts["logger"] });

async function uiaRequired(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const err = e as MatrixError;
    expect(err.httpStatus).toBe(401);
    const session = (err.data as { session?: string }).session;
    expect(session).toBeString();
    return session!;
  }
  throw new Error("expected a 401 UIA response");
}

describe("matrix-js-sdk against the server", () => {
  let client: MatrixClient;

  test("register through UIA, then whoami", async () => {
    const anon = createClient({ baseUrl: hs.baseUrl });
    expect(await anon.isUsernameAvailable("sdkuser")).toBe(true);
    const session = await uiaRequired(anon.registerRequest({ username: "sdkuser", password: PASSWORD }));
    const reg = await anon.registerRequest({
      username: "sdkuser",
      password: PASSWORD,
      initial_device_display_name: "SDK test",
      auth: { type: "m.login.dummy", session },
    });
    expect(reg.user_id).toBe("@sdkuser:hs1.test");
    client = createClient({
      baseUrl: hs.baseUrl,
      accessToken: reg.access_token!,
      userId: reg.user_id,
      deviceId: reg.device_id!,
    });
    const who = await client.whoami();
    expect(who.user_id).toBe("@sdkuser:hs1.test");
    expect(who.device_id).toBe(reg.device_id!);
  });

  test("log in with a password on a second device, list and rename devices", async () => {
    const second = createClient({ baseUrl: hs.baseUrl });
    const res = await second.loginRequest({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: "sdkuser" },
      password: PASSWORD,
      initial_device_display_name: "Second",
    });
    expect(res.user_id).toBe("@sdkuser:hs1.test");
    const { devices } = await client.getDevices();
    expect(devices.map((d) => d.display_name).sort()).toEqual(["SDK test", "Second"]);
    await client.setDeviceDetails(res.device_id, { display_name: "Renamed" });
    const after = await client.getDevices();
    expect(after.devices.find((d) => d.device_id === res.device_id)?.display_name).toBe("Renamed");

    // delete the second device through UIA
    const session = await uiaRequired(client.deleteDevice(res.device_id));
    await client.deleteDevice(res.device_id, {
      type: "m.login.password",
      identifier: { type: "m.id.user", user: "sdkuser" },
      password: PASSWORD,
      session,
    });
    expect((await client.getDevices()).devices).toHaveLength(1);
    const gone = createClient({ baseUrl: hs.baseUrl, accessToken: res.access_token, userId: res.user_id });
    await expect(gone.whoami()).rejects.toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
  });

  test("display name and avatar", async () => {
    await client.setDisplayName("SDK User");
    await client.setAvatarUrl("mxc://hs1.test/avatar1");
    const profile = await client.getProfileInfo("@sdkuser:hs1.test");
    expect(profile).toEqual({ displayname: "SDK User", avatar_url: "mxc://hs1.test/avatar1" });
  });

  test("account data", async () => {
    await client.setAccountDataRaw("org.example.sdk" as never, { hello: "world" } as never);
    expect(await client.getAccountDataFromServer("org.example.sdk" as never)).toEqual({ hello: "world" } as never);
    expect(await client.getAccountDataFromServer("org.example.missing" as never)).toBeNull();
  });

  test("log out", async () => {
    await client.logout();
    await expect(client.whoami()).rejects.toMatchObject({ errcode: "M_UNKNOWN_TOKEN" });
  });
});
