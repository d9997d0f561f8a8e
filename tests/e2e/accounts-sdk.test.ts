/**
 * A real client library (matrix-js-sdk) against the homeserver program set up by `init --yes`:
 * register with a token made by `homeserver token create`, log in, whoami, devices, display name,
 * account data, logout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type AuthDict, createClient, type MatrixClient, MatrixError } from "matrix-js-sdk";
import { type BinaryServer, startBinaryServer } from "../helpers/binary-server";

let hs: BinaryServer;
beforeAll(async () => {
  hs = await startBinaryServer({ registration: "token" });
});
afterAll(() => hs.cleanup());

const anonymous = () => createClient({ baseUrl: hs.baseUrl });
const asUser = (s: { user_id: string; access_token: string; device_id: string }) =>
  createClient({ baseUrl: hs.baseUrl, userId: s.user_id, accessToken: s.access_token, deviceId: s.device_id });

interface UiaData {
  session?: string;
  flows?: { stages: string[] }[];
  completed?: string[];
}

/**
 * Runs a user-interactive-auth request to completion the way a client does: read the 401's flows,
 * complete the next stage of the first flow we can do, repeat.
 */
async function withUia<T>(call: (auth?: AuthDict) => Promise<T>, stage: (type: string, session: string) => AuthDict) {
  let auth: AuthDict | undefined;
  for (let round = 0; round < 5; round++) {
    try {
      return await call(auth);
    } catch (e) {
      if (!(e instanceof MatrixError) || e.httpStatus !== 401 || !e.data.flows) throw e;
      // A 401 with an errcode after we sent a stage: that stage failed.
      if (auth && e.errcode) throw e;
      const data = e.data as UiaData;
      const flow = data.flows![0]!;
      const next = flow.stages.find((s) => !(data.completed ?? []).includes(s));
      if (!next) throw e;
      auth = stage(next, data.session!);
    }
  }
  throw new Error("UIA did not finish in 5 rounds");
}

async function registerWithToken(username: string, password: string, token: string) {
  return withUia(
    (auth) => anonymous().registerRequest({ username, password, initial_device_display_name: "first device", auth }),
    (type, session) => {
      if (type === "m.login.registration_token") return { type, token, session };
      if (type === "m.login.dummy") return { type, session };
      throw new Error(`unexpected stage ${type}`);
    },
  );
}

describe("accounts through matrix-js-sdk", () => {
  let token: string;
  let reg: { user_id: string; access_token: string; device_id: string };
  let session: { user_id: string; access_token: string; device_id: string };
  const userId = () => reg.user_id;

  test("the registration flow asks for a token; one made by `homeserver token create` works once", async () => {
    const created = await hs.cli(["token", "create", "--uses", "1"]);
    expect(created.code).toBe(0);
    token = created.stdout.trim();

    // Without auth: 401 with the token stage.
    const first = await anonymous()
      .registerRequest({ username: "zoe", password: "zoe's password" })
      .catch((e: MatrixError) => e);
    expect(first).toBeInstanceOf(MatrixError);
    expect((first as MatrixError).httpStatus).toBe(401);
    expect(((first as MatrixError).data as UiaData).flows).toContainEqual({
      stages: expect.arrayContaining(["m.login.registration_token"]),
    });

    const r = await registerWithToken("zoe", "zoe's password", token);
    expect(r.user_id).toBe(`@zoe:${hs.serverName}`);
    expect(r.access_token).toBeString();
    expect(r.device_id).toBeString();
    reg = { user_id: r.user_id, access_token: r.access_token!, device_id: r.device_id! };

    // Used up: nobody else gets in with it.
    const again = await registerWithToken("yann", "yann's password", token).catch((e: MatrixError) => e);
    expect(again).toBeInstanceOf(MatrixError);
    expect((again as MatrixError).httpStatus).toBe(401);
    expect((again as MatrixError).errcode).toBe("M_UNAUTHORIZED");
    expect((await hs.cli(["token", "list"])).stdout).toMatch(new RegExp(`${token}\\s+no\\s+1\\s+0\\s+1`));
    expect((await hs.cli(["user", "list"])).stdout).not.toContain("@yann:");
  });

  test("log in with the password; whoami names the user and the new device", async () => {
    const r = await anonymous().loginRequest({
      type: "m.login.password",
      identifier: { type: "m.id.user", user: "zoe" },
      password: "zoe's password",
      initial_device_display_name: "laptop",
    });
    expect(r.user_id).toBe(userId());
    expect(r.device_id).not.toBe(reg.device_id);
    session = { user_id: r.user_id, access_token: r.access_token, device_id: r.device_id };
    const who = await asUser(session).whoami();
    expect(who.user_id).toBe(userId());
    expect(who.device_id).toBe(session.device_id);
  });

  test("a wrong password is refused with M_FORBIDDEN", async () => {
    const e = await anonymous()
      .loginRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: "zoe" }, password: "nope" })
      .catch((x: MatrixError) => x);
    expect(e).toBeInstanceOf(MatrixError);
    expect((e as MatrixError).errcode).toBe("M_FORBIDDEN");
  });

  test("devices: list, rename, delete another device with the password (UIA)", async () => {
    const client = asUser(session);
    const listed = (await client.getDevices()).devices;
    expect(listed.map((d) => d.device_id).sort()).toEqual([reg.device_id, session.device_id].sort());
    expect(listed.find((d) => d.device_id === session.device_id)?.display_name).toBe("laptop");

    await client.setDeviceDetails(session.device_id, { display_name: "work laptop" });
    const renamed = (await client.getDevices()).devices.find((d) => d.device_id === session.device_id);
    expect(renamed?.display_name).toBe("work laptop");

    await withUia(
      (auth) => client.deleteDevice(reg.device_id, auth),
      (type, s) => {
        expect(type).toBe("m.login.password");
        return { type, session: s, identifier: { type: "m.id.user", user: userId() }, password: "zoe's password" };
      },
    );
    expect((await client.getDevices()).devices.map((d) => d.device_id)).toEqual([session.device_id]);
    // The deleted device's token no longer works.
    const e = await asUser(reg)
      .whoami()
      .catch((x: MatrixError) => x);
    expect((e as MatrixError).errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("display name: set, and read back by anyone", async () => {
    await asUser(session).setDisplayName("Zoë");
    const profile = await anonymous().getProfileInfo(userId());
    expect(profile.displayname).toBe("Zoë");
  });

  test("account data: stored and read back", async () => {
    const client = asUser(session);
    const content = { theme: "dark", nested: { n: 1 } };
    await client.setAccountData("org.example.settings" as never, content as never);
    expect(await client.getAccountDataFromServer("org.example.settings" as never)).toEqual(content as never);
  });

  test("logout: the token stops working", async () => {
    const client = asUser(session);
    await client.logout();
    const e = await client.whoami().catch((x: MatrixError) => x);
    expect(e).toBeInstanceOf(MatrixError);
    expect((e as MatrixError).errcode).toBe("M_UNKNOWN_TOKEN");
  });

  test("`homeserver user passwd` changes the password a client logs in with", async () => {
    const r = await hs.cli(["user", "passwd", "zoe", "--password-file", "-"], { stdin: "zoe's new password\n" });
    expect(r.code).toBe(0);
    const login = (password: string) =>
      anonymous().loginRequest({ type: "m.login.password", identifier: { type: "m.id.user", user: "zoe" }, password });
    expect((await login("zoe's new password")).user_id).toBe(userId());
    expect(await login("zoe's password").catch((e: MatrixError) => e.errcode)).toBe("M_FORBIDDEN");
  });
});

describe("open registration through matrix-js-sdk", () => {
  let open: BinaryServer;
  let client: MatrixClient;
  beforeAll(async () => {
    open = await startBinaryServer({ registration: "open", serverName: "open.e2e.test" });
    client = createClient({ baseUrl: open.baseUrl });
  });
  afterAll(() => open.cleanup());

  test("register with m.login.dummy, then whoami", async () => {
    expect(await client.isUsernameAvailable("walt")).toBe(true);
    const r = await withUia(
      (auth) => client.registerRequest({ username: "walt", password: "walt's password", auth }),
      (type, session) => {
        expect(type).toBe("m.login.dummy");
        return { type, session };
      },
    );
    expect(r.user_id).toBe("@walt:open.e2e.test");
    const who = await createClient({ baseUrl: open.baseUrl, accessToken: r.access_token!, userId: r.user_id }).whoami();
    expect(who.user_id).toBe("@walt:open.e2e.test");
    expect(await client.isUsernameAvailable("walt")).toBe(false); // the SDK's reading of M_USER_IN_USE
  });
});
